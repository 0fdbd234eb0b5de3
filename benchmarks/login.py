"""3. Sign-in: ``POST /api/v1/auth/login`` against bare Argon2id verifies with the same parameters.

Variants, interleaved round by round: a bare ``argon2.PasswordHasher.verify`` with the configured
hasher's parameters (the floor: what any sign-in must spend), a login with a known email and its
password, one with an unknown email, and one with a known email and a wrong password. Every call
of ``argon2.PasswordHasher.verify`` is counted per attempt: ctfy_auth promises exactly one for a
known and for an unknown email, so timing cannot tell them apart (DESIGN §6).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import argon2
from django.contrib.auth.hashers import get_hasher
from django.test import Client

from benchmarks.config import Sizes
from benchmarks.fixtures import BENCH_PASSWORD, Credentials
from benchmarks.inproc import BenchmarkError
from benchmarks.report import PartResult, Table, Target, fmt
from benchmarks.stats import interleaved, median, percentile, ratios_by_round

__all__ = ["run"]

_LOGIN = "/api/v1/auth/login"


@dataclass
class _Attempts:
    seconds: list[float] = field(default_factory=list)
    verify_calls: list[int] = field(default_factory=list)


class _VerifyCounter:
    calls = 0


@contextmanager
def _counting_verifies() -> Iterator[type[_VerifyCounter]]:
    """Wrap ``argon2.PasswordHasher.verify`` (which Django's Argon2 hasher calls) to count calls."""
    original = argon2.PasswordHasher.verify

    def verify(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        _VerifyCounter.calls += 1
        return original(self, hash, password)

    argon2.PasswordHasher.verify = verify  # type: ignore[method-assign, assignment]
    try:
        yield _VerifyCounter
    finally:
        argon2.PasswordHasher.verify = original  # type: ignore[method-assign]


def run(creds: Credentials, sizes: Sizes, db: str) -> PartResult:
    started = time.monotonic()
    hasher = get_hasher()
    params = {
        "time_cost": getattr(hasher, "time_cost", None),
        "memory_cost": getattr(hasher, "memory_cost", None),
        "parallelism": getattr(hasher, "parallelism", None),
    }
    if hasher.algorithm != "argon2":
        raise BenchmarkError(f"the default hasher is {hasher.algorithm}, not Argon2")
    bare = argon2.PasswordHasher(**{k: v for k, v in params.items() if v is not None})
    bare_hash = bare.hash(BENCH_PASSWORD)
    client = Client()

    def login(email: str, password: str, expect: int) -> Callable[[], None]:
        body = json.dumps({"email": email, "password": password})

        def attempt() -> None:
            response = client.post(_LOGIN, data=body, content_type="application/json")
            if response.status_code != expect:
                raise BenchmarkError(
                    f"login answered {response.status_code}, expected {expect}: "
                    f"{response.content[:200]!r}"
                )

        return attempt

    def bare_verify() -> None:
        bare.verify(bare_hash, BENCH_PASSWORD)

    actions: dict[str, tuple[str, Callable[[], None]]] = {
        "bare": ("bare Argon2id verify (floor)", bare_verify),
        "known": (
            "login, known email + its password (200)",
            login(creds.email, BENCH_PASSWORD, 200),
        ),
        "unknown": (
            "login, unknown email (401)",
            login(f"nobody-{secrets.token_hex(4)}@bench.example.com", BENCH_PASSWORD, 401),
        ),
        "wrong": (
            "login, known email + wrong password (401)",
            login(creds.email, "not-it-" * 3, 401),
        ),
    }
    attempts = {key: _Attempts() for key in actions}

    with _counting_verifies() as counter:

        def block(key: str) -> Callable[[], float]:
            _label, action = actions[key]

            def run_block() -> float:
                t_block = time.perf_counter()
                for _ in range(sizes.login_attempts):
                    counter.calls = 0
                    t0 = time.perf_counter()
                    action()
                    attempts[key].seconds.append(time.perf_counter() - t0)
                    attempts[key].verify_calls.append(counter.calls)
                return sizes.login_attempts / (time.perf_counter() - t_block)

            return run_block

        for _label, action in actions.values():  # warm-up: the dummy hash, connections
            action()
        throughput = interleaved(sizes.login_rounds, {key: block(key) for key in actions})

    rows = []
    data: dict[str, Any] = {"argon2_parameters": params}
    for key, (label, _action) in actions.items():
        a = attempts[key]
        ms = [s * 1000 for s in a.seconds]
        calls = sorted(set(a.verify_calls))
        vs_bare = median(ratios_by_round(throughput[key], throughput["bare"]))
        rows.append(
            [
                label,
                fmt(median(throughput[key]), 1),
                f"{vs_bare:.2f}x",
                fmt(median(ms), 1),
                fmt(percentile(ms, 90), 1),
                "/".join(str(c) for c in calls),
            ]
        )
        data[key] = {
            "label": label,
            "per_second_by_round": throughput[key],
            "median_per_second": median(throughput[key]),
            "ratio_to_bare": vs_bare,
            "latency_ms": ms,
            "median_ms": median(ms),
            "p90_ms": percentile(ms, 90),
            "verify_calls": a.verify_calls,
        }
    targets = [
        Target(
            f"argon2 verifies per attempt, {name} email",
            "= 1 every attempt",
            "/".join(str(c) for c in sorted(set(attempts[key].verify_calls))),
            set(attempts[key].verify_calls) == {1},
        )
        for key, name in (("known", "known"), ("unknown", "unknown"))
    ]
    gap = abs(median(attempts["known"].seconds) / median(attempts["unknown"].seconds) - 1)
    data["known_vs_unknown_median_gap"] = gap
    part = PartResult(
        name="login",
        title="3. Sign-in (POST /api/v1/auth/login) vs bare Argon2id",
        db=db,
        tables=[
            Table(
                [
                    "attempt",
                    "median per s",
                    "vs bare verify",
                    "median ms",
                    "p90 ms",
                    "argon2 verifies/attempt",
                ],
                rows,
            )
        ],
        targets=targets,
        notes=[
            "Argon2id parameters (Django's Argon2PasswordHasher): "
            + ", ".join(f"{k}={v}" for k, v in params.items())
            + f"; {sizes.login_rounds} interleaved rounds x {sizes.login_attempts} attempts each.",
            "Logins go through Django's test Client (URL routing, middleware, the view, the "
            "limiter with rates too high to refuse); a known email's login also mints a session.",
            f"Known vs unknown email: medians differ by {gap * 100:.1f}%.",
        ],
        data=data,
    )
    part.seconds = time.monotonic() - started
    return part
