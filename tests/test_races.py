"""Races closed in the database, exercised with real threads and connections on PostgreSQL.

The one place for them: first-user bootstrap, one account per email, the last way in, sessions
revoking each other, the API token cap, rotation, device decisions and the device's one token,
and sign-in with a provider. Each starts its calls at the same instant on their own connections
(:func:`run_concurrently`) and checks the invariant in the database; they skip on SQLite.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from rest_framework.test import APIClient

from ctfy_auth import crypto
from ctfy_auth.models import DeviceRequest, Identity, Token
from tests.api import test_oauth as oauth
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only")]


def run_concurrently(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call at the same instant, each on its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_first_registrations_yield_exactly_one_super_admin():
    assert connection.vendor == "postgresql"

    def register(n: int) -> Callable[[], int]:
        def call() -> int:
            body = {"email": f"first{n}@example.com", "password": PASSWORD}
            return APIClient().post("/api/v1/auth/register", body, format="json").status_code

        return call

    statuses = run_concurrently([register(n) for n in range(8)])
    assert statuses == [HTTPStatus.OK] * 8
    roles = list(get_user_model().objects.values_list("role", flat=True))
    assert sorted(roles) == ["super_admin"] + ["user"] * 7


def test_concurrent_registrations_of_one_email_create_one_account():
    def call() -> int:
        body = {"email": "same@example.com", "password": PASSWORD}
        return APIClient().post("/api/v1/auth/register", body, format="json").status_code

    statuses = run_concurrently([call] * 6)
    assert sorted(statuses) == [HTTPStatus.OK] + [HTTPStatus.CONFLICT] * 5
    assert get_user_model().objects.count() == 1


def delete_as(plaintext: str, path: str) -> Callable[[], int]:
    def call() -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        return client.delete(path).status_code

    return call


def post_as(plaintext: str, path: str, body: dict[str, Any]) -> Callable[[], int]:
    def call() -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        return client.post(path, body, format="json").status_code

    return call


def test_concurrent_unlink_and_password_removal_never_leave_zero_ways_in(
    user_factory, session_factory
):
    for _round in range(5):
        user = user_factory()
        identity = Identity.objects.create(user=user, provider="github", provider_user_id=user.id)
        results = run_concurrently(
            [
                delete_as(session_factory(user), "/api/v1/auth/password"),
                delete_as(session_factory(user), f"/api/v1/auth/identities/{identity.id}"),
            ]
        )
        assert sorted(results) == [HTTPStatus.OK, HTTPStatus.CONFLICT], results
        user.refresh_from_db()
        ways_in = int(user.has_usable_password()) + Identity.objects.filter(user=user).count()
        assert ways_in == 1


def test_concurrent_unlinks_of_the_last_two_identities_keep_one(user_factory, session_factory):
    for _round in range(5):
        user = user_factory(password=None)
        identities = [
            Identity.objects.create(user=user, provider=p, provider_user_id=f"{p}-{user.id}")
            for p in ("github", "google")
        ]
        results = run_concurrently(
            [
                delete_as(session_factory(user), f"/api/v1/auth/identities/{i.id}")
                for i in identities
            ]
        )
        assert sorted(results) == [HTTPStatus.OK, HTTPStatus.CONFLICT], results
        assert Identity.objects.filter(user=user).count() == 1


def test_concurrent_revoke_others_from_two_sessions_leaves_at_most_one_live(
    user_factory, session_factory
):
    user = user_factory()
    tokens = [session_factory(user) for _ in range(2)]
    results = run_concurrently([delete_as(t, "/api/v1/auth/tokens/others") for t in tokens])
    # Each may see the other first; at most one session survives, never two.
    assert Token.objects.live().filter(user=user).count() <= 1
    assert set(results) <= {HTTPStatus.OK, HTTPStatus.FORBIDDEN}


def test_25_concurrent_mints_end_with_exactly_20_live_tokens(user_factory, session_factory):
    user = user_factory()
    calls = [
        post_as(session_factory(user), "/api/v1/auth/tokens", {"label": "x"}) for _ in range(25)
    ]
    statuses = run_concurrently(calls)
    assert sorted(statuses) == [HTTPStatus.OK] * 20 + [HTTPStatus.BAD_REQUEST] * 5
    assert Token.objects.live().filter(user=user, kind="fine_grained").count() == 20


def test_two_concurrent_rotations_yield_exactly_one_new_token(user_factory, session_factory):
    for _round in range(3):
        user = user_factory()
        owner = APIClient()
        owner.credentials(HTTP_AUTHORIZATION=f"Bearer {session_factory(user)}")
        token_id = owner.post("/api/v1/auth/tokens", {"label": "x"}, format="json").json()["id"]
        url = f"/api/v1/auth/tokens/{token_id}/rotate"
        statuses = run_concurrently(
            [post_as(session_factory(user), url, {}), post_as(session_factory(user), url, {})]
        )
        assert sorted(statuses) == [HTTPStatus.OK, HTTPStatus.CONFLICT]
        api = Token.objects.filter(user=user, kind="fine_grained")
        assert api.count() == 2
        assert api.live().count() == 1
        assert api.live().get().rotated_from_id == token_id


def test_concurrent_approve_and_deny_yield_exactly_one_outcome(user_factory, session_factory):
    for _round in range(5):
        code = APIClient().post("/api/v1/auth/device/code").json()["user_code"]
        body = {"user_code": code}
        calls = [
            post_as(session_factory(user_factory()), "/api/v1/auth/device/approve", body),
            post_as(session_factory(user_factory()), "/api/v1/auth/device/deny", body),
        ]
        statuses = run_concurrently(calls)
        assert sorted(statuses) == [HTTPStatus.OK, HTTPStatus.NOT_FOUND], statuses
        row = DeviceRequest.objects.get(user_code=code.replace("-", ""))
        winner = 0 if statuses[0] == HTTPStatus.OK else 1
        assert row.status == ("approved", "denied")[winner]


def test_concurrent_approvals_sign_the_device_in_as_the_one_approver_who_won(
    user_factory, session_factory
):
    for _round in range(5):
        body = APIClient().post("/api/v1/auth/device/code").json()
        people = [user_factory() for _ in range(3)]
        statuses = run_concurrently(
            [post_as(session_factory(p), "/api/v1/auth/device/approve", body) for p in people]
        )
        assert sorted(statuses) == [HTTPStatus.OK] + [HTTPStatus.NOT_FOUND] * 2, statuses
        winner = people[statuses.index(HTTPStatus.OK)]
        poll = APIClient().post("/api/v1/auth/device/token", body, format="json").json()
        assert poll["status"] == "approved"
        assert Token.objects.get(digest=crypto.digest(poll["token"])).user == winner


def poll_device(device_code: str) -> str:
    payload = {"device_code": device_code}
    return str(
        APIClient().post("/api/v1/auth/device/token", payload, format="json").json()["status"]
    )


def test_concurrent_polls_after_approval_mint_exactly_one_token(
    user_factory, session_factory, settings
):
    # Every poll must reach the database: the poll-spacing slot (a cache add) would otherwise
    # answer "pending" to all but one. A dummy cache admits every poll.
    settings.CACHES = {
        **settings.CACHES,
        "no-spacing": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_CACHE": "no-spacing"}
    for _round in range(3):
        approver = user_factory()
        body = APIClient().post("/api/v1/auth/device/code").json()
        post_as(session_factory(approver), "/api/v1/auth/device/approve", body)()
        sessions_before = Token.objects.filter(user=approver).count()

        poll = functools.partial(poll_device, body["device_code"])
        statuses = run_concurrently([poll] * 6)
        assert statuses.count("approved") == 1, statuses
        assert set(statuses) == {"approved", "expired"}, statuses
        assert Token.objects.filter(user=approver).count() == sessions_before + 1


# --- sign-in with a provider ------------------------------------------------------------------


def test_one_callback_replayed_concurrently_signs_in_once(providers):
    providers["github"].add_user(7, "octocat")
    client = APIClient()
    location = oauth._approve(providers, "github", oauth._start(client, "github"), "octocat")
    cookie = client.cookies["ctfy_auth_oauth"].value

    def replay() -> int:
        browser = APIClient()
        browser.cookies["ctfy_auth_oauth"] = cookie
        return int(oauth._callback(browser, location).status_code)

    results = run_concurrently([replay for _ in range(4)])
    assert sorted(results) == [302, 400, 400, 400], results
    assert Token.objects.count() == 1 and get_user_model().objects.count() == 1


def test_concurrent_first_sign_ins_of_one_identity_create_one_account(providers):
    providers["oidc"].set_user("sub-race", email="race@example.com", email_verified=True)
    browsers = [APIClient() for _ in range(3)]
    locations = [
        oauth._approve(providers, "oidc", oauth._start(b, "oidc"), "sub-race") for b in browsers
    ]
    calls = [
        (lambda b=b, loc=loc: int(oauth._callback(b, loc).status_code))
        for b, loc in zip(browsers, locations, strict=True)
    ]
    results = run_concurrently(calls)
    assert results == [302, 302, 302], results
    assert get_user_model().objects.count() == 1 and Identity.objects.count() == 1
    assert Token.objects.count() == 3
