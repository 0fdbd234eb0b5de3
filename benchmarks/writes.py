"""2. Writes and queries per request, counted with Django's ``CaptureQueriesContext``.

* ``writes_requests`` requests with one never-used token, well inside a minute: ctfy_auth may
  write ``last_used_at`` once (DESIGN §4: at most once a minute per token), so the target is 1.
* A forged token (right prefix and length, wrong checksum): refused before any query, target 0.
* For context, the queries a request costs under every scheme, and what each does with a token
  that does not exist.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.auth_overhead import variants_for
from benchmarks.config import Sizes
from benchmarks.fixtures import create_user
from benchmarks.inproc import environ_for, serve
from benchmarks.report import PartResult, Table, Target
from ctfy_auth import crypto
from ctfy_auth.constants import TokenKind

__all__ = ["forged", "run"]


def _count(captured: list[dict[str, Any]]) -> dict[str, int]:
    kinds = {"SELECT": 0, "UPDATE": 0, "INSERT": 0, "DELETE": 0}
    other = 0
    for query in captured:
        verb = query["sql"].lstrip().split(" ", 1)[0].upper()
        if verb in kinds:
            kinds[verb] += 1
        else:  # SAVEPOINT, BEGIN, ...
            other += 1
    return {**kinds, "other": other, "total": len(captured)}


def forged(kind: str) -> str:
    """A token of ``kind`` with a valid shape and a wrong checksum: what a forger would send."""
    genuine = crypto.generate(kind)
    last = genuine[-1]
    return genuine[:-1] + ("A" if last != "A" else "B")


def _unknown(kind: str) -> str:
    """A well-formed token (valid checksum) that was never issued: costs one indexed SELECT."""
    return crypto.generate(kind)


def run(sizes: Sizes, db: str) -> PartResult:
    started = time.monotonic()
    # A fresh user: its ctfy_auth tokens have never been used (last_used_at is NULL).
    creds = create_user(f"writes-{secrets.token_hex(4)}@bench.example.com", password=None)
    variants = {v.key: v for v in variants_for(creds)}
    n = sizes.writes_requests

    rows = []
    targets = []
    data: dict[str, Any] = {}
    for key in ("e", "d"):
        v = variants[key]
        environ = environ_for(v.path, v.authorization)
        t0 = time.monotonic()
        with CaptureQueriesContext(connection) as ctx:
            for _ in range(n):
                serve(v.view, environ)
        elapsed = time.monotonic() - t0
        counts = _count(ctx.captured_queries)
        data[key] = {"requests": n, "seconds": elapsed, **counts}
        rows.append(
            [
                f"{v.label}, first use, {n:,} requests in {elapsed:.1f} s",
                str(counts["UPDATE"]),
                str(counts["INSERT"] + counts["DELETE"]),
                f"{counts['SELECT'] / n:.2f}",
            ]
        )
        if elapsed < 60:
            targets.append(
                Target(
                    f"{key}: UPDATEs over {n:,} requests in one minute",
                    "= 1",
                    str(counts["UPDATE"]),
                    counts["UPDATE"] == 1,
                )
            )
        else:
            targets.append(
                Target(
                    f"{key}: UPDATEs over {n:,} requests",
                    "= 1 (in a minute)",
                    f"{counts['UPDATE']} (took {elapsed:.0f} s)",
                    None,
                )
            )

    # Every scheme, steady state (the token already used): queries per request.
    steady = min(n, 200)
    for key in ("a", "b", "c", "d", "e"):
        v = variants[key]
        environ = environ_for(v.path, v.authorization)
        serve(v.view, environ)
        with CaptureQueriesContext(connection) as ctx:
            for _ in range(steady):
                serve(v.view, environ)
        counts = _count(ctx.captured_queries)
        data.setdefault("steady", {})[key] = {"requests": steady, **counts}
        rows.append(
            [
                f"{v.label}, token in use, {steady} requests",
                str(counts["UPDATE"]),
                str(counts["INSERT"] + counts["DELETE"]),
                f"{counts['SELECT'] / steady:.2f}",
            ]
        )

    # Credentials that must be refused: queries spent before the refusal.
    refused_rows = []
    bad = {
        "e: forged pf_ (bad checksum)": ("e", f"Bearer {forged(TokenKind.API_TOKEN)}", 403),
        "d: forged pt_ (bad checksum)": ("d", f"Bearer {forged(TokenKind.SESSION)}", 403),
        "e: well-formed pf_, never issued": ("e", f"Bearer {_unknown(TokenKind.API_TOKEN)}", 403),
        "a: unknown DRF key": ("a", f"Token {secrets.token_hex(20)}", 401),
        "b: unknown knox token": ("b", f"Token {secrets.token_hex(32)}", 401),
        "c: unknown OAuth2 token": ("c", f"Bearer {secrets.token_urlsafe(22)}", 401),
    }
    for label, (key, header, status) in bad.items():
        v = variants[key]
        environ = environ_for(v.path, header)
        with CaptureQueriesContext(connection) as ctx:
            serve(v.view, environ, expect=status)
        counts = _count(ctx.captured_queries)
        data.setdefault("refused", {})[label] = {"status": status, **counts}
        refused_rows.append([label, str(status), str(counts["total"])])
    for key in ("e", "d"):
        label = f"{key}: forged p{'f' if key == 'e' else 't'}_ (bad checksum)"
        total = data["refused"][label]["total"]
        targets.append(Target(f"{key}: queries for a forged token", "= 0", str(total), total == 0))

    knox_selects = data["steady"]["b"]["SELECT"] / steady
    part = PartResult(
        name="writes",
        title="2. Writes and queries per request",
        db=db,
        tables=[
            Table(["requests", "UPDATE", "INSERT+DELETE", "SELECT/request"], rows),
            Table(["refused credential", "status", "queries"], refused_rows),
        ],
        targets=targets,
        notes=[
            "Counted with django.test.utils.CaptureQueriesContext on the default connection.",
            f"(b) knox: {knox_selects:g} SELECTs per request; after the token it loads every "
            "other token of the user, to delete expired ones.",
        ],
        data=data,
    )
    part.seconds = time.monotonic() - started
    return part
