"""CREDENTIAL_CACHE: fewer queries, and every change still seen by the very next request.

In one process the cache is Django's local memory (the behaviour does not depend on the
backend); across processes, two example-project servers share Redis and a database.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import crypto
from ctfy_auth.credentials import cache as credential_cache
from ctfy_auth.models import Token
from tests.live_example import running_examples

API = "/api/v1"
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def cached(settings: Any) -> Any:
    settings.CACHES = {
        **settings.CACHES,
        "creds": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "creds"},
    }
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "CREDENTIAL_CACHE": "creds"}
    cache = caches["creds"]
    cache.clear()
    yield cache
    cache.clear()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def mint(session: APIClient, **body: Any) -> tuple[str, str]:
    body.setdefault("label", "ci")
    body.setdefault("permissions", {"profile": "read"})
    response = session.post(f"{API}/auth/tokens", body, format="json")
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()["id"], response.json()["token"]


def auth_selects(queries: CaptureQueriesContext) -> int:
    return sum('FROM "ctfy_auth_token" INNER JOIN' in q["sql"] for q in queries.captured_queries)


pytestmark = pytest.mark.django_db


def test_a_second_request_authenticates_from_the_cache_without_a_query(
    cached: Any, user: Any, session_factory: Callable[..., str]
) -> None:
    client = bearer(session_factory(user))
    with CaptureQueriesContext(connection) as first:
        assert client.get(f"{API}/auth/tokens").status_code == HTTPStatus.OK
    with CaptureQueriesContext(connection) as second:
        assert client.get(f"{API}/auth/tokens").status_code == HTTPStatus.OK
    assert auth_selects(first) == 1
    assert auth_selects(second) == 0
    assert not any(q["sql"].startswith("UPDATE") for q in second.captured_queries)


def test_last_used_at_is_still_written_once_a_minute(
    cached: Any, user: Any, session_factory: Callable[..., str]
) -> None:
    client = bearer(session_factory(user))
    with CaptureQueriesContext(connection) as queries:
        for _ in range(50):
            client.get(f"{API}/auth/tokens")
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    # The entry ends when the next stamp is due: then the database is read and written again.
    Token.objects.update(last_used_at=timezone.now() - timedelta(seconds=61))
    cached.clear()
    with CaptureQueriesContext(connection) as later:
        client.get(f"{API}/auth/tokens")
    assert sum(q["sql"].startswith("UPDATE") for q in later.captured_queries) == 1


@pytest.mark.parametrize("how", ["api", "save", "queryset"])
def test_a_revoked_token_is_refused_on_the_next_request(
    cached: Any, user: Any, client_for: Callable[..., APIClient], how: str
) -> None:
    session = client_for(user)
    token_id, plaintext = mint(session)
    api = bearer(plaintext)
    assert api.get(f"{API}/me").status_code == HTTPStatus.OK  # now cached
    if how == "api":
        assert session.delete(f"{API}/auth/tokens/{token_id}").status_code == HTTPStatus.OK
    elif how == "save":
        row = Token.objects.get(pk=token_id)
        row.revoked_at = timezone.now()
        row.save()
    else:
        Token.objects.filter(pk=token_id).update(revoked_at=timezone.now())
    response = api.get(f"{API}/me")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["detail"] == "Invalid or revoked token"


def test_a_narrowed_token_loses_the_scope_on_the_next_request(
    cached: Any, user: Any, client_for: Callable[..., APIClient]
) -> None:
    session = client_for(user)
    token_id, plaintext = mint(session)
    api = bearer(plaintext)
    assert api.get(f"{API}/me").status_code == HTTPStatus.OK
    patched = session.patch(
        f"{API}/auth/tokens/{token_id}", {"permissions": {"profile": "none"}}, format="json"
    )
    assert patched.status_code == HTTPStatus.OK, patched.content
    assert api.get(f"{API}/me").status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize("how", ["save", "queryset", "delete"])
def test_a_disabled_or_deleted_account_is_refused_on_the_next_request(
    cached: Any, user: Any, session_factory: Callable[..., str], how: str
) -> None:
    client = bearer(session_factory(user))
    assert client.get(f"{API}/auth/tokens").status_code == HTTPStatus.OK
    if how == "save":
        user.is_active = False
        user.save()
    elif how == "queryset":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    else:
        user.delete()
    assert client.get(f"{API}/auth/tokens").status_code == HTTPStatus.FORBIDDEN


def test_a_re_authentication_opens_the_sudo_window_at_once(
    cached: Any, user: Any, client_for: Callable[..., APIClient]
) -> None:
    from tests.conftest import PASSWORD

    session = client_for(user, reauthenticated_at=timezone.now() - timedelta(hours=1))
    refused = session.post(f"{API}/auth/tokens", {"label": "x"}, format="json")
    assert refused.json()["code"] == "reauthentication_required"  # and the session is cached
    reauth = session.post(f"{API}/me/reauthenticate", {"current_password": PASSWORD}, format="json")
    assert reauth.status_code == HTTPStatus.OK, reauth.content
    assert session.post(f"{API}/auth/tokens", {"label": "x"}, format="json").status_code == 200


def test_an_entry_read_before_a_revocation_cannot_be_stored_after_it(
    cached: Any, user: Any, session_factory: Callable[..., str]
) -> None:
    plaintext = session_factory(user, last_used_at=timezone.now())
    digest = crypto.digest(plaintext)
    token, store = credential_cache.lookup(digest)  # a request reads the live row ...
    assert token is not None and store is not None
    Token.objects.filter(digest=digest).update(revoked_at=timezone.now())  # ... it is revoked ...
    store(token, timezone.now())  # ... and the slow request tries to cache what it read
    response = bearer(plaintext).get(f"{API}/auth/tokens")
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_the_cache_holds_no_plaintext_digest_or_password_hash(
    cached: Any, user: Any, session_factory: Callable[..., str]
) -> None:
    plaintext = session_factory(user)
    client = bearer(plaintext)
    client.get(f"{API}/auth/tokens")
    client.get(f"{API}/auth/tokens")
    store = cached._cache  # LocMemCache: key -> pickled value
    assert store, "nothing was cached"
    blob = b"".join(k.encode() + v for k, v in store.items())
    user.refresh_from_db()
    for secret in (plaintext, crypto.digest(plaintext), user.password):
        assert secret.encode() not in blob
    entry = pickle.loads(next(iter(store.values())))
    assert "password" not in entry[2]


def test_the_password_is_read_from_the_database_when_a_cached_user_needs_it(
    cached: Any, user: Any, client_for: Callable[..., APIClient]
) -> None:
    from tests.conftest import PASSWORD

    session = client_for(user)
    session.get(f"{API}/me")  # cached
    response = session.post(
        f"{API}/me/reauthenticate", {"current_password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    wrong = session.post(
        f"{API}/me/reauthenticate", {"current_password": "not-it-at-all"}, format="json"
    )
    assert wrong.status_code == HTTPStatus.UNAUTHORIZED


def test_an_unreachable_cache_falls_back_to_the_database(
    settings: Any,
    user: Any,
    client_for: Callable[..., APIClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "creds": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED},
    }
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "CREDENTIAL_CACHE": "creds"}
    session = client_for(user)
    with caplog.at_level(logging.WARNING, logger="ctfy_auth.credential_cache"):
        assert session.get(f"{API}/auth/tokens").status_code == HTTPStatus.OK
        token_id, plaintext = mint(session)
        assert bearer(plaintext).get(f"{API}/me").status_code == HTTPStatus.OK
        # A revocation that cannot be announced to the other processes is refused, unmade.
        refused = session.delete(f"{API}/auth/tokens/{token_id}")
        assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert refused.json()["code"] == "service_unavailable"
        assert Token.objects.get(pk=token_id).revoked_at is None
        assert bearer(plaintext).get(f"{API}/me").status_code == HTTPStatus.OK
    messages = [r.getMessage() for r in caplog.records if r.name == "ctfy_auth.credential_cache"]
    assert any("reading the database" in m for m in messages)
    assert any("could not be invalidated" in m for m in messages)


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis; run with REDIS_URL")
    return url.rsplit("/", 1)[0] + "/4"  # not the test run's cache, which tests clear


def test_djangos_redis_cache_serves_hits_and_sees_revocations(
    settings: Any, user: Any, client_for: Callable[..., APIClient]
) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "creds": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url(),
        },
    }
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "CREDENTIAL_CACHE": "creds"}
    session = client_for(user)
    token_id, plaintext = mint(session)
    api = bearer(plaintext)
    assert api.get(f"{API}/me").status_code == HTTPStatus.OK
    with CaptureQueriesContext(connection) as hit:
        assert api.get(f"{API}/me").status_code == HTTPStatus.OK
    assert auth_selects(hit) == 0  # served by the one-client reader of Django's RedisCache
    assert session.delete(f"{API}/auth/tokens/{token_id}").status_code == HTTPStatus.OK
    assert api.get(f"{API}/me").status_code == HTTPStatus.FORBIDDEN


# --- two server processes, one Redis ------------------------------------------------------


def _call(method: str, url: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.mark.django_db(transaction=False)
def test_a_revocation_in_one_process_is_seen_by_the_next_request_in_another(
    tmp_path: Path,
) -> None:
    # On SQLite the example project leaves the cache off (ctfy_auth.W003): turned on by hand.
    servers = running_examples(tmp_path, 2, REDIS_URL=_redis_url(), CTFY_CREDENTIAL_CACHE="1")
    with servers as (one, two):
        status, body = _call(
            "POST",
            f"{one.url}{API}/auth/register",
            body={"email": "ada@example.com", "password": "correct-horse-battery"},
        )
        assert status == HTTPStatus.OK, body
        session = body["token"]
        status, minted = _call(
            "POST",
            f"{one.url}{API}/auth/tokens",
            session,
            {"label": "ci", "permissions": {"profile": "read"}},
        )
        assert status == HTTPStatus.OK, minted
        api = minted["token"]
        cached = redis.Redis.from_url(_redis_url())
        before = set(cached.scan_iter("*ctfy_auth:cred:*"))
        for server in (one, two, one, two):  # both processes now serve it from Redis
            assert _call("GET", f"{server.url}{API}/me", api)[0] == HTTPStatus.OK
        assert len(set(cached.scan_iter("*ctfy_auth:cred:*")) - before) == 1  # the cache is on

        status, _ = _call(
            "PATCH",
            f"{one.url}{API}/auth/tokens/{minted['id']}",
            session,
            {"permissions": {"profile": "none"}},
        )
        assert status == HTTPStatus.OK
        assert _call("GET", f"{two.url}{API}/me", api)[0] == HTTPStatus.FORBIDDEN

        assert _call("DELETE", f"{two.url}{API}/auth/tokens/{minted['id']}", session)[0] == 200
        assert _call("GET", f"{one.url}{API}/me", api)[0] == HTTPStatus.FORBIDDEN

        for server in (one, two):
            status, listed = _call("GET", f"{server.url}{API}/auth/tokens", session)
            assert status == HTTPStatus.OK
        (first,) = [t["id"] for t in listed["items"] if t["is_current"]]
        status, second = _call(
            "POST",
            f"{two.url}{API}/auth/login",
            body={"email": "ada@example.com", "password": "correct-horse-battery"},
        )
        assert status == HTTPStatus.OK, second
        revoke = _call("DELETE", f"{one.url}{API}/auth/tokens/{first}", second["token"])
        assert revoke[0] == HTTPStatus.OK, revoke
        for server in (two, one):
            status, refused = _call("GET", f"{server.url}{API}/auth/tokens", session)
            assert (status, refused["detail"]) == (HTTPStatus.FORBIDDEN, "Invalid or revoked token")


def test_a_tombstone_lost_at_commit_is_covered_by_the_one_written_before_the_change(
    cached: Any,
    user: Any,
    session_factory: Callable[..., str],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    plaintext = session_factory(user, last_used_at=timezone.now())
    digest = crypto.digest(plaintext)
    token, store = credential_cache.lookup(digest)  # a slow request reads the live row
    assert token is not None and store is not None
    with django_capture_on_commit_callbacks() as at_commit:
        Token.objects.filter(digest=digest).update(revoked_at=timezone.now())
    assert at_commit

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("Connection refused.")

    monkeypatch.setattr(cached, "set_many", unreachable)  # Redis goes away before the commit
    with caplog.at_level(logging.WARNING, logger="ctfy_auth.credential_cache"):
        for callback in at_commit:
            callback()  # logged, never raised: the change is made
    monkeypatch.undo()
    assert any("still cover" in r.getMessage() for r in caplog.records)
    store(token, timezone.now())  # the slow request cannot store what it read ...
    response = bearer(plaintext).get(f"{API}/auth/tokens")
    assert response.status_code == HTTPStatus.FORBIDDEN  # ... the first tombstone holds
