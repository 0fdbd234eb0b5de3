"""ctfy_auth.credentials.resolver: what other modules may read of a request's resolution."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from ctfy_auth import crypto
from ctfy_auth.credentials import resolve_request, resolved_principal
from ctfy_auth.credentials import resolver as resolver_module
from ctfy_auth.exceptions import InvalidToken, NotAuthenticated

pytestmark = pytest.mark.django_db


def request_with(header: str | None) -> Any:
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    return RequestFactory().get("/", **extra)


def test_resolved_principal_never_resolves(user: Any, session_factory: Callable[..., str]) -> None:
    request = request_with(f"Bearer {session_factory(user)}")
    with CaptureQueriesContext(connection) as queries:
        assert resolved_principal(request) is None  # nobody asked for the credential yet
    assert len(queries) == 0
    principal = resolve_request(request)
    assert principal is not None and principal.user == user
    with CaptureQueriesContext(connection) as queries:
        assert resolved_principal(request) is principal
    assert len(queries) == 0


@pytest.mark.parametrize("header", [None, "Basic dXNlcg=="])
def test_resolved_principal_is_none_without_a_bearer_credential(header: str | None) -> None:
    request = request_with(header)
    assert resolve_request(request) is None
    assert resolved_principal(request) is None


@pytest.mark.parametrize("header", ["Bearer", "Bearer two words"])
def test_resolved_principal_never_raises_for_a_malformed_header(header: str) -> None:
    request = request_with(header)
    with pytest.raises(NotAuthenticated):
        resolve_request(request)
    assert resolved_principal(request) is None


def test_resolved_principal_is_none_for_a_refused_credential() -> None:
    request = request_with(f"Bearer {crypto.generate('user')}")  # well-formed, never issued
    with pytest.raises(InvalidToken):
        resolve_request(request)
    assert resolved_principal(request) is None
    with pytest.raises(InvalidToken):  # the same refusal again, without a second lookup
        resolve_request(request)


def test_the_disabled_credential_cache_is_never_called(
    settings: Any,
    user: Any,
    session_factory: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unexpected(digest: str) -> Any:
        raise AssertionError("the credential cache ran while CREDENTIAL_CACHE is None")

    monkeypatch.setattr(resolver_module, "cached_lookup", unexpected)
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "CREDENTIAL_CACHE": None}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {session_factory(user)}")
    assert client.get("/api/v1/me").status_code == HTTPStatus.OK
