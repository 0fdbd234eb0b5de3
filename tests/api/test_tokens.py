"""GET /auth/tokens, DELETE /auth/tokens/{id}, DELETE /auth/tokens/others."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from ctfy_auth import signals
from ctfy_auth.models import Token
from ctfy_auth.presets import CTFY_SCOPE_CATALOG

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/tokens"
TOKEN_INFO_KEYS = {
    "id",
    "kind",
    "label",
    "created_at",
    "last_used_at",
    "expires_at",
    "ip_address",
    "user_agent",
    "is_current",
    "competition_access",
    "competition_ids",
    "permissions",
    "rotated_from",
    "template",
}


def test_list_shows_unrevoked_tokens_of_every_kind_oldest_first(
    user, client_for, token_row_factory
):
    first = client_for(user)
    expired = token_row_factory(user, kind="user", expires_at=timezone.now() - timedelta(days=1))
    revoked = token_row_factory(user, kind="user", revoked_at=timezone.now())
    api = token_row_factory(user, kind="fine_grained", label="ci")
    body = first.get(URL).json()
    assert body["total"] == 3
    assert (body["limit"], body["offset"]) == (50, 0)
    kinds = [row["kind"] for row in body["items"]]
    assert kinds == ["user", "user", "fine_grained"]
    assert [row["is_current"] for row in body["items"]] == [True, False, False]
    for row in body["items"]:
        assert set(row) == TOKEN_INFO_KEYS
    ids = {row["id"] for row in body["items"]}
    assert Token.objects.get(digest__isnull=False, revoked_at__isnull=False).id not in ids
    del expired, revoked, api


def test_token_info_shape_for_a_session(user, user_client):
    row = user_client.get(URL).json()["items"][0]
    assert row["kind"] == "user"
    assert row["label"] == "login"
    assert row["competition_access"] == "none"
    assert row["competition_ids"] == []
    assert row["rotated_from"] == ""
    assert row["template"] == ""
    assert list(row["permissions"]) == [c["key"] for c in CTFY_SCOPE_CATALOG]
    assert set(row["permissions"].values()) == {"none"}
    assert row["created_at"].endswith("Z")  # UTC although TIME_ZONE is Europe/Paris
    assert row["expires_at"].endswith("Z")
    assert row["last_used_at"].endswith("Z")


def test_no_secret_or_digest_in_the_listing(user, user_client):
    text = user_client.get(URL).content.decode()
    token = Token.objects.get()
    assert token.digest not in text
    assert user_client.token not in text


def test_list_is_paginated_and_bounds_are_422(user, client_for, session_factory):
    client = client_for(user)
    for _ in range(4):
        session_factory(user)
    page = client.get(URL, {"limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (5, 2, 1, 2)
    # total is right whether the page is full, ends the list, is exactly the rest, or is past it
    for limit, offset, items in [(2, 4, 1), (5, 0, 5), (3, 2, 3), (2, 5, 0), (2, 9, 0), (9, 0, 5)]:
        page = client.get(URL, {"limit": limit, "offset": offset}).json()
        assert (page["total"], len(page["items"])) == (5, items), (limit, offset)
    for params in [{"limit": 0}, {"limit": 10001}, {"offset": -1}, {"limit": "x"}]:
        response = client.get(URL, params)
        assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, params
        assert response.json()["code"] == "validation_error"


def test_other_users_tokens_are_invisible(user, user_client, user_factory, client_for):
    stranger = user_factory()
    client_for(stranger)
    assert user_client.get(URL).json()["total"] == 1


def test_revoke_another_session(user, user_client, client_for, django_capture_on_commit_callbacks):
    other = client_for(user)
    other_id = Token.objects.exclude(pk=_current_id(user_client)).get().id
    revoked = []
    receiver = lambda sender, token_ids, **kw: revoked.extend(token_ids)  # noqa: E731
    signals.token_revoked.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = user_client.delete(f"{URL}/{other_id}")
    finally:
        signals.token_revoked.disconnect(receiver)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}
    assert revoked == [other_id]
    me = other.get("/api/v1/me")
    assert me.status_code == HTTPStatus.FORBIDDEN
    assert me.json() == {**me.json(), "code": "http_403", "detail": "Invalid or revoked token"}
    assert Token.objects.get(pk=other_id).revoked_at is not None  # kept, not deleted


def test_re_revoking_is_200_and_keeps_the_first_timestamp(user, user_client, client_for):
    client_for(user)
    other = Token.objects.exclude(pk=_current_id(user_client)).get()
    user_client.delete(f"{URL}/{other.id}")
    first_stamp = Token.objects.get(pk=other.id).revoked_at
    assert user_client.delete(f"{URL}/{other.id}").status_code == HTTPStatus.OK
    assert Token.objects.get(pk=other.id).revoked_at == first_stamp


def test_revoking_the_current_token_is_409(user_client):
    response = user_client.delete(f"{URL}/{_current_id(user_client)}")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "cannot_revoke_current_token"
    assert user_client.get("/api/v1/me").status_code == HTTPStatus.OK


@pytest.mark.parametrize("token_id", ["nope", "x" * 300, "%00", "others2"])
def test_unknown_token_is_404(user_client, token_id):
    response = user_client.delete(f"{URL}/{token_id}")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "token_not_found"


def test_someone_elses_token_is_404_not_403(user_client, user_factory, client_for):
    stranger = user_factory()
    stranger_client = client_for(stranger)
    response = user_client.delete(f"{URL}/{_current_id(stranger_client)}")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "token_not_found"
    assert stranger_client.get("/api/v1/me").status_code == HTTPStatus.OK


def test_revoke_others_keeps_only_the_caller(
    user, user_client, client_for, token_row_factory, user_factory
):
    others = [client_for(user), client_for(user), token_row_factory(user, kind="fine_grained")]
    token_row_factory(user, kind="user", revoked_at=timezone.now())
    stranger = client_for(user_factory())
    response = user_client.delete(f"{URL}/others")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "revoked": 3}
    for client in others:
        assert client.get("/api/v1/me").status_code == HTTPStatus.FORBIDDEN
    assert stranger.get("/api/v1/me").status_code == HTTPStatus.OK
    listing = user_client.get(URL).json()
    assert [row["is_current"] for row in listing["items"]] == [True]
    assert user_client.delete(f"{URL}/others").json() == {"status": "ok", "revoked": 0}


def test_trailing_slash_is_a_404_envelope_not_a_redirect(user_client):
    response = user_client.get(f"{URL}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "http_404"


def test_wrong_method_is_405_envelope(user_client):
    response = user_client.put(URL, {}, format="json")
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json()["code"] == "http_405"


def _current_id(client) -> str:
    return next(r["id"] for r in client.get(URL).json()["items"] if r["is_current"])


def test_token_info_renders_exactly_the_fields_the_schema_declares(user, user_client):
    from ctfy_auth.api.serializers.tokens import CreatedTokenSerializer, TokenInfoSerializer

    listed = user_client.get(URL).json()["items"]
    assert listed
    assert [list(item) for item in listed] == [list(TokenInfoSerializer().fields)] * len(listed)
    created = CreatedTokenSerializer(Token.objects.get(), context={"plaintext": "x"}).data
    assert list(created) == list(CreatedTokenSerializer().fields)
