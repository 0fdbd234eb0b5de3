"""Issue #11, items 5, 6, 8, 11 and 14: guessing budgets, limits in a cache outage, sessions.

* 5: every check of a current password (password change, re-authentication, sign-in) draws on
  one per-account budget, ``THROTTLE_RATES["password_check"]``, counting wrong passwords only.
* 6: the site-wide budget of wrong device user codes only alerts; the per-account (and new
  per-client) budgets hold under concurrency (incr-then-compare), on local memory and on Redis.
* 8: a password change (set, change, remove) signs out the account's other sessions, keeps the
  caller and the API tokens, unless ``REVOKE_API_TOKENS_ON_PASSWORD_CHANGE``; one transaction.
* 11: the ``/device`` page's sign-in and ``POST /auth/login`` share one ``login`` counter, and
  every door (Django admin's login too, with ``ctfy_auth.admin_site``) the per-account budget,
  which answers and costs the same for an unknown email as for a known one.
* 14: while the throttle cache is unreachable, the limits that guard a secret refuse with 503
  ``rate_limit_unavailable`` and check nothing; the others still let requests through.

Names from modules that did not exist before the fix are imported inside the tests, so each test
fails on its own on the code before it.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import crypto
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.constants import CredentialKind, Role
from ctfy_auth.exceptions import DeviceCodeInvalid, RateLimited
from ctfy_auth.models import DeviceRequest, Identity, Token
from ctfy_auth.principal import Principal
from ctfy_auth.services import accounts, devices, revocation, sessions
from tests.adversarial.test_enumeration import argon2_runs  # noqa: F401  (a fixture)
from tests.conftest import PASSWORD
from tests.test_races import run_concurrently

API = "/api/v1"
LOGIN = f"{API}/auth/login"
PASSWORD_URL = f"{API}/auth/password"
REAUTH = f"{API}/me/reauthenticate"
APPROVE = f"{API}/auth/device/approve"
INFO = f"{API}/auth/device/info"
SIGN_IN = "/device/sign-in"
ADMIN_LOGIN = "/admin/login/"
WRONG = "not the password, but long"
NEW = "another long passphrase"
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


def rates(settings: Any, **buckets: str) -> None:
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_RATES": buckets}


def device_limits(settings: Any, **limits: str) -> None:
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "DEVICE_FAILED_ENTRY_LIMITS": limits}


def api_login(email: str, password: str, ip: str = "127.0.0.1") -> tuple[int, dict[str, Any]]:
    response = APIClient().post(
        LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
    )
    body = response.json()
    body.pop("timestamp", None)
    return response.status_code, body


def page_sign_in(email: str, password: str, ip: str = "127.0.0.1") -> int:
    response = Client(REMOTE_ADDR=ip).post(SIGN_IN, {"email": email, "password": password})
    return response.status_code


def reauth(client: APIClient, password: str) -> int:
    return client.post(REAUTH, {"current_password": password}, format="json").status_code


def change_password(client: APIClient, current: str, new: str = NEW) -> int:
    body = {"current_password": current, "new_password": new}
    return client.post(PASSWORD_URL, body, format="json").status_code


def new_user_code() -> str:
    return APIClient().post(f"{API}/auth/device/code").json()["user_code"]


def outcome(result: Any) -> str:
    return type(result).__name__


# --- 5: one per-account budget for every check of a current password ------------------------


@pytest.mark.django_db
def test_password_change_and_reauthentication_draw_on_one_per_account_budget(
    user: Any, client_for: Callable[..., APIClient], settings: Any
) -> None:
    rates(settings, password_check="3/hour")
    # Each call on a new session, so no per-token bucket is what refuses.
    assert change_password(client_for(user), current=WRONG) == HTTPStatus.UNAUTHORIZED
    assert change_password(client_for(user), current=WRONG) == HTTPStatus.UNAUTHORIZED
    assert reauth(client_for(user), WRONG) == HTTPStatus.UNAUTHORIZED
    # The budget is spent: even the right password is not checked, at either door.
    blocked = client_for(user).post(REAUTH, {"current_password": PASSWORD}, format="json")
    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert blocked.json()["code"] == "rate_limited"
    assert blocked.json()["error"] == "Too many password attempts for this account: 3 per 1 hour"
    assert int(blocked["Retry-After"]) >= 1
    assert change_password(client_for(user), current=PASSWORD) == HTTPStatus.TOO_MANY_REQUESTS
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_the_password_budget_counts_only_wrong_passwords(
    user: Any, client_for: Callable[..., APIClient], settings: Any
) -> None:
    rates(settings, password_check="2/hour")
    assert [reauth(client_for(user), PASSWORD) for _ in range(5)] == [HTTPStatus.OK] * 5
    assert [reauth(client_for(user), WRONG) for _ in range(3)] == [
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.TOO_MANY_REQUESTS,
    ]


@pytest.mark.django_db(transaction=True)  # the threads' connections must see the account
def test_concurrent_wrong_passwords_never_get_past_the_budget(
    user_factory: Callable[..., Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve wrong passwords at once against a budget of 4: four checked, eight refused."""
    account = user_factory(email="target@example.com")
    rates(settings, password_check="4/hour")
    verify = type(account).check_password

    def slow_verify(self: Any, raw: str) -> bool:
        time.sleep(0.05)  # every thread is inside a check at once
        return verify(self, raw)

    monkeypatch.setattr(type(account), "check_password", slow_verify)

    def attempt() -> Any:
        return accounts.check_credentials(email=account.email, password=WRONG)

    results = run_concurrently([attempt] * 12)
    assert Counter(map(outcome, results)) == {"InvalidCredentials": 4, "RateLimited": 8}


# --- 6: device user codes -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_global_wrong_code_budget_refuses_nobody(
    user_factory: Callable[..., Any],
    client_for: Callable[..., APIClient],
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One client with a few accounts must not shut the approval step for everyone."""
    device_limits(settings, account="10/hour", client="1000/hour", **{"global": "3/hour"})
    caplog.set_level("WARNING", logger="ctfy_auth.services.devices")
    for _ in range(5):
        guesser = client_for(user_factory())
        wrong = guesser.post(APPROVE, {"user_code": "ZZZZ-ZZZZ"}, format="json")
        assert wrong.status_code == HTTPStatus.NOT_FOUND
    code = new_user_code()
    victim = client_for(user_factory())
    assert victim.get(INFO, {"user_code": code}).status_code == HTTPStatus.OK
    approved = victim.post(APPROVE, {"user_code": code}, format="json")
    assert approved.status_code == HTTPStatus.OK
    assert approved.json()["status"] == "approved"
    alerts = [r for r in caplog.records if r.name == "ctfy_auth.services.devices"]
    assert len(alerts) == 1 and "someone may be guessing codes" in alerts[0].getMessage()


@pytest.mark.django_db
def test_wrong_codes_are_limited_per_client_address_across_accounts(
    user_factory: Callable[..., Any], client_for: Callable[..., APIClient], settings: Any
) -> None:
    device_limits(settings, account="10/hour", client="4/hour")
    for _ in range(4):
        guesser = client_for(user_factory())
        assert guesser.get(INFO, {"user_code": "ZZZZ-ZZZZ"}).status_code == HTTPStatus.NOT_FOUND
    another_account = client_for(user_factory())
    refused = another_account.get(INFO, {"user_code": "ZZZZ-ZZZZ"})
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert refused.json()["error"] == "Too many wrong device codes: 4 per 1 hour"


def _caches() -> list[str]:
    return ["locmem", "redis"] if os.environ.get("REDIS_URL") else ["locmem"]


@pytest.fixture(params=_caches())
def throttle_cache_backend(request: pytest.FixtureRequest, settings: Any) -> str:
    """The throttle counters on local memory, and on Redis too when ``REDIS_URL`` is set."""
    if request.param == "redis":
        config = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"ctfy-budgets-{os.getpid()}-{time.time_ns()}",
        }
    else:
        config = {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"budgets-{time.time_ns()}",
        }
    settings.CACHES = {**settings.CACHES, "throttle": config}
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_CACHE": "throttle"}
    return str(request.param)


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["info", "decide"])
def test_concurrent_wrong_codes_never_get_past_the_account_budget(
    entry: str,
    throttle_cache_backend: str,
    user: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twenty wrong codes at once against a budget of 10: ten "not found", ten 429.

    Reading the code is slowed down so every thread is between the budget check and the
    look-up at once (before the fix, read-then-increment let all twenty through).
    """
    device_limits(settings, account="10/hour", client="1000/hour")

    def slow_normalise(code: str) -> None:
        time.sleep(0.05)
        return None  # malformed: a wrong entry, and no database query in the thread

    monkeypatch.setattr(crypto, "normalize_user_code", slow_normalise)
    if entry == "info":

        def call() -> Any:
            return devices.info(user, "ZZZZ-ZZZZ", client_ip="192.0.2.1")
    else:

        def call() -> Any:
            return devices.decide(user, "ZZZZ-ZZZZ", approve=True, client_ip="192.0.2.1")

    results = run_concurrently([call] * 20)
    assert Counter(map(outcome, results)) == {"DeviceCodeInvalid": 10, "RateLimited": 10}
    assert all(isinstance(r, DeviceCodeInvalid | RateLimited) for r in results)


# --- 8: a password change signs out the other sessions ---------------------------------------


def live(token_kind: str, user: Any) -> int:
    return Token.objects.filter(user=user, kind=token_kind, revoked_at__isnull=True).count()


@pytest.fixture
def sessions_and_api_token(
    user: Any,
    client_for: Callable[..., APIClient],
    token_row_factory: Callable[..., APIClient],
) -> tuple[APIClient, APIClient, APIClient]:
    """``(caller, another session, an API token)`` of ``user``."""
    return client_for(user), client_for(user), token_row_factory(user, kind="fine_grained")


@pytest.mark.django_db
def test_a_password_change_signs_out_other_sessions_and_keeps_the_caller_and_api_tokens(
    user: Any, sessions_and_api_token: tuple[APIClient, APIClient, APIClient]
) -> None:
    caller, other, _api = sessions_and_api_token
    assert change_password(caller, current=PASSWORD) == HTTPStatus.OK
    assert other.get(f"{API}/me").status_code == HTTPStatus.FORBIDDEN
    assert caller.get(f"{API}/me").status_code == HTTPStatus.OK
    assert (live("user", user), live("fine_grained", user)) == (1, 1)


@pytest.mark.django_db
def test_setting_a_first_password_signs_out_other_sessions(
    user_factory: Callable[..., Any], client_for: Callable[..., APIClient]
) -> None:
    user = user_factory(password=None)
    Identity.objects.create(user=user, provider="github", provider_user_id="42")
    caller, other = client_for(user), client_for(user)
    assert change_password(caller, current="") == HTTPStatus.OK
    assert other.get(f"{API}/me").status_code == HTTPStatus.FORBIDDEN
    assert caller.get(f"{API}/me").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_removing_the_password_signs_out_other_sessions(
    user: Any, sessions_and_api_token: tuple[APIClient, APIClient, APIClient]
) -> None:
    Identity.objects.create(user=user, provider="github", provider_user_id="42")
    caller, other, _api = sessions_and_api_token
    assert caller.delete(PASSWORD_URL).status_code == HTTPStatus.OK
    assert other.get(f"{API}/me").status_code == HTTPStatus.FORBIDDEN
    assert caller.get(f"{API}/me").status_code == HTTPStatus.OK
    assert (live("user", user), live("fine_grained", user)) == (1, 1)


@pytest.mark.django_db
def test_a_setting_widens_the_revocation_to_api_tokens(
    user: Any, sessions_and_api_token: tuple[APIClient, APIClient, APIClient], settings: Any
) -> None:
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "REVOKE_API_TOKENS_ON_PASSWORD_CHANGE": True}
    caller, _other, _api = sessions_and_api_token
    assert change_password(caller, current=PASSWORD) == HTTPStatus.OK
    assert (live("user", user), live("fine_grained", user)) == (1, 0)
    assert caller.get(f"{API}/me").status_code == HTTPStatus.OK


@pytest.mark.django_db
def session_principal(user: Any, **row_fields: Any) -> Principal:
    """A fresh session of ``user`` as the Principal a request on it would carry."""
    token, _plaintext = sessions.mint_session(user, ClientInfo(ip="127.0.0.1"))
    if row_fields:
        Token.objects.filter(pk=token.pk).update(**row_fields)
        token.refresh_from_db()
    return Principal(
        user=user,
        credential_kind=CredentialKind.SESSION,
        token=token,
        reauthenticated_at=token.reauthenticated_at,
    )


@pytest.mark.django_db
def test_the_change_and_the_revocation_commit_together(
    user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    principal, _other = session_principal(user), session_principal(user)
    real_revoke_all = revocation.revoke_all
    calls: list[dict[str, Any]] = []

    def failing_revoke_all(*args: Any, **kwargs: Any) -> int:
        calls.append(kwargs)
        real_revoke_all(*args, **kwargs)
        raise RuntimeError("the revocation failed")

    monkeypatch.setattr(revocation, "revoke_all", failing_revoke_all)
    with pytest.raises(RuntimeError):
        accounts.set_password(principal, new_password=NEW, current_password=PASSWORD)
    assert calls, "the change did not revoke anything"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # nothing changed: the password nor the sessions
    assert live("user", user) == 2


# --- 11: one login counter, one per-account budget, every door --------------------------------


@pytest.mark.django_db
def test_the_device_page_sign_in_and_api_login_share_one_login_counter(settings: Any) -> None:
    rates(settings, login="2/minute")
    assert api_login("one@example.com", WRONG)[0] == HTTPStatus.UNAUTHORIZED
    assert page_sign_in("two@example.com", WRONG) == HTTPStatus.UNAUTHORIZED
    assert api_login("three@example.com", WRONG)[0] == HTTPStatus.TOO_MANY_REQUESTS
    assert page_sign_in("four@example.com", WRONG) == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.django_db
def test_wrong_passwords_for_one_account_share_one_budget_whichever_door(
    user: Any, client_for: Callable[..., APIClient], settings: Any
) -> None:
    rates(settings, password_check="3/hour")
    # Three doors, three addresses: only the account is common.
    assert api_login(user.email.upper(), WRONG, ip="192.0.2.1")[0] == HTTPStatus.UNAUTHORIZED
    assert page_sign_in(user.email, WRONG, ip="192.0.2.2") == HTTPStatus.UNAUTHORIZED
    assert reauth(client_for(user), WRONG) == HTTPStatus.UNAUTHORIZED
    status, body = api_login(user.email, PASSWORD, ip="192.0.2.4")
    assert (status, body["code"]) == (HTTPStatus.TOO_MANY_REQUESTS, "rate_limited")
    assert page_sign_in(user.email, PASSWORD, ip="192.0.2.5") == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.django_db
def test_the_per_account_budget_answers_and_costs_the_same_for_an_unknown_email(
    user_factory: Callable[..., Any],
    settings: Any,
    argon2_runs: Counter[str],  # noqa: F811
) -> None:
    known = user_factory(email="known@example.com")
    api_login("warm-up@example.com", WRONG)  # the first unknown email builds the dummy hash
    rates(settings, password_check="2/hour", login="1000/minute")

    def three_tries(email: str) -> list[tuple[int, dict[str, Any], int]]:
        seen = []
        for _ in range(3):
            argon2_runs.clear()
            status, body = api_login(email, WRONG)
            seen.append((status, body, argon2_runs["argon2 verify"]))
        return seen

    unknown, wrong = three_tries("ghost@example.com"), three_tries(known.email)
    assert unknown == wrong
    assert [(s, b["code"], runs) for s, b, runs in wrong] == [
        (HTTPStatus.UNAUTHORIZED, "invalid_credentials", 1),
        (HTTPStatus.UNAUTHORIZED, "invalid_credentials", 1),
        (HTTPStatus.TOO_MANY_REQUESTS, "rate_limited", 0),
    ]


def use_throttled_admin_login(monkeypatch: pytest.MonkeyPatch) -> None:
    from ctfy_auth.admin_site import ThrottledAdminAuthenticationForm, ThrottledAdminSite

    assert ThrottledAdminSite.login_form is ThrottledAdminAuthenticationForm
    monkeypatch.setattr(admin.site, "login_form", ThrottledAdminAuthenticationForm)


def admin_sign_in(email: str, password: str, ip: str = "127.0.0.1") -> tuple[bool, str]:
    client = Client(REMOTE_ADDR=ip)
    response = client.post(ADMIN_LOGIN, {"username": email, "password": password})
    return "_auth_user_id" in client.session, response.content.decode()


@pytest.mark.django_db
def test_the_throttled_admin_login_spends_the_per_account_budget(
    user_factory: Callable[..., Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_throttled_admin_login(monkeypatch)
    staff = user_factory(email="staff@example.com", role=Role.ADMIN)
    rates(settings, password_check="3/hour")
    assert admin_sign_in(staff.email, PASSWORD, ip="192.0.2.9")[0]  # a right one spends nothing
    assert api_login(staff.email, WRONG, ip="192.0.2.1")[0] == HTTPStatus.UNAUTHORIZED
    assert page_sign_in(staff.email, WRONG, ip="192.0.2.2") == HTTPStatus.UNAUTHORIZED
    signed_in, _html = admin_sign_in(staff.email, WRONG, ip="192.0.2.3")
    assert not signed_in
    signed_in, html = admin_sign_in(staff.email, PASSWORD, ip="192.0.2.4")
    assert not signed_in
    assert re.search(r"Too many sign-in attempts\. Try again in \d+ seconds\.", html)
    assert api_login(staff.email, PASSWORD, ip="192.0.2.5")[0] == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.django_db
def test_the_throttled_admin_login_shares_the_login_counter(
    user_factory: Callable[..., Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_throttled_admin_login(monkeypatch)
    staff = user_factory(email="staff@example.com", role=Role.ADMIN)
    rates(settings, login="2/minute")
    assert api_login("one@example.com", WRONG)[0] == HTTPStatus.UNAUTHORIZED
    assert page_sign_in("two@example.com", WRONG) == HTTPStatus.UNAUTHORIZED
    signed_in, html = admin_sign_in(staff.email, PASSWORD)
    assert not signed_in
    assert "Too many sign-in attempts" in html


# --- 14: limits that guard a secret fail closed while the cache is down ----------------------


@pytest.fixture
def cache_down(settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED},
    }
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_CACHE": "throttle"}


def assert_limit_unavailable(response: Any) -> None:
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE, response.content
    body = response.json()
    assert body["code"] == "rate_limit_unavailable"
    assert body["detail"] == "Rate limiting is unavailable for a moment; try again shortly."
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
@pytest.mark.usefixtures("cache_down")
def test_sign_in_fails_closed_and_checks_no_password_while_the_cache_is_down(
    user: Any,
    argon2_runs: Counter[str],  # noqa: F811
) -> None:
    for password in (PASSWORD, WRONG):
        argon2_runs.clear()
        assert_limit_unavailable(
            APIClient().post(LOGIN, {"email": user.email, "password": password}, format="json")
        )
        assert argon2_runs["argon2 verify"] == 0
    page = Client().post(SIGN_IN, {"email": user.email, "password": PASSWORD})
    assert page.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert page["Retry-After"] == "30"
    assert "_auth_user_id" not in Client().session


@pytest.mark.django_db
@pytest.mark.usefixtures("cache_down")
def test_the_throttled_admin_login_fails_closed_while_the_cache_is_down(
    user_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_throttled_admin_login(monkeypatch)
    staff = user_factory(email="staff@example.com", role=Role.ADMIN)
    signed_in, html = admin_sign_in(staff.email, PASSWORD)
    assert not signed_in
    assert "Signing in is unavailable for a moment. Try again in 30 seconds." in html


@pytest.mark.django_db
@pytest.mark.usefixtures("cache_down")
def test_password_change_and_reauthentication_fail_closed_while_the_cache_is_down(
    user: Any, client_for: Callable[..., APIClient]
) -> None:
    client = client_for(user)
    body = {"current_password": PASSWORD, "new_password": NEW}
    assert_limit_unavailable(client.post(PASSWORD_URL, body, format="json"))
    assert_limit_unavailable(client.post(REAUTH, {"current_password": PASSWORD}, format="json"))
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client.get(f"{API}/me").status_code == HTTPStatus.OK  # the session still works


@pytest.mark.django_db
@pytest.mark.usefixtures("cache_down")
def test_the_password_budget_itself_fails_closed_while_the_cache_is_down(user: Any) -> None:
    """Even a door with no per-client bucket of its own (a future one) is refused."""
    from ctfy_auth.exceptions import RateLimitUnavailable

    principal = session_principal(user, reauthenticated_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(RateLimitUnavailable):
        accounts.reauthenticate(principal, current_password=PASSWORD)
    with pytest.raises(RateLimitUnavailable):
        accounts.check_credentials(email=user.email, password=PASSWORD)
    assert Token.objects.get(user=user).reauthenticated_at < timezone.now() - timedelta(minutes=30)


@pytest.mark.django_db
def test_device_code_entry_fails_closed_while_the_cache_is_down(
    user: Any, client_for: Callable[..., APIClient], settings: Any
) -> None:
    person = client_for(user)
    code = new_user_code()  # with a working cache: device requests are not what is refused
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED},
    }
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_CACHE": "throttle"}
    assert_limit_unavailable(person.get(INFO, {"user_code": code}))
    assert_limit_unavailable(person.post(APPROVE, {"user_code": code}, format="json"))
    assert_limit_unavailable(person.post(APPROVE, {"user_code": "ZZZZ-ZZZZ"}, format="json"))
    assert DeviceRequest.objects.get().status == "pending"
    # A bucket that guards no secret still lets requests through (and warns).
    assert APIClient().post(f"{API}/auth/device/code").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_the_device_page_fails_closed_while_the_cache_is_down(user: Any, settings: Any) -> None:
    browser = Client()
    browser.force_login(user)
    code = new_user_code()
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED},
    }
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_CACHE": "throttle"}
    review = browser.post("/device", {"user_code": code})
    decided = browser.post("/device/decide", {"user_code": code, "decision": "approve"})
    for response in (review, decided):
        assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert response["Retry-After"] == "30"
        page = response.content.decode()
        assert "Sign-in is paused" in page and "Too many attempts" not in page
    assert DeviceRequest.objects.get().status == "pending"
