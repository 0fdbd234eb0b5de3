"""Bearer resolution (ctfy wire §1.4): the 401/403 split, the hot path and the middleware."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import crypto
from ctfy_auth.models import Token

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def bearer(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    return client


@pytest.mark.parametrize(
    "header", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Token x"]
)
def test_missing_or_malformed_header_is_401(header, django_assert_num_queries):
    client = APIClient() if header is None else bearer(header)
    with django_assert_num_queries(0):
        response = client.get(ME)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    body = response.json()
    assert (body["code"], body["detail"]) == ("http_401", "Not authenticated")
    assert body["timestamp"].endswith("+00:00")


def test_scheme_is_case_insensitive(user, session_factory):
    assert bearer(f"bEaReR {session_factory(user)}").get(ME).status_code == HTTPStatus.OK


def _mistyped(token: str) -> str:
    """``token`` with its last checksum character changed (never to itself)."""
    return token[:-1] + ("Y" if token.endswith("Z") else "Z")


@pytest.mark.parametrize(
    "value",
    [
        "pt_garbage",
        "pf_" + "A" * 49,
        "xx_" + "A" * 49,
        _mistyped(crypto.generate("user")),  # one mistyped checksum character
        crypto.generate("user").replace("pt_", "pf_"),  # kind swapped: checksum fails
    ],
    ids=["short", "bad-checksum-pf", "unknown-prefix", "mistyped-checksum", "kind-swapped"],
)
def test_forged_or_mistyped_tokens_are_403_without_a_query(value, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = bearer(f"Bearer {value}").get(ME)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["detail"] == "Invalid or revoked token"


def test_well_formed_unknown_token_is_403_after_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        response = bearer(f"Bearer {crypto.generate('user')}").get(ME)
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_expired_token_is_403(user, session_factory):
    plaintext = session_factory(user, expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(f"Bearer {plaintext}").get(ME)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["detail"] == "Token has expired"


def test_expiry_boundary_is_inclusive(user, session_factory, monkeypatch):
    moment = timezone.now() + timedelta(hours=1)
    plaintext = session_factory(user, expires_at=moment)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert bearer(f"Bearer {plaintext}").get(ME).status_code == HTTPStatus.FORBIDDEN
    monkeypatch.setattr(timezone, "now", lambda: moment - timedelta(microseconds=1))
    assert bearer(f"Bearer {plaintext}").get(ME).status_code == HTTPStatus.OK


def test_deactivated_user_is_refused_with_every_credential(user, session_factory):
    tokens = [session_factory(user) for _ in range(2)]
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    for plaintext in tokens:
        response = bearer(f"Bearer {plaintext}").get("/api/v1/auth/tokens")
        assert response.status_code == HTTPStatus.FORBIDDEN


def test_authenticated_hot_path_costs_one_query_and_no_write(
    user, session_factory, django_assert_num_queries
):
    plaintext = session_factory(user, last_used_at=timezone.now())
    client = bearer(f"Bearer {plaintext}")
    # GET /auth/tokens: 1 auth query (token JOIN user) + the page (it ends the list: no COUNT).
    with django_assert_num_queries(2) as ctx:
        assert client.get("/api/v1/auth/tokens").status_code == HTTPStatus.OK
    sql = [q["sql"] for q in ctx.captured_queries]
    assert "JOIN" in sql[0] and "ctfy_auth_user" in sql[0]
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in sql)


def test_last_used_at_is_written_at_most_once_a_minute(
    user, session_factory, django_assert_num_queries
):
    plaintext = session_factory(user)
    client = bearer(f"Bearer {plaintext}")
    with django_assert_num_queries(3):  # select + touch + the view's providers query
        client.get(ME)
    first = Token.objects.get().last_used_at
    assert first is not None
    with django_assert_num_queries(2):  # select + the view's query; no touch
        client.get(ME)
    assert Token.objects.get().last_used_at == first
    Token.objects.update(last_used_at=timezone.now() - timedelta(seconds=61))
    client.get(ME)
    assert Token.objects.get().last_used_at > first


def test_plain_django_view_sees_the_session_bearer_as_request_user(user, session_factory):
    response = bearer(f"Bearer {session_factory(user)}").get("/plain/whoami")
    assert response.json() == {"authenticated": True, "id": user.id}
    assert "Authorization" in response["Vary"]


def test_plain_view_never_gets_a_scoped_token_or_a_bad_one_as_user(user, token_row_factory):
    assert token_row_factory(user).get("/plain/whoami").json()["authenticated"] is False
    assert bearer("Bearer pt_nope").get("/plain/whoami").json()["authenticated"] is False
    assert APIClient().get("/plain/whoami").json()["authenticated"] is False


def test_plaintext_format():
    token = crypto.generate("user")
    assert token.startswith("pt_") and len(token) == 52
    assert crypto.parse_kind(token) == "user"
    assert crypto.parse_kind(crypto.generate("fine_grained")) == "fine_grained"
    assert len({crypto.generate("user") for _ in range(200)}) == 200


def test_token_str_never_shows_secrets(user, session_factory):
    plaintext = session_factory(user)
    token = Token.objects.get()
    for text in (str(token), repr(token)):
        assert plaintext not in text and token.digest not in text
