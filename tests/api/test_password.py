"""POST /auth/password and DELETE /auth/password."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from ctfy_auth.models import Identity, Token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/password"
NEW = "another long passphrase"


def stale_sudo():
    return {"reauthenticated_at": timezone.now() - timedelta(hours=1)}


def set_password(client, new=NEW, current=PASSWORD):
    return client.post(URL, {"new_password": new, "current_password": current}, format="json")


def test_change_password_with_the_current_one(user, user_client):
    response = set_password(user_client)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not user.check_password(PASSWORD)


def test_change_needs_no_sudo_window_because_the_current_password_is_the_proof(user, client_for):
    client = client_for(user, **stale_sudo())
    assert set_password(client).status_code == HTTPStatus.OK


@pytest.mark.parametrize("current", ["", "wrong password!"])
def test_wrong_or_missing_current_password_is_401(user, user_client, current):
    response = set_password(user_client, current=current)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "wrong_current_password"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_weak_new_password_is_422_before_the_current_check(user, user_client):
    response = set_password(user_client, new="password1234", current="wrong")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["code"] == "weak_password"


def test_setting_can_keep_other_sessions_on_change(user, user_client, client_for, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "REVOKE_SESSIONS_ON_PASSWORD_CHANGE": False}
    other = client_for(user)
    set_password(user_client)
    assert other.get("/api/v1/me").status_code == HTTPStatus.OK


def test_a_change_revokes_other_sessions_by_default(user, user_client, client_for):
    other = client_for(user)
    set_password(user_client)
    assert other.get("/api/v1/me").status_code == HTTPStatus.FORBIDDEN
    assert user_client.get("/api/v1/me").status_code == HTTPStatus.OK


def test_first_password_on_a_passwordless_account(user_factory, client_for):
    user = user_factory(password=None)
    response = set_password(client_for(user), current="ignored")
    assert response.status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_first_password_needs_the_sudo_window(user_factory, client_for):
    user = user_factory(password=None)
    response = set_password(client_for(user, **stale_sudo()), current="")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "reauthentication_required"
    assert response.json()["detail"]["window_seconds"] == 900
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_first_password_needs_an_email(user_factory, client_for):
    user = user_factory(password=None)
    type(user).objects.filter(pk=user.pk).update(email=None)
    response = set_password(client_for(user), current="")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "account_email_missing"


def test_delete_password_that_is_the_last_way_in_is_409(user, user_client):
    response = user_client.delete(URL)
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "last_sign_in_method"
    user.refresh_from_db()
    assert user.has_usable_password()


def test_delete_password_with_a_sign_in_identity(user, user_client):
    Identity.objects.create(user=user, provider="github", provider_user_id="42")
    response = user_client.delete(URL)
    assert response.status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert not user.has_usable_password()
    # The password row is gone from the identities list.
    providers = [r["provider"] for r in user_client.get("/api/v1/auth/identities").json()["items"]]
    assert providers == ["github"]


def test_a_link_only_identity_is_not_a_way_in(user, user_client, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "PROVIDERS": {"carsi": {"link_only": True}}}
    Identity.objects.create(user=user, provider="carsi", provider_user_id="7")
    assert user_client.delete(URL).json()["code"] == "last_sign_in_method"


def test_delete_password_account_facts_come_before_the_sudo_check(user, client_for):
    client = client_for(user, **stale_sudo())
    assert client.delete(URL).json()["code"] == "last_sign_in_method"
    Identity.objects.create(user=user, provider="github", provider_user_id="42")
    response = client.delete(URL)
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "reauthentication_required"


def test_delete_password_when_none_is_404(user_factory, client_for):
    user = user_factory(password=None)
    Identity.objects.create(user=user, provider="github", provider_user_id="42")
    response = client_for(user).delete(URL)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "password_not_set"


@pytest.mark.parametrize(
    "body",
    [{}, {"new_password": "short"}, {"new_password": 123456789012345}, {"new_password": None}, []],
)
def test_set_password_bad_input(user, user_client, body):
    response = user_client.post(URL, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["code"] == "validation_error"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_routes_refuse_anonymous(api_client):
    assert api_client.post(URL, {}, format="json").status_code == HTTPStatus.UNAUTHORIZED
    assert api_client.delete(URL).status_code == HTTPStatus.UNAUTHORIZED


def test_password_routes_refuse_fine_grained_tokens(user, token_row_factory):
    client = token_row_factory(user, kind="fine_grained")
    response = client.post(URL, {"new_password": NEW, "current_password": PASSWORD}, format="json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["detail"] == (
        "This operation requires a user session (logged-in OAuth token)"
    )
    assert Token.objects.filter(kind="fine_grained").count() == 1
