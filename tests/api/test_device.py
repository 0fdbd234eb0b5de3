"""The device authorization flow over REST (ctfy wire §5)."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import crypto, signals
from ctfy_auth.models import DeviceRequest, Token

pytestmark = pytest.mark.django_db

CODE = "/api/v1/auth/device/code"
POLL = "/api/v1/auth/device/token"
APPROVE = "/api/v1/auth/device/approve"
DENY = "/api/v1/auth/device/deny"
INFO = "/api/v1/auth/device/info"
CLI_UA = "ctfy-cli/0.7.0"


def request_code(**extra: Any) -> dict[str, Any]:
    response = APIClient().post(CODE, HTTP_USER_AGENT=CLI_UA, REMOTE_ADDR="192.0.2.7", **extra)
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


def poll(device_code: str, client: APIClient | None = None) -> dict[str, Any]:
    from django.core.cache import caches

    caches["default"].clear()  # the poll-spacing slot; its own test below keeps it
    response = (client or APIClient()).post(POLL, {"device_code": device_code}, format="json")
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


@pytest.fixture
def approver(user, client_for) -> APIClient:
    client = client_for(user)
    client.user = user  # type: ignore[attr-defined]
    return client


# --- POST /auth/device/code ----------------------------------------------------------------


def test_code_answers_the_wire_shape_and_stores_only_a_digest():
    body = request_code()
    assert set(body) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert len(body["device_code"]) == 43
    user_code = body["user_code"]
    assert len(user_code) == 9 and user_code[4] == "-"
    assert set(user_code.replace("-", "")) <= set(crypto.USER_CODE_ALPHABET)
    assert not set(user_code) & set("01OIL")
    assert body["verification_uri"] == "http://testserver/device"
    assert body["verification_uri_complete"] == f"http://testserver/device?user_code={user_code}"
    assert (body["expires_in"], body["interval"]) == (600, 5)
    row = DeviceRequest.objects.get()
    assert row.device_code_digest == crypto.digest(body["device_code"])
    assert body["device_code"] not in str(list(DeviceRequest.objects.values()))
    assert (row.status, row.requester_ip, row.requester_user_agent) == (
        "pending",
        "192.0.2.7",
        CLI_UA,
    )
    assert row.expires_at - row.created_at == timedelta(seconds=600)


@override_settings(
    CTFY_AUTH={
        "DEVICE_VERIFICATION_ORIGIN": "https://ctfy.example/",
        "DEVICE_CODE_LIFETIME_SECONDS": 120,
        "DEVICE_POLL_INTERVAL_SECONDS": 2,
    }
)
def test_origin_lifetime_and_interval_come_from_settings():
    body = request_code()
    assert body["verification_uri"] == "https://ctfy.example/device"
    assert (body["expires_in"], body["interval"]) == (120, 2)


def test_a_live_user_code_is_never_drawn_twice(monkeypatch):
    draws = iter(["AAAABBBB", "AAAABBBB", "CCCCDDDD"])
    monkeypatch.setattr(crypto, "generate_user_code", lambda: next(draws))
    assert request_code()["user_code"] == "AAAA-BBBB"
    assert request_code()["user_code"] == "CCCC-DDDD"  # the collision drew again


def test_an_expired_request_frees_its_user_code(monkeypatch):
    monkeypatch.setattr(crypto, "generate_user_code", lambda: "AAAABBBB")
    request_code()
    DeviceRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert request_code()["user_code"] == "AAAA-BBBB"
    assert sorted(DeviceRequest.objects.values_list("status", flat=True)) == [
        "expired",
        "pending",
    ]


# --- the whole flow -------------------------------------------------------------------------


def test_pending_then_approved_then_expired_and_exactly_one_token(approver):
    body = request_code()
    assert poll(body["device_code"]) == {"status": "pending", "token": ""}
    response = approver.post(APPROVE, {"user_code": body["user_code"]}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["status"] == "approved"
    before = Token.objects.count()
    cli = APIClient(HTTP_USER_AGENT="poller/1", REMOTE_ADDR="198.51.100.9")
    result = poll(body["device_code"], cli)
    assert result["status"] == "approved"
    assert crypto.parse_kind(result["token"]) == "user"
    assert Token.objects.count() == before + 1
    token = Token.objects.get(digest=crypto.digest(result["token"]))
    assert token.user == approver.user
    assert (token.ip_address, token.user_agent) == ("198.51.100.9", "poller/1")
    assert token.reauthenticated_at is None  # a hand-over proves no password: sudo closed
    assert approver.user.last_login is None
    approver.user.refresh_from_db()
    assert approver.user.last_login is not None  # the admin list's "last active"
    me = APIClient(HTTP_AUTHORIZATION=f"Bearer {result['token']}").get("/api/v1/me")
    assert me.json()["email"] == approver.user.email
    assert poll(body["device_code"]) == {"status": "expired", "token": ""}
    assert Token.objects.count() == before + 1
    row = DeviceRequest.objects.get()
    assert (row.status, row.token_id) == ("consumed", token.pk)


def test_denied_stays_denied(approver):
    body = request_code()
    response = approver.post(DENY, {"user_code": body["user_code"]}, format="json")
    assert (response.status_code, response.json()["status"]) == (HTTPStatus.OK, "denied")
    assert poll(body["device_code"]) == {"status": "denied", "token": ""}
    assert poll(body["device_code"]) == {"status": "denied", "token": ""}
    again = approver.post(APPROVE, {"user_code": body["user_code"]}, format="json")
    assert again.status_code == HTTPStatus.NOT_FOUND
    assert again.json()["code"] == "device_code_invalid"


def test_unknown_device_code_polls_expired():
    assert poll("no-such-code") == {"status": "expired", "token": ""}


@pytest.mark.parametrize("body", [{}, {"device_code": ""}, {"device_code": 5}, "x" * 3])
def test_poll_validates_its_body(body):
    response = APIClient().post(POLL, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["code"] == "validation_error"


def test_poll_body_longer_than_512_is_refused():
    response = APIClient().post(POLL, {"device_code": "x" * 513}, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY


def test_expiry_boundary(approver):
    body = request_code()
    row = DeviceRequest.objects.get()
    approver.post(APPROVE, {"user_code": body["user_code"]}, format="json")
    DeviceRequest.objects.update(expires_at=timezone.now())  # the boundary instant: expired
    assert poll(body["device_code"]) == {"status": "expired", "token": ""}
    DeviceRequest.objects.update(expires_at=timezone.now() + timedelta(seconds=30))
    assert poll(body["device_code"])["status"] == "approved"
    assert row.pk == DeviceRequest.objects.get().pk


def test_an_expired_pending_request_cannot_be_approved(approver):
    body = request_code()
    DeviceRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = approver.post(APPROVE, {"user_code": body["user_code"]}, format="json")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["detail"] == "Code not found, already used, or expired"
    assert poll(body["device_code"])["status"] == "expired"


def test_an_approver_deactivated_before_the_poll_gets_no_token(approver):
    body = request_code()
    approver.post(APPROVE, {"user_code": body["user_code"]}, format="json")
    type(approver.user).objects.filter(pk=approver.user.pk).update(is_active=False)
    assert poll(body["device_code"]) == {"status": "expired", "token": ""}


@pytest.mark.parametrize("typed", ["{lower}", " {plain} ", "{spaced}", "{lower_plain}"])
def test_user_codes_match_ignoring_case_spaces_and_punctuation(approver, typed):
    code = request_code()["user_code"]
    plain = code.replace("-", "")
    value = typed.format(
        lower=code.lower(),
        plain=plain,
        spaced=f"{plain[:4]} {plain[4:]}",
        lower_plain=plain.lower(),
    )
    response = approver.post(APPROVE, {"user_code": value}, format="json")
    assert (response.status_code, response.json()["status"]) == (HTTPStatus.OK, "approved")


# --- info and ownership ---------------------------------------------------------------------


def test_info_shows_who_is_asking(approver):
    code = request_code()["user_code"]
    response = approver.get(INFO, {"user_code": code})
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert (body["status"], body["requester_ip"], body["requester_user_agent"]) == (
        "pending",
        "192.0.2.7",
        CLI_UA,
    )
    assert body["requested_at"].endswith("Z")


def test_nobody_else_sees_or_decides_a_request_once_decided(approver, user_factory, client_for):
    body = request_code()
    approver.post(APPROVE, {"user_code": body["user_code"]}, format="json")
    other = client_for(user_factory())
    assert other.get(INFO, {"user_code": body["user_code"]}).status_code == HTTPStatus.NOT_FOUND
    for url in (APPROVE, DENY):
        response = other.post(url, {"user_code": body["user_code"]}, format="json")
        assert response.status_code == HTTPStatus.NOT_FOUND
    assert approver.get(INFO, {"user_code": body["user_code"]}).json()["status"] == "approved"
    poll(body["device_code"])  # consumed: the approver still reads "approved"
    assert approver.get(INFO, {"user_code": body["user_code"]}).json()["status"] == "approved"
    assert other.get(INFO, {"user_code": body["user_code"]}).status_code == HTTPStatus.NOT_FOUND


def test_info_of_unknown_or_expired_code_is_404(approver):
    response = approver.get(INFO, {"user_code": "ZZZZ-ZZZZ"})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {
        "code": "device_code_invalid",
        "detail": "Code not found or expired",
        "timestamp": response.json()["timestamp"],
    }
    code = request_code()["user_code"]
    DeviceRequest.objects.update(expires_at=timezone.now())
    assert approver.get(INFO, {"user_code": code}).status_code == HTTPStatus.NOT_FOUND


def test_info_needs_a_user_code(approver):
    response = approver.get(INFO)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY


@pytest.mark.parametrize("url", [APPROVE, DENY, INFO])
def test_the_persons_side_needs_a_user_session(url, user, token_row_factory):
    code = request_code()["user_code"]
    scoped = token_row_factory(user, permissions={"profile": "write"}, resource_access="all")
    call = scoped.get if url == INFO else scoped.post
    response = call(url, {"user_code": code}, **({} if url == INFO else {"format": "json"}))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["detail"].startswith("This operation requires a user session")
    anonymous = APIClient().post(url, {"user_code": code}, format="json")
    assert anonymous.status_code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.METHOD_NOT_ALLOWED)
    assert DeviceRequest.objects.get().status == "pending"


# --- abuse ----------------------------------------------------------------------------------


def test_a_poll_sooner_than_the_interval_reads_pending_without_looking(
    approver, django_assert_num_queries
):
    body = request_code()
    approver.post(APPROVE, {"user_code": body["user_code"]}, format="json")
    client = APIClient()
    first = client.post(POLL, {"device_code": body["device_code"]}, format="json").json()
    assert first["status"] == "approved"
    # A second device polling its own code is not held back by the first one's slot.
    other = request_code()
    assert (
        client.post(POLL, {"device_code": other["device_code"]}, format="json").json()["status"]
        == "pending"
    )
    with django_assert_num_queries(0):
        too_soon = client.post(POLL, {"device_code": other["device_code"]}, format="json")
    assert too_soon.json() == {"status": "pending", "token": ""}


@override_settings(CTFY_AUTH={"DEVICE_FAILED_ENTRY_LIMITS": {"account": "3/hour"}})
def test_wrong_user_codes_are_limited_per_account(approver, user_factory, client_for):
    for _ in range(3):
        response = approver.post(APPROVE, {"user_code": "ZZZZ-ZZZZ"}, format="json")
        assert response.status_code == HTTPStatus.NOT_FOUND
    code = request_code()["user_code"]
    blocked = approver.post(APPROVE, {"user_code": code}, format="json")
    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert blocked.json()["code"] == "rate_limited"
    assert approver.get(INFO, {"user_code": code}).status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Someone else is not punished for this account's guesses.
    other = client_for(user_factory())
    assert other.post(APPROVE, {"user_code": code}, format="json").status_code == HTTPStatus.OK


@override_settings(
    CTFY_AUTH={"DEVICE_FAILED_ENTRY_LIMITS": {"account": "100/hour", "global": "4/hour"}}
)
def test_wrong_user_codes_past_the_global_budget_only_raise_an_alert(
    user_factory, client_for, caplog
):
    caplog.set_level("WARNING", logger="ctfy_auth.services.devices")
    for i in range(6):
        guesser = client_for(user_factory())
        wrong = guesser.get(INFO, {"user_code": "ZZZZ-ZZZZ"}, REMOTE_ADDR=f"203.0.113.{i}")
        assert wrong.status_code == HTTPStatus.NOT_FOUND
    alerts = [r.getMessage() for r in caplog.records if r.name == "ctfy_auth.services.devices"]
    assert alerts == [
        "ctfy_auth: more than 4 wrong device user codes in one hour site-wide "
        "(DEVICE_FAILED_ENTRY_LIMITS['global']); someone may be guessing codes"
    ]
    code = request_code()["user_code"]
    response = client_for(user_factory()).get(INFO, {"user_code": code})
    assert response.status_code == HTTPStatus.OK


@override_settings(
    CTFY_AUTH={"DEVICE_FAILED_ENTRY_LIMITS": {"account": "100/hour", "client": "3/hour"}}
)
def test_wrong_user_codes_are_limited_per_client_address(user_factory, client_for):
    for _ in range(3):
        guesser = client_for(user_factory())
        assert guesser.get(INFO, {"user_code": "ZZZZ-ZZZZ"}).status_code == HTTPStatus.NOT_FOUND
    code = request_code()["user_code"]
    fresh_account = client_for(user_factory())
    blocked = fresh_account.post(APPROVE, {"user_code": code}, format="json")
    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    elsewhere = fresh_account.post(
        APPROVE, {"user_code": code}, format="json", REMOTE_ADDR="198.51.100.7"
    )
    assert elsewhere.status_code == HTTPStatus.OK


def test_successful_entries_do_not_count_as_failures(approver):
    with override_settings(CTFY_AUTH={"DEVICE_FAILED_ENTRY_LIMITS": {"account": "2/hour"}}):
        for _ in range(4):
            code = request_code()["user_code"]
            assert approver.get(INFO, {"user_code": code}).status_code == HTTPStatus.OK


def test_signals_fire_after_commit(approver, django_capture_on_commit_callbacks):
    seen: list[tuple[str, Any]] = []

    def on_approved(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        seen.append(("approved", user))

    def on_denied(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        seen.append(("denied", user))

    signals.device_approved.connect(on_approved)
    signals.device_denied.connect(on_denied)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            approver.post(APPROVE, {"user_code": request_code()["user_code"]}, format="json")
            approver.post(DENY, {"user_code": request_code()["user_code"]}, format="json")
    finally:
        signals.device_approved.disconnect(on_approved)
        signals.device_denied.disconnect(on_denied)
    assert seen == [("approved", approver.user), ("denied", approver.user)]
