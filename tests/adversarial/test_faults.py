"""Faults: the database or the throttle cache unreachable.

* Database down (docs/api.md "Errors", docs/install.md "PostgreSQL"): an API request answers
  **503** ``service_unavailable`` in the envelope, without a traceback, and the error is logged
  on ``ctfy_auth.api``. Simulated by pointing the connection at a closed port (PostgreSQL) or
  at a path that cannot be opened (SQLite), then restoring it.
* Throttle cache down (docs/settings.md ``THROTTLE_CACHE``, docs/install.md "Redis for the rate
  limits", docs/device.md "Guessing a user code"): requests are let through without rate limits
  and a warning is logged on ``ctfy_auth.throttling``; sign-in and bearer authentication work;
  the device flow's poll spacing and failed-entry budgets fail open too. Simulated with a Redis
  cache on a closed port as ``THROTTLE_CACHE``; each test first shows, with a working cache, that
  the limit it then sees fail open does bite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

API = "/api/v1"
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


# --- the database -----------------------------------------------------------------------------


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Every new connection of ``default`` fails until the block ends; then it is restored."""
    saved_settings = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        # Closing would destroy the in-memory test database: keep its connection aside.
        kept, connection.connection = connection.connection, None
        connection.settings_dict["NAME"] = "/nonexistent-ctfy-auth-dir/unreachable.sqlite3"
    else:
        connection.close()
        connection.settings_dict["PORT"] = "1"
        kept = None
    try:
        yield
    finally:
        if connection.vendor != "sqlite":
            connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved_settings)
        if kept is not None:
            connection.connection = kept


@pytest.fixture
def account(user_factory: Callable[..., Any]) -> Any:
    return user_factory(email="ada@example.com")


def assert_service_unavailable(response: Any) -> None:
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "timestamp"}
    assert body["code"] == "service_unavailable"
    assert body["detail"] == "The service is temporarily unavailable."
    text = response.content.decode()
    assert "Traceback" not in text and "Error" not in text and "sqlite" not in text.lower()


@pytest.mark.django_db(transaction=True)  # a lost connection cannot keep the test's transaction
def test_an_authenticated_request_answers_a_503_envelope_while_the_database_is_unreachable(
    account: Any, client_for: Callable[..., APIClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(account)
    with database_unreachable(), caplog.at_level(logging.ERROR, logger="ctfy_auth.api"):
        assert_service_unavailable(client.get(f"{API}/me"))
        assert_service_unavailable(client.get(f"{API}/auth/tokens"))
    assert [r.getMessage() for r in caplog.records if r.name == "ctfy_auth.api"] == [
        "Database unavailable in MeView",
        "Database unavailable in TokenViewSet",
    ]
    assert all(r.exc_info for r in caplog.records if r.name == "ctfy_auth.api")
    assert client.get(f"{API}/me").status_code == HTTPStatus.OK  # and back once it is


@pytest.mark.django_db(transaction=True)
def test_sign_in_and_device_requests_answer_a_503_envelope_while_the_database_is_unreachable(
    account: Any,
) -> None:
    anon = APIClient()
    body = {"email": account.email, "password": PASSWORD}
    with database_unreachable():
        assert_service_unavailable(anon.post(f"{API}/auth/login", body, format="json"))
        assert_service_unavailable(anon.post(f"{API}/auth/device/code"))
        # What needs no database still answers.
        assert anon.get(f"{API}/auth/tokens/scopes").status_code == HTTPStatus.OK
    assert anon.post(f"{API}/auth/login", body, format="json").status_code == HTTPStatus.OK


# --- the throttle cache ---------------------------------------------------------------------


@pytest.fixture
def throttle_cache(settings: Any) -> Callable[[bool], None]:
    """``throttle_cache(up)``: tight limits, kept in a working cache or in an unreachable one."""

    def use(up: bool) -> None:
        down = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}
        working = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "up"}
        settings.CACHES = {**settings.CACHES, "throttle": working if up else down}
        settings.CTFY_AUTH = {
            **settings.CTFY_AUTH,
            "THROTTLE_CACHE": "throttle",
            "THROTTLE_RATES": {"login": "1/minute", "device_token": "100/minute"},
            "DEVICE_FAILED_ENTRY_LIMITS": {"account": "1/hour", "global": "1/hour"},
        }

    return use


def warnings_on(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger and r.levelname == "WARNING"]


@pytest.mark.django_db
def test_sign_in_goes_on_without_rate_limits_while_the_throttle_cache_is_unreachable(
    account: Any, throttle_cache: Callable[[bool], None], caplog: pytest.LogCaptureFixture
) -> None:
    anon = APIClient()
    body = {"email": account.email, "password": PASSWORD}
    throttle_cache(True)
    statuses = [anon.post(f"{API}/auth/login", body, format="json").status_code for _ in "ab"]
    assert statuses == [HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]  # the limit bites

    throttle_cache(False)
    caplog.set_level(logging.WARNING, logger="ctfy_auth.throttling")
    tokens = [anon.post(f"{API}/auth/login", body, format="json") for _ in range(3)]
    assert [r.status_code for r in tokens] == [HTTPStatus.OK] * 3
    wrong = anon.post(f"{API}/auth/login", {**body, "password": "not it at all"}, format="json")
    assert wrong.status_code == HTTPStatus.UNAUTHORIZED  # still checking passwords
    assert (
        warnings_on(caplog, "ctfy_auth.throttling")
        == ["ctfy_auth throttle cache unavailable; not rate limiting"] * 4
    )
    # Bearer authentication does not need the cache: the new sessions work, a bad one does not.
    for response in tokens:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
        assert client.get(f"{API}/me").status_code == HTTPStatus.OK
    client.credentials(HTTP_AUTHORIZATION="Bearer pt_" + "0" * 49)
    assert client.get(f"{API}/me").status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db
def test_the_device_failed_entry_budget_fails_open_while_the_throttle_cache_is_unreachable(
    account: Any,
    client_for: Callable[..., APIClient],
    throttle_cache: Callable[[bool], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = client_for(account)
    approve = f"{API}/auth/device/approve"

    def wrong_entries() -> list[int]:
        return [
            person.post(approve, {"user_code": "ZZZZ-ZZZZ"}, format="json").status_code
            for _ in range(3)
        ]

    throttle_cache(True)
    assert wrong_entries() == [404, 429, 429]  # the budget (1 an hour) bites

    throttle_cache(False)
    caplog.set_level(logging.WARNING, logger="ctfy_auth.services.devices")
    assert wrong_entries() == [404, 404, 404]
    assert warnings_on(caplog, "ctfy_auth.services.devices")
    code = APIClient().post(f"{API}/auth/device/code").json()["user_code"]
    approved = person.post(approve, {"user_code": code}, format="json")
    assert approved.status_code == HTTPStatus.OK and approved.json()["status"] == "approved"


@pytest.mark.django_db
def test_device_poll_spacing_fails_open_while_the_throttle_cache_is_unreachable(
    account: Any,
    client_for: Callable[..., APIClient],
    throttle_cache: Callable[[bool], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    person, device = client_for(account), APIClient()

    def poll_approve_poll() -> list[str]:
        code = device.post(f"{API}/auth/device/code").json()
        body = {"device_code": code["device_code"]}
        first = device.post(f"{API}/auth/device/token", body, format="json").json()["status"]
        person.post(f"{API}/auth/device/approve", {"user_code": code["user_code"]}, format="json")
        second = device.post(f"{API}/auth/device/token", body, format="json").json()["status"]
        return [first, second]

    throttle_cache(True)
    assert poll_approve_poll() == ["pending", "pending"]  # the second poll came too soon

    throttle_cache(False)
    caplog.set_level(logging.WARNING, logger="ctfy_auth.throttling")
    assert poll_approve_poll() == ["pending", "approved"]  # not spaced: it looked
    assert "ctfy_auth throttle cache unavailable; not spacing polls" in warnings_on(
        caplog, "ctfy_auth.throttling"
    )
