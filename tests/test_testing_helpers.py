"""ctfy_auth.testing: the helpers host projects use in their own tests."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import crypto
from ctfy_auth.models import Token
from ctfy_auth.testing import api_client_for, bearer, create_user_with_token

pytestmark = pytest.mark.django_db


def row(plaintext: str) -> Token:
    return Token.objects.get(digest=crypto.digest(plaintext))


def test_no_scopes_gives_a_session_token():
    user, plaintext = create_user_with_token()
    token = row(plaintext)
    assert plaintext.startswith("pt_") and token.kind == "user" and token.user == user
    assert token.reauthenticated_at is not None  # minted like a sign-in: sudo window open
    assert user.email.endswith("@example.com") and not user.has_usable_password()
    response = api_client_for(plaintext).get("/api/v1/me")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["email"] == user.email


def test_each_call_makes_a_new_user():
    (first, _), (second, _) = create_user_with_token(), create_user_with_token()
    assert first.pk != second.pk and first.email != second.email


def test_scopes_give_an_api_token_clamped_like_a_mint():
    before = timezone.now()
    _user, plaintext = create_user_with_token(
        {"challenges": "write", "profile": "read", "bogus": "write", "teams": "admin"}
    )
    token = row(plaintext)
    assert plaintext.startswith("pf_") and token.kind == "fine_grained"
    assert token.permissions["challenges"] == "read"  # lowered to max_level
    assert token.permissions["profile"] == "read"
    assert token.permissions["teams"] == "none"  # unknown level
    assert "bogus" not in token.permissions  # unknown key dropped
    assert set(token.permissions) == {
        "challenges",
        "submissions",
        "authoring",
        "instances",
        "teams",
        "scoreboard",
        "profile",
        "registry",
        "identities",
        "tokens",
    }
    assert (token.resource_access, token.resource_ids) == ("all", [])
    assert before + timedelta(days=30) <= token.expires_at <= timezone.now() + timedelta(days=30)
    assert api_client_for(plaintext).get("/api/v1/demo/profile").status_code == HTTPStatus.OK


def test_an_empty_dict_is_an_api_token_with_every_level_none():
    _user, plaintext = create_user_with_token({})
    token = row(plaintext)
    assert token.kind == "fine_grained" and set(token.permissions.values()) == {"none"}


def test_selected_resources():
    _user, plaintext = create_user_with_token(
        {"challenges": "read"}, resource_access="selected", resource_ids=["b", "a", 3]
    )
    assert (row(plaintext).resource_access, row(plaintext).resource_ids) == (
        "selected",
        ["b", "a", "3"],
    )


@pytest.mark.parametrize(
    ("access", "ids"),
    [("selected", ()), ("all", ("a",)), ("none", ("a",)), ("everything", ())],
)
def test_inconsistent_resource_selection_is_refused(access, ids):
    with pytest.raises(ValueError, match="resource"):
        create_user_with_token({}, resource_access=access, resource_ids=ids)
    assert not Token.objects.exists()


def test_expiry(settings):
    assert row(create_user_with_token({}, expires_in_days=0)[1]).expires_at is None
    soon = row(create_user_with_token({}, expires_in_days=2)[1]).expires_at
    assert timedelta(days=1) < soon - timezone.now() <= timedelta(days=2)
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "API_TOKEN_DEFAULT_LIFETIME_DAYS": 7}
    default = row(create_user_with_token({}, expires_in_days=None)[1]).expires_at
    assert timedelta(days=6) < default - timezone.now() <= timedelta(days=7)


def test_user_fields_are_passed_through():
    user, _plaintext = create_user_with_token(
        email="Ada@Example.com", password="a long passphrase here", display_name="Ada", role="admin"
    )
    assert user.email == "ada@example.com"
    assert user.check_password("a long passphrase here")
    assert (user.display_name, user.role) == ("Ada", "admin")


def test_bearer_gives_request_keyword_arguments():
    _user, plaintext = create_user_with_token()
    assert bearer(plaintext) == {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    assert Client().get("/api/v1/me", **bearer(plaintext)).status_code == HTTPStatus.OK
    assert Client().get("/api/v1/me").status_code == HTTPStatus.UNAUTHORIZED


def test_api_client_for_sends_the_token_on_every_request():
    _user, plaintext = create_user_with_token({"profile": "read"}, resource_access="none")
    client = api_client_for(plaintext)
    assert isinstance(client, APIClient)
    for _ in range(2):
        assert client.get("/api/v1/demo/profile").status_code == HTTPStatus.OK
    assert client.get("/api/v1/demo/unscoped").json()["code"] == "token_scope_required"
