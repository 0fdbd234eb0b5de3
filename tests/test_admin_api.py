"""The admin API (ctfy wire §7.3, §6.2): users, roles, token trace and revocation."""

from __future__ import annotations

import json
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ctfy_auth import crypto, signals
from ctfy_auth.constants import TokenKind
from ctfy_auth.models import Identity, Token
from ctfy_auth.services import admin as admin_services

pytestmark = pytest.mark.django_db

USERS = "/api/v1/admin/users"
TRACE = "/api/v1/admin/token-trace"
USER_INFO_KEYS = {
    "id",
    "display_name",
    "avatar_url",
    "created_at",
    "email",
    "role",
    "providers",
    "email_verified",
    "email_verified_at",
    "last_active_at",
    "is_active",
}
LINK_KEYS = {
    "id",
    "kind",
    "label",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
    "rotated_from",
    "is_traced",
    "live",
}
NOT_FOUND = {
    "found": False,
    "token_id": "",
    "owner_user_id": "",
    "owner_display_name": "",
    "chain": [],
}


def revoke_url(token_id: str) -> str:
    return f"/api/v1/admin/tokens/{token_id}/revoke"


@pytest.fixture
def super_admin(user_factory):
    return user_factory(email="root@example.com", display_name="Root", role="super_admin")


@pytest.fixture
def super_client(super_admin, client_for):
    return client_for(super_admin)


@pytest.fixture
def admin_user(user_factory):
    return user_factory(email="mod@example.com", display_name="Mod", role="admin")


@pytest.fixture
def admin_client(admin_user, client_for):
    return client_for(admin_user)


def mint_row(user, kind: str = TokenKind.API_TOKEN, **fields) -> tuple[Token, str]:
    """A raw token row and its plaintext."""
    plaintext = crypto.generate(kind)
    token = Token.objects.create(user=user, kind=kind, digest=crypto.digest(plaintext), **fields)
    return token, plaintext


def assert_refused(response, status: HTTPStatus, code: str, detail: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    if detail is not None:
        assert body["detail"] == detail


class CapturedRevocations(list):
    def __call__(self, sender, **kwargs) -> None:
        self.append(kwargs)


@pytest.fixture
def revocations():
    captured = CapturedRevocations()
    signals.token_revoked.connect(captured)
    yield captured
    signals.token_revoked.disconnect(captured)


# --- who may call -----------------------------------------------------------------------

ROUTES = [
    ("get", USERS, None),
    ("get", f"{USERS}/someid", None),
    ("patch", f"{USERS}/someid/role", {"role": "admin"}),
    ("post", TRACE, {"token": "x"}),
    ("post", revoke_url("someid"), {}),
]
SUPER_ONLY = ROUTES[2:]


@pytest.mark.parametrize(("method", "url", "body"), ROUTES)
def test_anonymous_is_401(api_client, method, url, body):
    response = getattr(api_client, method)(url, body, format="json")
    assert_refused(response, HTTPStatus.UNAUTHORIZED, "http_401", "Not authenticated")


@pytest.mark.parametrize(("method", "url", "body"), ROUTES)
def test_fine_grained_token_of_a_super_admin_is_403(
    super_admin, token_row_factory, method, url, body
):
    client = token_row_factory(super_admin, kind="fine_grained")
    response = getattr(client, method)(url, body, format="json")
    assert_refused(
        response,
        HTTPStatus.FORBIDDEN,
        "http_403",
        "This operation requires a user session (logged-in OAuth token)",
    )


@pytest.mark.parametrize(("method", "url", "body"), ROUTES[:2])
def test_plain_user_is_403_admin_required(user_client, method, url, body):
    response = getattr(user_client, method)(url, body, format="json")
    assert_refused(response, HTTPStatus.FORBIDDEN, "http_403", "Admin privileges required")


@pytest.mark.parametrize(("method", "url", "body"), SUPER_ONLY)
def test_plain_user_is_403_on_super_admin_routes(user_client, method, url, body):
    response = getattr(user_client, method)(url, body, format="json")
    assert_refused(response, HTTPStatus.FORBIDDEN, "http_403", "Super-admin privileges required")


@pytest.mark.parametrize(("method", "url", "body"), SUPER_ONLY)
def test_admin_is_403_on_super_admin_routes(admin_client, method, url, body):
    response = getattr(admin_client, method)(url, body, format="json")
    assert_refused(response, HTTPStatus.FORBIDDEN, "http_403", "Super-admin privileges required")


def test_role_check_comes_before_body_validation(admin_client):
    response = admin_client.post(TRACE, {"token": 123}, format="json")
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_admin_may_read_users(admin_client, admin_user):
    assert admin_client.get(USERS).status_code == HTTPStatus.OK
    assert admin_client.get(f"{USERS}/{admin_user.id}").status_code == HTTPStatus.OK


# --- GET /admin/users -------------------------------------------------------------------


def test_user_info_shape(super_client, super_admin, user_factory):
    person = user_factory(email="Alice@Example.com", display_name="Alice", avatar_url="https://a")
    Identity.objects.create(user=person, provider="google", provider_user_id="g1")
    Identity.objects.create(user=person, provider="github", provider_user_id="1")
    Identity.objects.create(user=person, provider="github", provider_user_id="2")
    person.email_verified_at = timezone.now()
    person.last_login = timezone.now()
    person.save()
    row = super_client.get(f"{USERS}/{person.id}").json()
    assert set(row) == USER_INFO_KEYS
    assert row["id"] == person.id
    assert row["email"] == "alice@example.com"
    assert row["display_name"] == "Alice"
    assert row["avatar_url"] == "https://a"
    assert row["role"] == "user"
    assert row["providers"] == ["github", "google"]
    assert row["email_verified"] is True
    assert row["is_active"] is True
    for key in ("created_at", "email_verified_at", "last_active_at"):
        assert row[key].endswith("Z"), key


def test_user_info_for_a_bare_account(super_client, django_user_model):
    bare = django_user_model.objects.create_user(email="", display_name="nobody", is_active=False)
    assert bare.email is None
    row = super_client.get(f"{USERS}/{bare.id}").json()
    assert row["email"] == ""
    assert row["providers"] == []
    assert row["email_verified"] is False
    assert row["email_verified_at"] is None
    assert row["last_active_at"] is None
    assert row["is_active"] is False


def test_unknown_or_malformed_user_is_404(super_client, django_assert_num_queries):
    response = super_client.get(f"{USERS}/nosuchuser123")
    assert_refused(response, HTTPStatus.NOT_FOUND, "user_not_found", "User not found")
    with django_assert_num_queries(1):  # the bearer lookup only: no query for a bad id
        response = super_client.get(f"{USERS}/bad!id")
    assert_refused(response, HTTPStatus.NOT_FOUND, "user_not_found", "User not found")


def test_list_is_a_page_of_user_info(super_client, super_admin, user_factory):
    for _ in range(3):
        user_factory()
    body = super_client.get(USERS).json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (4, 50, 0)
    assert all(set(row) == USER_INFO_KEYS for row in body["items"])
    page = super_client.get(USERS, {"limit": 2, "offset": 3}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (4, 2, 3, 1)
    for params in [{"limit": 0}, {"offset": -1}, {"limit": "many"}]:
        assert_refused(
            super_client.get(USERS, params), HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error"
        )


def test_search_is_case_insensitive_over_name_email_and_id(super_client, user_factory):
    alice = user_factory(email="alice@corp.example", display_name="Alice Liddell")
    bob = user_factory(email="bob@home.example", display_name="Bobby")
    carol = user_factory(email="carol@home.example", display_name="Carol")

    def ids(q):
        return {row["id"] for row in super_client.get(USERS, {"q": q}).json()["items"]}

    assert ids("LIDDELL") == {alice.id}
    assert ids("CORP.EX") == {alice.id}
    assert ids("bobb") == {bob.id}
    assert ids(bob.id) == {bob.id}
    assert ids("home.example") == {bob.id, carol.id}
    assert ids("zzz-nothing") == set()


def test_role_filter_and_unknown_role_is_422(super_client, super_admin, admin_user, user):
    def roles(role):
        return [row["id"] for row in super_client.get(USERS, {"role": role}).json()["items"]]

    assert roles("admin") == [admin_user.id]
    assert roles("super_admin") == [super_admin.id]
    assert roles("user") == [user.id]
    response = super_client.get(USERS, {"role": "root"})
    assert_refused(response, HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error")
    assert response.json()["detail"]["message"].startswith("role: ")


def test_sorting(user_factory, client_for):
    now = timezone.now()
    caller = user_factory(email="zz@example.com", display_name="zz", role="super_admin")
    caller.created_at = now
    caller.save()
    client = client_for(caller)
    a = user_factory(email="a@example.com", display_name="bravo", created_at=now - timedelta(3))
    b = user_factory(email="b@example.com", display_name="Alpha", created_at=now - timedelta(2))
    c = user_factory(email="c@example.com", display_name="charlie", created_at=now - timedelta(1))
    a.last_login, b.last_login = now - timedelta(hours=1), now - timedelta(hours=2)
    a.save()
    b.save()

    def order(**params):
        return [row["id"] for row in client.get(USERS, params).json()["items"]]

    assert order(sort="name", dir="asc") == [b.id, a.id, c.id, caller.id]
    assert order(sort="name") == [caller.id, c.id, a.id, b.id]  # desc by default
    assert order(sort="email", dir="asc") == [a.id, b.id, c.id, caller.id]
    assert order(sort="created", dir="asc") == [a.id, b.id, c.id, caller.id]
    assert order(sort="created", dir="desc") == [caller.id, c.id, b.id, a.id]
    # Never signed in sorts last in both directions; unknown sort means last_active.
    assert order(sort="last_active")[:2] == [a.id, b.id]
    assert order(sort="last_active", dir="asc")[:2] == [b.id, a.id]
    assert order(sort="solves")[:2] == [a.id, b.id]
    assert order()[:2] == [a.id, b.id]
    assert_refused(
        client.get(USERS, {"dir": "sideways"}), HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error"
    )


def test_list_query_count_does_not_grow_with_users(
    super_client, user_factory, django_assert_max_num_queries
):
    def add_users(n):
        for i in range(n):
            person = user_factory()
            Identity.objects.create(user=person, provider="github", provider_user_id=person.id)
            Identity.objects.create(user=person, provider=f"oidc{i}", provider_user_id=person.id)

    super_client.get(USERS)  # the session's first use writes last_used_at; not counted below
    add_users(2)
    with CaptureQueriesContext(connection) as few:
        assert super_client.get(USERS).json()["total"] == 3
    add_users(15)
    # bearer lookup + page + identities prefetch; the page ends the list, so no COUNT
    with django_assert_max_num_queries(3):
        body = super_client.get(USERS).json()
    assert body["total"] == 18
    assert len(few.captured_queries) == 3
    assert all(len(row["providers"]) in (0, 2) for row in body["items"])
    # A full page cannot tell what lies beyond it: one COUNT more, still not growing.
    with django_assert_max_num_queries(4):
        body = super_client.get(USERS, {"limit": 5}).json()
    assert (body["total"], len(body["items"])) == (18, 5)


# --- PATCH /admin/users/{id}/role -------------------------------------------------------


def test_super_admin_promotes_and_demotes(super_client, user):
    response = super_client.patch(f"{USERS}/{user.id}/role", {"role": "admin"}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert set(response.json()) == USER_INFO_KEYS
    assert response.json()["role"] == "admin"
    user.refresh_from_db()
    assert user.role == "admin"
    response = super_client.patch(f"{USERS}/{user.id}/role", {"role": "user"}, format="json")
    assert response.json()["role"] == "user"
    user.refresh_from_db()
    assert user.role == "user"


def test_same_role_is_200_unchanged(super_client, admin_user):
    before = admin_user.updated_at
    response = super_client.patch(f"{USERS}/{admin_user.id}/role", {"role": "admin"}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["role"] == "admin"
    admin_user.refresh_from_db()
    assert admin_user.updated_at == before


def test_role_change_refusals(super_client, super_admin, user_factory):
    other_root = user_factory(role="super_admin")
    response = super_client.patch(f"{USERS}/nosuchuser/role", {"role": "admin"}, format="json")
    assert_refused(response, HTTPStatus.NOT_FOUND, "user_not_found", "User not found")
    response = super_client.patch(f"{USERS}/bad!id/role", {"role": "admin"}, format="json")
    assert_refused(response, HTTPStatus.NOT_FOUND, "user_not_found")
    response = super_client.patch(f"{USERS}/{super_admin.id}/role", {"role": "user"}, format="json")
    assert_refused(response, HTTPStatus.BAD_REQUEST, "http_400", "You cannot change your own role")
    response = super_client.patch(f"{USERS}/{other_root.id}/role", {"role": "user"}, format="json")
    assert_refused(response, HTTPStatus.FORBIDDEN, "http_403")
    other_root.refresh_from_db()
    super_admin.refresh_from_db()
    assert (other_root.role, super_admin.role) == ("super_admin", "super_admin")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"role": "super_admin"},
        {"role": "root"},
        {"role": 1},
        {"role": None},
        {"role": ["user"]},
    ],
)
def test_role_body_is_validated(super_client, user, body):
    response = super_client.patch(f"{USERS}/{user.id}/role", body, format="json")
    assert_refused(response, HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error")
    user.refresh_from_db()
    assert user.role == "user"


def test_role_body_malformed_json_is_422(super_client, user):
    response = super_client.patch(
        f"{USERS}/{user.id}/role", data="{not json", content_type="application/json"
    )
    assert_refused(response, HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error")


# --- POST /admin/token-trace ------------------------------------------------------------


@pytest.fixture
def rotated_chain(user):
    """A → B → C: A and B revoked by rotation, C live. Returns the rows and their secrets."""
    now = timezone.now()
    a, a_secret = mint_row(
        user, label="ci", created_at=now - timedelta(days=3), revoked_at=now - timedelta(days=2)
    )
    b, b_secret = mint_row(
        user,
        label="ci",
        created_at=now - timedelta(days=2),
        revoked_at=now - timedelta(days=1),
        rotated_from=a,
    )
    c, c_secret = mint_row(
        user,
        label="ci",
        created_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=30),
        rotated_from=b,
    )
    return [a, b, c], [a_secret, b_secret, c_secret]


@pytest.mark.parametrize("traced", [0, 1, 2])
def test_trace_lists_the_whole_rotation_chain_oldest_first(
    super_client, user, rotated_chain, traced
):
    rows, secrets = rotated_chain
    response = super_client.post(TRACE, {"token": secrets[traced]}, format="json")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["found"] is True
    assert body["token_id"] == rows[traced].id
    assert body["owner_user_id"] == user.id
    assert body["owner_display_name"] == user.display_name
    chain = body["chain"]
    assert [link["id"] for link in chain] == [t.id for t in rows]
    assert all(set(link) == LINK_KEYS for link in chain)
    assert [link["is_traced"] for link in chain] == [i == traced for i in range(3)]
    assert [link["rotated_from"] for link in chain] == ["", rows[0].id, rows[1].id]
    assert [link["live"] for link in chain] == [False, False, True]
    assert [link["revoked_at"] is not None for link in chain] == [True, True, False]
    assert chain[0]["kind"] == "fine_grained"
    assert chain[0]["label"] == "ci"
    assert chain[2]["expires_at"].endswith("Z")
    text = response.content.decode()
    for row in Token.objects.all():
        assert row.digest not in text
    for secret in secrets:
        assert secret not in text


def test_trace_a_chain_built_by_the_rotate_endpoint(user, client_for, super_client):
    owner = client_for(user)
    created = owner.post("/api/v1/auth/tokens", {"label": "bot"}, format="json").json()
    first = owner.post(f"/api/v1/auth/tokens/{created['id']}/rotate", {}, format="json").json()
    second = owner.post(f"/api/v1/auth/tokens/{first['id']}/rotate", {}, format="json").json()
    body = super_client.post(TRACE, {"token": created["token"]}, format="json").json()
    assert [link["id"] for link in body["chain"]] == [created["id"], first["id"], second["id"]]
    assert [link["is_traced"] for link in body["chain"]] == [True, False, False]


def test_trace_a_session_and_an_expired_token(super_client, user):
    session, session_secret = mint_row(user, kind=TokenKind.SESSION, label="login")
    expired, expired_secret = mint_row(user, expires_at=timezone.now() - timedelta(seconds=1))
    body = super_client.post(TRACE, {"token": session_secret}, format="json").json()
    assert body["found"] is True
    assert [(link["id"], link["kind"], link["live"]) for link in body["chain"]] == [
        (session.id, "user", True)
    ]
    body = super_client.post(TRACE, {"token": expired_secret}, format="json").json()
    assert [(link["id"], link["live"]) for link in body["chain"]] == [(expired.id, False)]


def test_unknown_secret_is_found_false(super_client, django_assert_num_queries):
    super_client.get(USERS)  # spend the session's first-use write
    with django_assert_num_queries(2):  # bearer lookup + one digest lookup
        response = super_client.post(
            TRACE, {"token": crypto.generate(TokenKind.API_TOKEN)}, format="json"
        )
    assert response.status_code == HTTPStatus.OK
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    "secret", ["", "pf_nope", "pt_" + "a" * 49, "not a token at all", " ", "x" * 512]
)
def test_malformed_secret_is_found_false_without_a_query(
    super_client, django_assert_num_queries, secret
):
    super_client.get(USERS)
    with django_assert_num_queries(1):  # the bearer lookup only
        response = super_client.post(TRACE, {"token": secret}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    "body", [{}, {"token": None}, {"token": 123}, {"token": ["pf_x"]}, {"token": "x" * 10_000}]
)
def test_trace_bad_bodies_are_422(super_client, body):
    response = super_client.post(TRACE, body, format="json")
    assert_refused(response, HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error")
    assert "x" * 100 not in response.content.decode()  # the input is never echoed


def test_trace_malformed_json_is_422(super_client):
    response = super_client.post(TRACE, data='{"token": ', content_type="application/json")
    assert_refused(response, HTTPStatus.UNPROCESSABLE_ENTITY, "validation_error")


def test_trace_takes_the_secret_in_the_body_only(super_client, user):
    _row, secret = mint_row(user)
    response = super_client.get(TRACE, {"token": secret})
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert secret not in response.content.decode()


# --- POST /admin/tokens/{id}/revoke -----------------------------------------------------


def test_admin_revoke_is_idempotent_and_takes_effect_at_once(
    super_client,
    super_admin,
    user,
    client_for,
    revocations,
    django_capture_on_commit_callbacks,
):
    victim = client_for(user)
    assert victim.get("/api/v1/me").status_code == HTTPStatus.OK
    token = Token.objects.get(digest=crypto.digest(victim.token))
    with django_capture_on_commit_callbacks(execute=True):
        response = super_client.post(revoke_url(token.id))
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body == {
        "token_id": token.id,
        "owner_user_id": user.id,
        "owner_display_name": user.display_name,
        "kind": "user",
        "label": "login",
        "already_revoked": False,
        "revoked_at": body["revoked_at"],
    }
    assert body["revoked_at"].endswith("Z")
    assert token.digest not in response.content.decode()
    assert len(revocations) == 1
    assert revocations[0]["token_ids"] == [token.id]
    assert revocations[0]["user"].pk == user.pk
    assert revocations[0]["by"].pk == super_admin.pk

    me = victim.get("/api/v1/me")
    assert_refused(me, HTTPStatus.FORBIDDEN, "http_403", "Invalid or revoked token")

    with django_capture_on_commit_callbacks(execute=True):
        again = super_client.post(revoke_url(token.id), {}, format="json")
    assert again.status_code == HTTPStatus.OK
    assert again.json() == {**body, "already_revoked": True}
    assert len(revocations) == 1  # nothing new was revoked
    assert Token.objects.filter(pk=token.id).exists()  # kept, not deleted


def test_admin_revoke_unknown_token_is_404(super_client, django_assert_num_queries):
    response = super_client.post(revoke_url("nosuchtoken"))
    assert_refused(response, HTTPStatus.NOT_FOUND, "token_not_found", "Token not found")
    with django_assert_num_queries(1):  # the bearer lookup only
        response = super_client.post(revoke_url("bad!id"))
    assert_refused(response, HTTPStatus.NOT_FOUND, "token_not_found")


def test_admin_revoke_an_api_token(super_client, user):
    token, _secret = mint_row(user, label="deploy")
    body = super_client.post(revoke_url(token.id)).json()
    assert (body["kind"], body["label"], body["already_revoked"]) == (
        "fine_grained",
        "deploy",
        False,
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- services.admin.revoke_tokens (for the Django admin action) -------------------------


def test_revoke_tokens_revokes_unrevoked_rows_and_signals_per_owner(
    user_factory, super_admin, revocations, django_capture_on_commit_callbacks
):
    alice, bob = user_factory(), user_factory()
    a1, _ = mint_row(alice)
    a2, _ = mint_row(alice, kind=TokenKind.SESSION)
    b1, _ = mint_row(bob)
    old_stamp = timezone.now() - timedelta(days=1)
    done, _ = mint_row(bob, revoked_at=old_stamp)
    untouched, _ = mint_row(bob)
    with django_capture_on_commit_callbacks(execute=True):
        count = admin_services.revoke_tokens(
            [a1.id, a2.id, b1.id, done.id, "missing", "bad!id", a1.id], by=super_admin
        )
    assert count == 3
    assert set(Token.objects.filter(revoked_at__isnull=True).values_list("pk", flat=True)) == {
        untouched.pk
    }
    done.refresh_from_db()
    assert done.revoked_at == old_stamp
    by_owner = {r["user"].pk: sorted(r["token_ids"]) for r in revocations}
    assert by_owner == {alice.pk: sorted([a1.id, a2.id]), bob.pk: [b1.id]}
    assert all(r["by"] == super_admin for r in revocations)
    assert admin_services.revoke_tokens([], by=super_admin) == 0
    assert admin_services.revoke_tokens([a1.id], by=super_admin) == 0


def test_no_digest_anywhere_in_admin_responses(super_client, user, rotated_chain):
    rows, secrets = rotated_chain
    texts = [
        super_client.get(USERS).content,
        super_client.get(f"{USERS}/{user.id}").content,
        super_client.post(TRACE, {"token": secrets[1]}, format="json").content,
        super_client.post(revoke_url(rows[2].id)).content,
    ]
    digests = list(Token.objects.values_list("digest", flat=True))
    for text in texts:
        decoded = json.dumps(json.loads(text))
        assert not any(d in decoded for d in digests)


@pytest.mark.parametrize(
    "path", ["/api/v1/admin/users", "/api/v1/admin/users/abc", "/api/v1/admin/users/abc/role"]
)
def test_an_unmapped_method_is_405_not_500(user_factory, client_for, path):
    client = client_for(user_factory(role="super_admin"))
    response = client.generic("TRACE", path)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json()["code"] == "http_405"
