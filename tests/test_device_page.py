"""The device approval page at /device, through Django's test client."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth.models import DeviceRequest
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/device"
SIGN_IN = "/device/sign-in"
DECIDE = "/device/decide"


def new_code(user_agent: str = "ctfy-cli/0.7.0 (linux)") -> dict[str, Any]:
    return APIClient().post("/api/v1/auth/device/code", HTTP_USER_AGENT=user_agent).json()


def html(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client


def test_signed_out_visit_goes_to_sign_in_keeping_the_code():
    code = new_code()["user_code"]
    response = Client().get(PAGE, {"user_code": code})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{SIGN_IN}?next={quote(f'/device?user_code={code}', safe='')}"
    form = Client().get(response["Location"])
    assert form.status_code == HTTPStatus.OK
    body = html(form)
    assert f'value="/device?user_code={code}"' in body
    assert 'type="password"' in body and "csrfmiddlewaretoken" in body
    assert '<html lang="en-us">' in body and 'name="viewport"' in body


def test_sign_in_then_back_to_the_prefilled_code(user):
    code = new_code()["user_code"]
    client = Client()
    response = client.post(
        SIGN_IN,
        {"email": user.email, "password": PASSWORD, "next": f"/device?user_code={code}"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/device?user_code={code}"
    page = client.get(response["Location"])
    assert page.status_code == HTTPStatus.OK
    assert f'value="{code}"' in html(page)
    assert DeviceRequest.objects.get().status == "pending"  # a GET only prefills


def test_wrong_password_and_unknown_email_read_the_same(user):
    wrong = Client().post(SIGN_IN, {"email": user.email, "password": "not the password!"})
    unknown = Client().post(SIGN_IN, {"email": "ghost@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == HTTPStatus.UNAUTHORIZED
    assert "Invalid email or password" in html(wrong)
    assert "Invalid email or password" in html(unknown)
    assert "_auth_user_id" not in Client().session


def test_an_inactive_account_cannot_sign_in(user_factory):
    user = user_factory(is_active=False)
    response = Client().post(SIGN_IN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == HTTPStatus.UNAUTHORIZED


def test_sign_in_is_rate_limited_with_the_login_bucket(user, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_RATES": {"login": "2/minute"}}
    client = Client()
    statuses = [
        client.post(SIGN_IN, {"email": user.email, "password": "wrong password!"}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_review_shows_what_asks_then_approve(browser):
    issued = new_code()
    page = browser.post(PAGE, {"user_code": issued["user_code"].lower()})
    assert page.status_code == HTTPStatus.OK
    body = html(page)
    assert "Approve this device?" in body
    assert "ctfy-cli/0.7.0 (linux)" in body and "127.0.0.1" in body
    assert issued["user_code"] in body
    assert DeviceRequest.objects.get().status == "pending"
    done = browser.post(DECIDE, {"user_code": issued["user_code"], "decision": "approve"})
    assert done.status_code == HTTPStatus.OK
    assert "Device approved" in html(done)
    assert "return to your terminal" in html(done)
    row = DeviceRequest.objects.get()
    assert (row.status, row.user_id) == ("approved", browser.user.pk)
    poll = APIClient().post(
        "/api/v1/auth/device/token", {"device_code": issued["device_code"]}, format="json"
    )
    assert poll.json()["status"] == "approved"


def test_deny(browser):
    issued = new_code()
    done = browser.post(DECIDE, {"user_code": issued["user_code"], "decision": "deny"})
    assert "Device denied" in html(done)
    assert DeviceRequest.objects.get().status == "denied"
    again = browser.post(PAGE, {"user_code": issued["user_code"]})
    assert again.status_code == HTTPStatus.OK
    assert "Denied" in html(again)
    assert "decision" not in html(again)  # nothing left to decide


def test_already_approved_code_reads_approved_to_its_approver_only(browser, user_factory):
    issued = new_code()
    browser.post(DECIDE, {"user_code": issued["user_code"], "decision": "approve"})
    assert "Already approved" in html(browser.post(PAGE, {"user_code": issued["user_code"]}))
    other = Client()
    other.force_login(user_factory())
    response = other.post(PAGE, {"user_code": issued["user_code"]})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Code not found or expired" in html(response)


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ", "nonsense", "expired"])
def test_unknown_and_expired_codes(browser, code):
    if code == "expired":
        code = new_code()["user_code"]
        DeviceRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = browser.post(PAGE, {"user_code": code})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Code not found or expired" in html(response)
    assert 'name="user_code"' in html(response)  # the form again
    decided = browser.post(DECIDE, {"user_code": code, "decision": "approve"})
    assert decided.status_code == HTTPStatus.NOT_FOUND
    assert "Code not found, already used, or expired" in html(decided)


def test_too_many_wrong_codes_is_a_429_page(browser, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "DEVICE_FAILED_ENTRY_LIMITS": {"account": "2/hour"}}
    for _ in range(2):
        browser.post(PAGE, {"user_code": "ZZZZ-ZZZZ"})
    response = browser.post(PAGE, {"user_code": new_code()["user_code"]})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many attempts" in html(response)
    assert int(response["Retry-After"]) >= 1


def test_every_form_needs_its_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    assert client.post(SIGN_IN, {"email": user.email, "password": PASSWORD}).status_code == 403
    client.force_login(user)
    code = new_code()["user_code"]
    assert client.post(PAGE, {"user_code": code}).status_code == HTTPStatus.FORBIDDEN
    decision = {"user_code": code, "decision": "approve"}
    assert client.post(DECIDE, decision).status_code == HTTPStatus.FORBIDDEN
    assert DeviceRequest.objects.get().status == "pending"
    # With the token from the page, the same POST goes through.
    token = client.get(PAGE).cookies["csrftoken"].value
    ok = client.post(DECIDE, {**decision, "csrfmiddlewaretoken": token})
    assert ok.status_code == HTTPStatus.OK
    assert DeviceRequest.objects.get().status == "approved"


def test_get_never_changes_state(browser):
    issued = new_code()
    for url in (f"{PAGE}?user_code={issued['user_code']}", DECIDE, "/device/sign-out"):
        browser.get(url)
    assert DeviceRequest.objects.get().status == "pending"
    assert browser.get(DECIDE).status_code == HTTPStatus.METHOD_NOT_ALLOWED


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "http://evil.com/device",
        "/\\evil.com",
        "\\\\evil.com",
        "javascript:alert(1)",
        "/%5Cevil.com",
        "http:evil.com",
        "/api/v1/me",  # same site, but not the device page
    ],
)
def test_next_never_leaves_the_device_page(user, target):
    response = Client().post(SIGN_IN, {"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/device"


def test_pages_are_not_framed_nor_cached(browser):
    for response in (Client().get(SIGN_IN), browser.get(PAGE)):
        assert response["X-Frame-Options"] == "DENY"
        assert "no-store" in response["Cache-Control"]


def test_sign_out(browser):
    response = browser.post("/device/sign-out")
    assert response.status_code == HTTPStatus.FOUND
    assert browser.get(PAGE).status_code == HTTPStatus.FOUND  # back to sign-in
