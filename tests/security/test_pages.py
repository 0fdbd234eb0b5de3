"""Issue #11 item 12 (redirects and pages): encoded controls, the device page's ``next``, CSP."""

from __future__ import annotations

import base64
import hashlib
import re
from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from ctfy_auth.redirects import safe_redirect
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/device"
SIGN_IN = "/device/sign-in"
DECIDE = "/device/decide"


# --- safe_redirect: control characters revealed by decoding ------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "/foo%0d%0aSet-Cookie:%20a=b",
        "/foo%0D%0A",
        "/a%0ab",
        "/a%0db",
        "/a%09b",
        "/a%00b",
        "/a%7fb",
        "/a%1bb",
        "/a%c2%85b",  # NEL (C1)
        "/a%e2%80%a8b",  # LINE SEPARATOR
        "/a%250d%250ab",  # encoded twice
        "/search?q=%0d%0a",
    ],
)
def test_encoded_control_characters_are_refused(value: str) -> None:
    assert safe_redirect(value) == "/"
    assert safe_redirect(value, default="/settings") == "/settings"


@pytest.mark.parametrize("value", ["/search?q=a%20b", "/caf%C3%A9", "/a%2Fb", "/100%25"])
def test_encoded_printable_characters_are_kept(value: str) -> None:
    assert safe_redirect(value) == value


# --- the device page's next ------------------------------------------------------------


def _next_after_sign_in(user: Any, target: str) -> str:
    response = Client().post(SIGN_IN, {"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == HTTPStatus.FOUND
    return str(response["Location"])


@pytest.mark.parametrize(
    "target",
    [
        "/devicex",
        "/device-evil",
        "/device/../admin/",
        "/device/%2e%2e/admin/",
        "/device/..%2Fadmin/",
        "/device%2F..%2Fadmin/",
        "/device/..\\admin/",
        "/device/../api/v1/me?user_code=ABCD-EFGH",
        "/device/sign-out",
        "//device",
        "/device%0d%0aSet-Cookie:%20a=b",
    ],
)
def test_next_must_be_the_device_page_itself(user: Any, target: str) -> None:
    assert _next_after_sign_in(user, target) == PAGE


def test_next_keeps_the_code_of_the_device_page(user: Any) -> None:
    assert _next_after_sign_in(user, "/device?user_code=ABCD-EFGH") == (
        "/device?user_code=ABCD-EFGH"
    )
    # The query is rebuilt from the code alone, never echoed.
    assert _next_after_sign_in(user, "/device?user_code=AB%0d%0aCD&x=//evil") == (
        "/device?user_code=AB%0D%0ACD"
    )


def test_a_signed_in_visit_to_sign_in_follows_the_same_rule(user: Any) -> None:
    browser = Client()
    browser.force_login(user)
    assert browser.get(SIGN_IN, {"next": "/device/../admin/"})["Location"] == PAGE
    assert browser.get(SIGN_IN, {"next": "/devicex"})["Location"] == PAGE


# --- Content-Security-Policy -----------------------------------------------------------


def _policy(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_strict(response: Any) -> None:
    policy = _policy(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "script-src" not in policy  # no script at all: default-src 'none' holds
    assert all("unsafe" not in value for values in policy.values() for value in values)
    html = response.content.decode()
    assert "<script" not in html.lower() and " style=" not in html
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    assert styles, "the page lost its stylesheet"
    for css in styles:  # every inline stylesheet is allowed by its hash, nothing else
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["style-src"]


def _code() -> str:
    return str(APIClient().post("/api/v1/auth/device/code").json()["user_code"])


def test_every_device_page_carries_a_strict_policy(user: Any, settings: Any) -> None:
    signed_out = Client()
    _assert_strict(signed_out.get(SIGN_IN))  # the sign-in form
    _assert_strict(signed_out.post(SIGN_IN, {"email": user.email, "password": "wrong!"}))
    redirect = signed_out.get(PAGE)
    assert redirect.status_code == HTTPStatus.FOUND
    assert _policy(redirect)["default-src"] == ["'none'"]

    browser = Client()
    browser.force_login(user)
    _assert_strict(browser.get(PAGE))  # enter the code
    code = _code()
    review = browser.post(PAGE, {"user_code": code})
    assert review.status_code == HTTPStatus.OK
    _assert_strict(review)  # review
    done = browser.post(DECIDE, {"user_code": code, "decision": "approve"})
    assert done.status_code == HTTPStatus.OK
    _assert_strict(done)  # done
    _assert_strict(browser.post(PAGE, {"user_code": "ZZZZ-ZZZZ"}))  # unknown code

    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "DEVICE_FAILED_ENTRY_LIMITS": {"account": "1/hour"}}
    browser.post(PAGE, {"user_code": "ZZZZ-ZZZY"})
    limited = browser.post(PAGE, {"user_code": _code()})
    assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
    _assert_strict(limited)  # too many attempts
