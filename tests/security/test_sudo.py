"""Issue #11 items 4, 7 and 9: the sudo window has no side doors.

- a session handed over by the device flow starts with its window closed (4);
- renewing and rotating an API token need the window, as minting does (7);
- REST admin role changes and revocations need the caller's window; Django admin needs a
  recent sign-in of its own session for them, and never accepts a bearer token (9).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import crypto
from ctfy_auth.constants import Role, TokenKind
from ctfy_auth.models import Token
from tests.conftest import PASSWORD
from tests.test_admin import url, user_form

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/auth/tokens"
USERS = "/api/v1/admin/users"
REAUTHENTICATE = "/api/v1/me/reauthenticate"
#: The Django session key ctfy_auth.admin stamps at every sign-in (epoch seconds).
SIGNED_IN_AT = "_ctfy_auth_signed_in_at"


def stale(client_for: Callable[..., APIClient], user: Any) -> APIClient:
    """A session whose re-authentication lies an hour in the past (window: 15 minutes)."""
    return client_for(user, reauthenticated_at=timezone.now() - timedelta(hours=1))


def refused_for_sudo(response: Any) -> None:
    assert response.status_code == HTTPStatus.CONFLICT, response.content
    assert response.json()["code"] == "reauthentication_required"


def mint(client: APIClient, **body: Any) -> Any:
    return client.post(TOKENS, {"label": "x", **body}, format="json")


# --- 4: the device flow hand-over -------------------------------------------------------


def test_a_device_hand_over_starts_with_the_sudo_window_closed(
    user: Any, user_client: APIClient
) -> None:
    grant = APIClient().post("/api/v1/auth/device/code").json()
    approved = user_client.post(
        "/api/v1/auth/device/approve", {"user_code": grant["user_code"]}, format="json"
    )
    assert approved.status_code == HTTPStatus.OK
    caches["default"].clear()  # the poll-spacing slot
    polled = APIClient().post(
        "/api/v1/auth/device/token", {"device_code": grant["device_code"]}, format="json"
    )
    handed = polled.json()["token"]
    assert crypto.parse_kind(handed) == TokenKind.SESSION

    cli = APIClient(HTTP_AUTHORIZATION=f"Bearer {handed}")
    refused_for_sudo(mint(cli))
    assert not Token.objects.filter(kind=TokenKind.API_TOKEN).exists()
    assert Token.objects.get(digest=crypto.digest(handed)).reauthenticated_at is None

    # The password opens it, as for any other session.
    proof = cli.post(REAUTHENTICATE, {"current_password": PASSWORD}, format="json")
    assert proof.status_code == HTTPStatus.OK, proof.content
    assert mint(cli).status_code == HTTPStatus.OK


# --- 7: renew and rotate ----------------------------------------------------------------


def test_renew_needs_the_sudo_window(
    user: Any, user_client: APIClient, client_for: Callable[..., APIClient]
) -> None:
    minted = mint(user_client, expires_in_days=5).json()
    before = Token.objects.get(pk=minted["id"]).expires_at

    response = stale(client_for, user).post(
        f"{TOKENS}/{minted['id']}/renew", {"expires_in_days": 0}, format="json"
    )
    refused_for_sudo(response)
    assert Token.objects.get(pk=minted["id"]).expires_at == before  # not made eternal

    fresh = user_client.post(
        f"{TOKENS}/{minted['id']}/renew", {"expires_in_days": 0}, format="json"
    )
    assert fresh.status_code == HTTPStatus.OK
    assert Token.objects.get(pk=minted["id"]).expires_at is None


def test_rotate_needs_the_sudo_window(
    user: Any, user_client: APIClient, client_for: Callable[..., APIClient]
) -> None:
    minted = mint(user_client).json()

    response = stale(client_for, user).post(f"{TOKENS}/{minted['id']}/rotate", {}, format="json")
    refused_for_sudo(response)
    assert "token" not in response.json()
    assert Token.objects.get(pk=minted["id"]).revoked_at is None  # nothing changed
    assert Token.objects.filter(kind=TokenKind.API_TOKEN).count() == 1

    fresh = user_client.post(f"{TOKENS}/{minted['id']}/rotate", {}, format="json")
    assert fresh.status_code == HTTPStatus.OK
    assert fresh.json()["rotated_from"] == minted["id"]


# --- 9: the REST admin API --------------------------------------------------------------


@pytest.fixture
def super_admin(user_factory: Callable[..., Any]) -> Any:
    return user_factory(email="root@example.com", role=Role.SUPER_ADMIN)


def test_a_role_change_needs_the_sudo_window(
    super_admin: Any, user: Any, client_for: Callable[..., APIClient]
) -> None:
    response = stale(client_for, super_admin).patch(
        f"{USERS}/{user.id}/role", {"role": "admin"}, format="json"
    )
    refused_for_sudo(response)
    user.refresh_from_db()
    assert user.role == Role.USER

    fresh = client_for(super_admin).patch(
        f"{USERS}/{user.id}/role", {"role": "admin"}, format="json"
    )
    assert fresh.status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert user.role == Role.ADMIN


def test_an_admin_revocation_needs_the_sudo_window(
    super_admin: Any,
    user: Any,
    client_for: Callable[..., APIClient],
    session_factory: Callable[..., str],
) -> None:
    victim = Token.objects.get(digest=crypto.digest(session_factory(user)))
    revoke = f"/api/v1/admin/tokens/{victim.id}/revoke"

    refused_for_sudo(stale(client_for, super_admin).post(revoke))
    victim.refresh_from_db()
    assert victim.revoked_at is None

    assert client_for(super_admin).post(revoke).status_code == HTTPStatus.OK
    victim.refresh_from_db()
    assert victim.revoked_at is not None


# --- 9: Django admin is a browser-session surface ---------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/admin/ctfy_auth/token/", "/admin/ctfy_auth/user/"])
def test_a_bearer_session_token_never_opens_django_admin(
    super_admin: Any, session_factory: Callable[..., str], path: str
) -> None:
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {session_factory(super_admin)}"}
    response = Client().get(path, **bearer)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")
    # Not even the login page takes the bearer for a signed-in operator.
    login = Client().get("/admin/login/", **bearer)
    assert login.status_code == HTTPStatus.OK


def test_django_admin_sees_the_session_user_not_the_bearer(
    super_admin: Any, user_factory: Callable[..., Any], session_factory: Callable[..., str]
) -> None:
    staff = user_factory(email="staff@example.com", role=Role.ADMIN)  # may look, not change
    target = user_factory()
    browser = Client()
    browser.force_login(staff)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {session_factory(super_admin)}"}

    response = browser.post(
        url("user", "change", target.pk), user_form(target, role="admin"), **bearer
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    target.refresh_from_db()
    assert target.role == Role.USER
    # The API, a bearer surface, still takes the token.
    assert APIClient().get("/api/v1/me", **bearer).json()["email"] == super_admin.email


def _signed_in(user: Any, *, minutes_ago: int) -> Client:
    browser = Client()
    browser.force_login(user)
    session = browser.session
    session[SIGNED_IN_AT] = int((timezone.now() - timedelta(minutes=minutes_ago)).timestamp())
    session.save()
    return browser


def test_a_django_admin_role_change_needs_a_recent_sign_in(
    super_admin: Any, user_factory: Callable[..., Any]
) -> None:
    target = user_factory()
    change = url("user", "change", target.pk)

    response = _signed_in(super_admin, minutes_ago=60).post(change, user_form(target, role="admin"))
    assert response.status_code == HTTPStatus.OK  # the form again, with an error
    errors = response.context["adminform"].form.errors
    assert "sign in again" in str(errors["role"]).lower()
    target.refresh_from_db()
    assert target.role == Role.USER

    response = _signed_in(super_admin, minutes_ago=1).post(change, user_form(target, role="admin"))
    assert response.status_code == HTTPStatus.FOUND
    target.refresh_from_db()
    assert target.role == Role.ADMIN


def test_adding_an_admin_in_django_admin_needs_a_recent_sign_in(super_admin: Any) -> None:
    form = {
        "email": "new@example.com",
        "display_name": "New",
        "role": "admin",
        "usable_password": "false",
    }
    response = _signed_in(super_admin, minutes_ago=60).post(url("user", "add"), form)
    assert response.status_code == HTTPStatus.OK
    assert not type(super_admin).objects.filter(email="new@example.com").exists()
    response = _signed_in(super_admin, minutes_ago=1).post(url("user", "add"), form)
    assert response.status_code == HTTPStatus.FOUND
    assert type(super_admin).objects.get(email="new@example.com").role == Role.ADMIN


def test_a_django_admin_revocation_needs_a_recent_sign_in(
    super_admin: Any, user: Any, session_factory: Callable[..., str]
) -> None:
    victim = Token.objects.get(digest=crypto.digest(session_factory(user)))
    action = {"action": "revoke_selected", "_selected_action": [victim.pk]}

    response = _signed_in(super_admin, minutes_ago=60).post(url("token"), action, follow=True)
    assert "sign in again" in response.text.lower()
    victim.refresh_from_db()
    assert victim.revoked_at is None

    response = _signed_in(super_admin, minutes_ago=1).post(url("token"), action, follow=True)
    assert "Revoked 1 token." in response.text
    victim.refresh_from_db()
    assert victim.revoked_at is not None


def test_every_sign_in_of_a_django_session_is_stamped(super_admin: Any) -> None:
    browser = Client()
    assert browser.login(email=super_admin.email, password=PASSWORD)
    stamp = browser.session[SIGNED_IN_AT]
    assert abs(timezone.now().timestamp() - stamp) < 60


def test_an_operator_setting_a_password_is_a_reset_that_needs_a_recent_sign_in(
    super_admin: Any, user: Any, session_factory: Callable[..., str]
) -> None:
    """Item 8's "a reset revokes everything", at the one reset door that exists: Django admin."""
    from django.contrib.admin.utils import quote
    from django.urls import reverse

    session = Token.objects.get(digest=crypto.digest(session_factory(user)))
    api_token = Token.objects.create(
        user=user,
        kind=TokenKind.API_TOKEN,
        digest=crypto.digest(crypto.generate(TokenKind.API_TOKEN)),
    )
    page = reverse("admin:auth_user_password_change", args=[quote(user.pk)])
    form = {
        "usable_password": "true",
        "password1": "A new passphrase 42!",
        "password2": "A new passphrase 42!",
    }

    stale = _signed_in(super_admin, minutes_ago=60).post(page, form, follow=True)
    assert "sign in again" in stale.content.decode().lower()
    user.refresh_from_db()
    assert not user.check_password("A new passphrase 42!")
    assert Token.objects.filter(revoked_at__isnull=True).count() == 2

    fresh = _signed_in(super_admin, minutes_ago=1).post(page, form)
    assert fresh.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.check_password("A new passphrase 42!")
    for token in (session, api_token):
        token.refresh_from_db()
        assert token.revoked_at is not None
