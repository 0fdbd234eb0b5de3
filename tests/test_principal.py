"""``ctfy_auth.get_principal`` on both kinds of request, and the scope vocabulary Principal reads."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

import ctfy_auth
from ctfy_auth import scopes
from ctfy_auth.authentication import BearerTokenAuthentication
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import CredentialKind
from ctfy_auth.exceptions import CtfyError, NotAuthenticated
from ctfy_auth.principal import Principal
from ctfy_auth.testing import bearer, create_user_with_token


def _django_request(**headers: str) -> Any:
    return RequestFactory().get("/anything", **headers)


# --- get_principal -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_django_request_resolves_its_bearer_token_once(django_assert_num_queries):
    user, plaintext = create_user_with_token()
    request = _django_request(**bearer(plaintext))
    principal = ctfy_auth.get_principal(request)
    assert isinstance(principal, Principal)
    assert principal.user == user and principal.credential_kind == CredentialKind.SESSION
    with django_assert_num_queries(0):  # the outcome is kept on the request
        assert ctfy_auth.get_principal(request) is principal


@pytest.mark.django_db
def test_a_django_request_with_an_api_token_gets_its_permissions():
    _user, plaintext = create_user_with_token(
        {"challenges": "read"}, resource_access="selected", resource_ids=["ctf-2026"]
    )
    principal = ctfy_auth.get_principal(_django_request(**bearer(plaintext)))
    assert principal is not None and not principal.is_full_account
    assert principal.permissions["challenges"] == "read"
    assert principal.allows("challenges", "read", "ctf-2026")
    assert not principal.allows("challenges", "read", "other")
    assert not principal.allows("challenges", "write", "ctf-2026")


def test_a_django_request_without_a_bearer_credential_has_none():
    assert ctfy_auth.get_principal(_django_request()) is None
    assert ctfy_auth.get_principal(_django_request(HTTP_AUTHORIZATION="Basic eDp5")) is None


@pytest.mark.django_db
def test_a_django_request_with_a_bad_credential_raises_its_error():
    with pytest.raises(NotAuthenticated):
        ctfy_auth.get_principal(_django_request(HTTP_AUTHORIZATION="Bearer "))
    with pytest.raises(CtfyError) as refused:
        ctfy_auth.get_principal(_django_request(HTTP_AUTHORIZATION="Bearer pt_not-a-token"))
    assert refused.value.status_code == 403


@pytest.mark.django_db
def test_a_drf_request_reads_what_our_authentication_decided():
    user, plaintext = create_user_with_token()
    request = Request(
        _django_request(**bearer(plaintext)), authenticators=[BearerTokenAuthentication()]
    )
    principal = ctfy_auth.get_principal(request)
    assert principal is not None and principal.user == user
    assert principal is request.auth
    # The same request seen as a Django request: one resolution, the same Principal.
    assert ctfy_auth.get_principal(request._request) is principal


@pytest.mark.django_db
def test_a_drf_request_authenticated_by_another_class_has_none():
    # DRF decides: a view that does not use BearerTokenAuthentication never sees our token.
    _user, plaintext = create_user_with_token()
    request = Request(
        _django_request(**bearer(plaintext)), authenticators=[SessionAuthentication()]
    )
    assert ctfy_auth.get_principal(request) is None


def test_get_principal_is_the_package_roots_only_export():
    assert ctfy_auth.__all__ == ["get_principal"]


# --- the scope vocabulary ------------------------------------------------------------------


def test_levels_live_in_scopes_only():
    assert scopes.LEVELS == ("none", "read", "write")
    assert dict(scopes.LEVEL_RANKS) == {"none": 0, "read": 1, "write": 2}
    assert scopes.REQUIRABLE_LEVELS == ("read", "write")
    import ctfy_auth.principal as principal_module

    assert not hasattr(principal_module, "LEVELS")


def _api_principal(**permissions: str) -> Principal:
    from types import SimpleNamespace

    return Principal(
        user=SimpleNamespace(is_active=True),
        credential_kind=CredentialKind.API_TOKEN,
        permissions=permissions,
        resource_access="none",
    )


def test_resource_scoped_keys_follow_override_settings():
    principal = _api_principal(challenges="read", profile="read")
    assert "challenges" in scopes.resource_scoped_keys()
    assert not principal.allows("challenges", "read")  # scoped, and no resource reached
    assert principal.allows("profile", "read")  # not scoped
    flipped = tuple(
        {**entry, "resource_scoped": not entry.get("resource_scoped")}
        for entry in settings.CTFY_AUTH["SCOPE_CATALOG"]
    )
    with override_settings(CTFY_AUTH={**settings.CTFY_AUTH, "SCOPE_CATALOG": flipped}):
        assert "challenges" not in scopes.resource_scoped_keys()
        assert principal.allows("challenges", "read")
        assert not principal.allows("profile", "read")
    assert "challenges" in scopes.resource_scoped_keys()
    assert not principal.allows("challenges", "read")


def test_resource_scoped_keys_are_computed_once_per_catalog(monkeypatch):
    first = scopes.resource_scoped_keys()
    assert scopes.resource_scoped_keys() is first  # cached: the same object
    app_settings.reload()  # a reload that brings the same catalog object keeps the set
    assert scopes.resource_scoped_keys() == first
    catalog = [{"key": "things", "resource_scoped": True}]
    monkeypatch.setattr(settings, "CTFY_AUTH", {**settings.CTFY_AUTH, "SCOPE_CATALOG": catalog})
    app_settings.reload()  # no setting_changed signal: the new catalog object is still seen
    try:
        assert scopes.resource_scoped_keys() == frozenset({"things"})
    finally:
        monkeypatch.undo()
        app_settings.reload()
    assert scopes.resource_scoped_keys() == first
