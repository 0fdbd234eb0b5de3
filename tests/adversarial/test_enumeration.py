"""Account enumeration: an unknown email reads and costs exactly what a wrong password does.

The cost is counted, never timed: spies on ``argon2.PasswordHasher.verify`` (the library) and
on Django's ``Argon2PasswordHasher.verify`` and ``encode`` (which hashes through
``argon2.low_level``) count every Argon2 run. ``tests.hashers`` subclasses Django's hasher
without overriding them, so every password check and hash of the suite goes through the spies.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client
from rest_framework.test import APIClient

from ctfy_auth.services import accounts
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
SIGN_IN = "/device/sign-in"
WRONG = "not the password, but long"
GHOST = "ghost@example.com"
KNOWN = "known@example.com"


@pytest.fixture
def argon2_runs(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts of Argon2 verifies (both levels) and hashes; ``.clear()`` to start over."""
    runs: Counter[str] = Counter()

    def spy(owner: type, name: str, label: str) -> None:
        original = getattr(owner, name)

        def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            runs[label] += 1
            return original(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, counted)

    spy(argon2.PasswordHasher, "verify", "argon2 verify")
    spy(Argon2PasswordHasher, "verify", "django verify")
    spy(Argon2PasswordHasher, "encode", "django hash")
    return runs


@pytest.fixture
def known(user_factory: Callable[..., Any]) -> Any:
    return user_factory(email=KNOWN)


ONE_VERIFY = Counter({"argon2 verify": 1, "django verify": 1})


def api_login(email: str, password: str) -> tuple[int, dict[str, Any], str]:
    response = APIClient().post(LOGIN, {"email": email, "password": password}, format="json")
    body = response.json()
    body.pop("timestamp", None)
    return response.status_code, body, response.get("WWW-Authenticate", "")


def warm_up() -> None:
    """The first unknown email of a process builds the dummy hash (see the cold-start test)."""
    api_login("warm-up@example.com", WRONG)


REFUSALS: dict[str, Callable[[Callable[..., Any]], tuple[str, str]]] = {
    "unknown email": lambda make: (GHOST, PASSWORD),
    "wrong password": lambda make: (make(email=KNOWN).email, WRONG),
    "email in other case, wrong password": lambda make: (make(email=KNOWN).email.upper(), WRONG),
    "account without a password": lambda make: (make(email=KNOWN, password=None).email, PASSWORD),
    "inactive account, right password": lambda make: (
        make(email=KNOWN, is_active=False).email,
        PASSWORD,
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_every_login_refusal_is_one_answer_for_one_argon2_verify(
    case: str, user_factory: Callable[..., Any], argon2_runs: Counter[str]
) -> None:
    warm_up()
    email, password = REFUSALS[case](user_factory)
    argon2_runs.clear()
    answer = api_login(email, password)
    assert argon2_runs == ONE_VERIFY, case
    argon2_runs.clear()
    reference = api_login(GHOST, WRONG)
    assert argon2_runs == ONE_VERIFY
    assert (
        answer
        == reference
        == (
            HTTPStatus.UNAUTHORIZED,
            {"code": "invalid_credentials", "detail": "Invalid email or password"},
            'Bearer realm="api"',
        )
    )


def test_unknown_email_and_wrong_password_answer_alike_at_the_same_argon2_cost(
    known: Any, argon2_runs: Counter[str]
) -> None:
    warm_up()
    argon2_runs.clear()
    unknown = api_login(GHOST, WRONG)
    unknown_runs = Counter(argon2_runs)
    argon2_runs.clear()
    wrong = api_login(known.email, WRONG)
    assert unknown == wrong
    assert unknown_runs == argon2_runs == ONE_VERIFY
    argon2_runs.clear()
    status, _body, _header = api_login(known.email, PASSWORD)  # the spies see a success too
    assert status == HTTPStatus.OK and argon2_runs == ONE_VERIFY


def test_the_first_unknown_email_of_a_process_costs_no_more_argon2_work_than_a_wrong_password(
    known: Any, argon2_runs: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh worker has no dummy hash yet: building it must not add a second Argon2 run.

    Argon2 hashing and verifying each run the KDF once with the same parameters, so the work is
    the number of runs of either.
    """
    monkeypatch.setattr(accounts, "_dummy_hashes", {})  # as in a newly started process
    cold_unknown = api_login(GHOST, WRONG)
    unknown_work = argon2_runs["argon2 verify"] + argon2_runs["django hash"]
    argon2_runs.clear()
    wrong = api_login(known.email, WRONG)
    wrong_work = argon2_runs["argon2 verify"] + argon2_runs["django hash"]
    assert cold_unknown == wrong
    assert unknown_work == wrong_work == 1, (
        f"cold unknown email: {unknown_work} Argon2 runs, wrong password: {wrong_work}"
    )


# --- the device approval page's sign-in form --------------------------------------------------

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def page_sign_in(email: str, password: str) -> tuple[int, str]:
    response = Client().post(SIGN_IN, {"email": email, "password": password, "next": "/device"})
    html = _CSRF.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())
    return response.status_code, html.replace(email, "EMAIL")


def test_the_device_sign_in_form_reads_and_costs_the_same_for_unknown_email_and_wrong_password(
    known: Any, argon2_runs: Counter[str]
) -> None:
    warm_up()
    argon2_runs.clear()
    unknown = page_sign_in(GHOST, WRONG)
    unknown_runs = Counter(argon2_runs)
    argon2_runs.clear()
    wrong = page_sign_in(known.email, WRONG)
    assert unknown_runs == argon2_runs == ONE_VERIFY
    assert unknown[0] == wrong[0] == HTTPStatus.UNAUTHORIZED
    assert "Invalid email or password" in unknown[1]
    assert unknown[1] == wrong[1]
