"""Faults: the database or the throttle cache unreachable.

* Database down (docs/api.md "Errors", docs/install.md "PostgreSQL"): an API request answers
  **503** ``service_unavailable`` in the envelope, without a traceback, and the error is logged
  on ``ctfy_auth.api``. Simulated by pointing the connection at a closed port (PostgreSQL) or
  at a path that cannot be opened (SQLite), then restoring it.
* Throttle cache down (docs/settings.md ``THROTTLE_CACHE``, docs/install.md "Redis for the rate
  limits", docs/device.md "Guessing a user code"): the limits that guard a password or a device
  user code fail closed, with 503 ``rate_limit_unavailable`` and ``Retry-After``, checking
  nothing; the other limits (registration, device requests, poll spacing) let requests through
  and log a warning on ``ctfy_auth.throttling``; bearer authentication works. Simulated with a
  Redis cache on a closed port as ``THROTTLE_CACHE``; each test first shows, with a working
  cache, that the limit it then sees does bite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth.models import DeviceRequest
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


def assert_limit_unavailable(response: Any) -> None:
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE, response.content
    body = response.json()
    assert body["code"] == "rate_limit_unavailable"
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_password_sign_in_fails_closed_while_the_throttle_cache_is_unreachable(
    account: Any,
    client_for: Callable[..., APIClient],
    throttle_cache: Callable[[bool], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    anon = APIClient()
    body = {"email": account.email, "password": PASSWORD}
    throttle_cache(True)
    statuses = [anon.post(f"{API}/auth/login", body, format="json").status_code for _ in "ab"]
    assert statuses == [HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]  # the limit bites
    session = client_for(account)

    throttle_cache(False)
    caplog.set_level(logging.WARNING, logger="ctfy_auth.throttling")
    for password in (PASSWORD, "not it at all"):
        assert_limit_unavailable(
            anon.post(f"{API}/auth/login", {**body, "password": password}, format="json")
        )
    assert (
        warnings_on(caplog, "ctfy_auth.throttling")
        == ["ctfy_auth throttle cache unavailable; refusing the 'login' bucket"] * 2
    )
    # A bucket that guards no secret still lets requests through.
    new = {"email": "new@example.com", "password": PASSWORD, "display_name": "New"}
    assert anon.post(f"{API}/auth/register", new, format="json").status_code == HTTPStatus.OK
    # Bearer authentication does not need the cache: a session works, a bad one does not.
    assert session.get(f"{API}/me").status_code == HTTPStatus.OK
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer pt_" + "0" * 49)
    assert bad.get(f"{API}/me").status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db
def test_the_device_failed_entry_budget_fails_closed_while_the_throttle_cache_is_unreachable(
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
    caplog.set_level(logging.WARNING, logger="ctfy_auth.throttling")
    assert wrong_entries() == [503, 503, 503]
    code = APIClient().post(f"{API}/auth/device/code").json()["user_code"]  # devices go on
    assert_limit_unavailable(person.post(approve, {"user_code": code}, format="json"))
    assert_limit_unavailable(person.get(f"{API}/auth/device/info", {"user_code": code}))
    assert DeviceRequest.objects.get(user_code=code.replace("-", "")).status == "pending"
    assert warnings_on(caplog, "ctfy_auth.throttling")


@pytest.mark.django_db
def test_device_poll_spacing_fails_open_while_the_throttle_cache_is_unreachable(
    account: Any,
    throttle_cache: Callable[[bool], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    device = APIClient()

    def poll_approve_poll() -> list[str]:
        code = device.post(f"{API}/auth/device/code").json()
        body = {"device_code": code["device_code"]}
        first = device.post(f"{API}/auth/device/token", body, format="json").json()["status"]
        # Approved in the database: the approve route itself fails closed without the cache.
        DeviceRequest.objects.filter(user_code=code["user_code"].replace("-", "")).update(
            status="approved", user=account, decided_at=timezone.now()
        )
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
