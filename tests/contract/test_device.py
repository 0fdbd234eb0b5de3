"""The device flow through the ctfy SDK: ``device_code`` and ``device_token`` around a decision.

ctfy wire §5. The SDK has no call for the person's side, so approve, deny and info are plain
HTTP with the person's session, as ctfy's web page sends them. Polls of one device code are
spaced by the interval the server announced (less its one second of leeway): a faster poll
answers ``pending`` without looking.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

if TYPE_CHECKING:
    from ctfy.sdk import PlatformClient

    from tests.contract.conftest import Account, LiveServer

pytestmark = pytest.mark.contract

USER_CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")
SESSION_TOKEN = re.compile(r"pt_[A-Za-z0-9_-]{40,}")


def _person(server: LiveServer, account: Account, verb: str, user_code: str) -> httpx.Response:
    """What the approval page sends for ``account``: approve, deny (POST) or info (GET)."""
    headers = {"Authorization": f"Bearer {account.token}"}
    url = f"{server.url}/api/v1/auth/device/{verb}"
    if verb == "info":
        return httpx.get(url, params={"user_code": user_code}, headers=headers)
    return httpx.post(url, json={"user_code": user_code}, headers=headers)


def _next_poll(interval: int) -> None:
    """Wait out the poll spacing the server enforces (``interval`` less one second)."""
    time.sleep(max(interval - 1, 1) + 0.2)


def test_device_code_describes_where_the_person_goes(
    server: LiveServer, sdk: Callable[..., PlatformClient]
) -> None:
    grant = sdk().auth.device_code()

    assert USER_CODE.fullmatch(grant.user_code), grant.user_code
    assert (grant.expires_in, grant.interval) == (600, 5)
    assert grant.verification_uri == f"{server.url}/device"
    complete = urlsplit(grant.verification_uri_complete)
    assert f"{complete.scheme}://{complete.netloc}{complete.path}" == grant.verification_uri
    assert parse_qs(complete.query) == {"user_code": [grant.user_code]}
    assert len(grant.device_code) >= 32 and grant.user_code not in grant.device_code
    assert grant.device_code != sdk().auth.device_code().device_code


def test_an_approved_request_yields_one_session_for_the_approver(
    server: LiveServer, sdk: Callable[..., PlatformClient], account: Account
) -> None:
    cli = sdk()
    grant = cli.auth.device_code()
    assert cli.auth.device_token(grant.device_code).status == "pending"

    info = _person(server, account, "info", grant.user_code.lower().replace("-", " "))
    assert info.status_code == 200, info.text
    shown: dict[str, Any] = info.json()
    assert shown["status"] == "pending"
    assert shown["requester_ip"] == "127.0.0.1"
    assert shown["requester_user_agent"].startswith("python-httpx/")
    assert shown["requested_at"].endswith("Z")
    approved = _person(server, account, "approve", grant.user_code)
    assert (approved.status_code, approved.json()["status"]) == (200, "approved"), approved.text

    _next_poll(grant.interval)
    polled = cli.auth.device_token(grant.device_code)
    assert polled.status == "approved"
    assert SESSION_TOKEN.fullmatch(polled.token), polled.token
    device = sdk(polled.token)
    me = device.me.get()
    assert (me.email, me.token_kind) == (account.email, "user")
    assert polled.token != account.token  # a new session, not the approver's
    assert sum(t.is_current for t in device.auth.list_tokens()) == 1

    _next_poll(grant.interval)
    again = cli.auth.device_token(grant.device_code)
    assert (again.status, again.token) == ("expired", "")
    spent = _person(server, account, "approve", grant.user_code)
    assert (spent.status_code, spent.json()["code"]) == (404, "device_code_invalid"), spent.text


def test_a_denied_request_never_yields_a_token(
    server: LiveServer, sdk: Callable[..., PlatformClient], account: Account
) -> None:
    cli = sdk()
    grant = cli.auth.device_code()

    denied = _person(server, account, "deny", grant.user_code)
    assert (denied.status_code, denied.json()["status"]) == (200, "denied"), denied.text
    polled = cli.auth.device_token(grant.device_code)
    assert (polled.status, polled.token) == ("denied", "")
    late = _person(server, account, "approve", grant.user_code)
    assert (late.status_code, late.json()["code"]) == (404, "device_code_invalid"), late.text


def test_polls_faster_than_the_interval_wait_and_unknown_codes_are_expired(
    sdk: Callable[..., PlatformClient],
) -> None:
    cli = sdk()
    grant = cli.auth.device_code()

    assert [cli.auth.device_token(grant.device_code).status for _ in range(3)] == ["pending"] * 3
    assert cli.auth.device_token("not-a-device-code").model_dump() == {
        "status": "expired",
        "token": "",
    }


def test_another_person_cannot_see_or_approve_a_decided_request(
    server: LiveServer,
    sdk: Callable[..., PlatformClient],
    make_account: Callable[..., Account],
) -> None:
    owner, stranger = make_account(), make_account()
    grant = sdk().auth.device_code()

    assert _person(server, owner, "approve", grant.user_code).status_code == 200
    for verb in ("info", "approve", "deny"):
        response = _person(server, stranger, verb, grant.user_code)
        assert (response.status_code, response.json()["code"]) == (404, "device_code_invalid")
    mine = _person(server, owner, "info", grant.user_code)
    assert (mine.status_code, mine.json()["status"]) == (200, "approved")


def test_an_api_token_cannot_decide_a_device_request(
    server: LiveServer, sdk: Callable[..., PlatformClient], account: Account
) -> None:
    grant = sdk().auth.device_code()
    agent = account.client.auth.mint_token("agent", template="full_access")

    response = httpx.post(
        f"{server.url}/api/v1/auth/device/approve",
        json={"user_code": grant.user_code},
        headers={"Authorization": f"Bearer {agent.token}"},
    )
    assert (response.status_code, response.json()["code"]) == (403, "http_403"), response.text
    assert sdk().auth.device_token(grant.device_code).status == "pending"
