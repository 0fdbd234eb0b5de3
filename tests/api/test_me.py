"""GET /me and POST /me/reauthenticate."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from ctfy_auth.models import Identity, Token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REAUTH = "/api/v1/me/reauthenticate"


def test_me_fields(user, user_client):
    Identity.objects.create(user=user, provider="google", provider_user_id="g")
    Identity.objects.create(user=user, provider="github", provider_user_id="7")
    body = user_client.get("/api/v1/me").json()
    assert body["id"] == user.id
    assert body["email"] == user.email
    assert body["display_name"] == user.display_name
    assert body["avatar_url"] == ""
    assert body["role"] == "user"
    assert body["is_admin"] is False
    assert body["providers"] == ["github", "google", "password"]
    assert body["deletion_proof"] == "password"
    assert body["token_kind"] == "user"
    assert body["email_verified"] is False
    assert body["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("role", "is_admin"), [("admin", True), ("super_admin", True), ("user", False)]
)
def test_is_admin_follows_role(user_factory, client_for, role, is_admin):
    body = client_for(user_factory(role=role)).get("/api/v1/me").json()
    assert (body["role"], body["is_admin"]) == (role, is_admin)


def test_me_without_a_password_lists_only_identities_and_needs_no_proof(user, user_client):
    Identity.objects.create(user=user, provider="github", provider_user_id="7")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    body = user_client.get("/api/v1/me").json()
    assert (body["providers"], body["deletion_proof"]) == (["github"], "none")


def test_me_answers_an_api_token_with_profile_read(user, token_row_factory):
    response = token_row_factory(user, permissions={"profile": "read"}).get("/api/v1/me")
    assert response.status_code == HTTPStatus.OK, response.content
    assert (response.json()["email"], response.json()["token_kind"]) == (
        user.email,
        "fine_grained",
    )


def test_me_refuses_an_api_token_without_profile_read(user, token_row_factory):
    response = token_row_factory(user, permissions={"challenges": "read"}).get("/api/v1/me")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "token_missing_scope"
    assert response.json()["detail"]["required"] == "profile:read"


def test_me_refuses_api_tokens_when_the_catalog_has_no_profile(user, token_row_factory, settings):
    settings.CTFY_AUTH = {
        "SCOPE_CATALOG": [{"key": "challenges", "label": "Challenges", "description": "Read"}],
        "TOKEN_TEMPLATES": [],
    }
    response = token_row_factory(user, permissions={"challenges": "read"}).get("/api/v1/me")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "token_scope_required"
    assert response.json()["detail"]["error"] == "token_scope_required"


def test_reauthenticate_stamps_only_the_calling_token(user, client_for):
    old = timezone.now() - timedelta(hours=1)
    caller = client_for(user, reauthenticated_at=old)
    client_for(user, reauthenticated_at=old)
    response = caller.post(REAUTH, {"current_password": PASSWORD}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"window_seconds": 900}
    stamps = sorted(Token.objects.values_list("reauthenticated_at", flat=True))
    assert stamps[0] == old
    assert stamps[1] > old


def test_reauthenticate_window_setting(user_client, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "REAUTH_WINDOW_SECONDS": 120}
    response = user_client.post(REAUTH, {"current_password": PASSWORD}, format="json")
    assert response.json() == {"window_seconds": 120}


def test_reauthenticate_opens_the_window_for_a_gated_change(user, client_for):
    identity = Identity.objects.create(user=user, provider="github", provider_user_id="7")
    client = client_for(user, reauthenticated_at=timezone.now() - timedelta(hours=1))
    assert (
        client.delete(f"/api/v1/auth/identities/{identity.id}").status_code == HTTPStatus.CONFLICT
    )
    client.post(REAUTH, {"current_password": PASSWORD}, format="json")
    assert client.delete(f"/api/v1/auth/identities/{identity.id}").status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("body", "code"),
    [({}, "reauth_proof_required"), ({"current_password": "wrong one!"}, "wrong_current_password")],
)
def test_reauthenticate_refusals_stamp_nothing(user, client_for, body, code):
    old = timezone.now() - timedelta(hours=1)
    client = client_for(user, reauthenticated_at=old)
    response = client.post(REAUTH, body, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == code
    assert Token.objects.get().reauthenticated_at == old


def test_reauthenticate_without_a_password_asks_for_a_new_sign_in(user_factory, client_for):
    user = user_factory(password=None)
    response = client_for(user).post(REAUTH, {"current_password": "anything at all"}, format="json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "reauth_proof_required"


def test_reauthenticate_rate_limit(user_client, settings):
    settings.CTFY_AUTH = {
        **settings.CTFY_AUTH,
        "THROTTLE_RATES": {"account_reauthenticate": "2/hour"},
    }
    codes = [
        user_client.post(REAUTH, {"current_password": "wrong one!"}, format="json").status_code
        for _ in range(3)
    ]
    assert codes == [401, 401, 429]
