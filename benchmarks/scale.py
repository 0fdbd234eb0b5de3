"""4. Scale: authentication time with 10³, 10⁵ and 10⁶ token rows.

One database per size (``scale_<rows>`` aliases, routed by :func:`benchmarks.routers.use_database`)
so the sizes can be interleaved round by round in one process. Tokens are deterministic
(``plaintext(i)``), so a table filled by an earlier run is reused when its row count and its first
and last tokens match; PostgreSQL tables are filled with ``COPY``, others with ``bulk_create`` in
batches. Each round authenticates a random sample of real tokens and times
:func:`ctfy_auth.credentials.resolve_request` alone (parse, checksum, the indexed SELECT joining
the user, the Principal), per request.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import secrets
import sys
import time
import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone

from benchmarks.config import Sizes, scale_alias
from benchmarks.inproc import BenchmarkError, environ_for, request_for
from benchmarks.report import PartResult, Table, Target, fmt
from benchmarks.routers import use_database
from benchmarks.stats import interleaved, median, percentile
from ctfy_auth import crypto
from ctfy_auth.constants import TokenKind
from ctfy_auth.credentials import resolve_request
from ctfy_auth.models import Token

__all__ = ["plaintext", "run"]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PREFIX: dict[str, str] = {TokenKind.API_TOKEN: "pf_", TokenKind.SESSION: "pt_"}
_LABEL = "bench-scale"
_USERS = 1000
#: Re-stamp the sample's last_used_at this often, well inside LAST_USED_UPDATE_SECONDS (60).
_RESTAMP_SECONDS = 20
_PERMISSIONS = {"challenges": "read", "submissions": "write", "profile": "read"}


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def _kind(i: int) -> str:
    return TokenKind.API_TOKEN if i % 2 == 0 else TokenKind.SESSION


def plaintext(i: int) -> str:
    """Token ``i`` of every scale table, in ctfy_auth's format (prefix, 43 base62, CRC32)."""
    seed = int.from_bytes(hashlib.sha256(f"ctfy-bench-scale:{i}".encode()).digest(), "big")
    body = _PREFIX[_kind(i)] + _base62(seed, 43)
    return body + _base62(zlib.crc32(body.encode("ascii")), 6)


def _check_format() -> None:
    for i in (0, 1):
        if crypto.parse_kind(plaintext(i)) != _kind(i):
            raise BenchmarkError("ctfy_auth's token format changed: update benchmarks.scale")


def _is_filled(alias: str, rows: int) -> bool:
    tokens = Token.objects.using(alias)
    if tokens.count() != rows:
        return False
    wanted = {crypto.digest(plaintext(0)), crypto.digest(plaintext(rows - 1))}
    return tokens.filter(digest__in=wanted).count() == len(wanted)


def _token_values(i: int, user_ids: list[str], now: Any) -> dict[str, Any]:
    api = _kind(i) == TokenKind.API_TOKEN
    return {
        "id": secrets.token_urlsafe(12),
        "user_id": user_ids[i % len(user_ids)],
        "kind": _kind(i),
        "label": _LABEL,
        "digest": crypto.digest(plaintext(i)),
        "created_at": now,
        "last_used_at": None,
        "expires_at": now + timedelta(days=3650),
        "revoked_at": None,
        "ip_address": "127.0.0.1",
        "user_agent": "bench",
        "reauthenticated_at": None,
        "rotated_from_id": None,
        "permissions": _PERMISSIONS if api else {},
        "resource_access": "all" if api else "none",
        "resource_ids": [],
    }


def _fill(alias: str, rows: int, progress: Callable[[str], None]) -> None:
    connection = connections[alias]
    User = get_user_model()
    tables = [connection.ops.quote_name(m._meta.db_table) for m in (Token, User)]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        # Raw statements: the ORM's delete() would load every row to honour on_delete.
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - quoted model table names
    users = [
        User(email=f"scale-{i}@bench.example.com", password="!unusable")
        for i in range(min(_USERS, rows))
    ]
    User.objects.using(alias).bulk_create(users, batch_size=1000)
    user_ids = [str(u.pk) for u in users]
    now = timezone.now()
    columns = [str(f.column) for f in Token._meta.concrete_fields]
    expected = set(_token_values(0, user_ids, now))
    if set(columns) != expected:
        raise BenchmarkError(f"Token columns changed: {sorted(columns)} vs {sorted(expected)}")
    batch = 100_000
    started = time.monotonic()
    for start in range(0, rows, batch):
        stop = min(rows, start + batch)
        if connection.vendor == "postgresql":
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
                table = connection.ops.quote_name(Token._meta.db_table)
                with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for i in range(start, stop):
                        values = _token_values(i, user_ids, now)
                        values["permissions"] = json.dumps(values["permissions"])
                        values["resource_ids"] = json.dumps(values["resource_ids"])
                        copy.write_row([values[c] for c in columns])
        else:
            objs = [
                Token(**{k: v for k, v in _token_values(i, user_ids, now).items()})
                for i in range(start, stop)
            ]
            with transaction.atomic(using=alias):
                Token.objects.using(alias).bulk_create(objs, batch_size=2000)
        progress(f"  {alias}: {stop:,}/{rows:,} rows ({time.monotonic() - started:.0f} s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Token._meta.db_table)}")


def _table_size(alias: str) -> str:
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return "-"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [Token._meta.db_table])
        return str(cursor.fetchone()[0])


def _block(
    alias: str, sample: list[int], requests: int, samples: list[float]
) -> Callable[[], float]:
    environs = [environ_for("/bench/scoped", f"Bearer {plaintext(i)}") for i in sample]
    digests = [crypto.digest(plaintext(i)) for i in sample]
    rng = random.Random(alias)  # noqa: S311 - a reproducible order, not a secret
    stamped = [0.0]

    def run_block() -> float:
        with use_database(alias):
            if time.monotonic() - stamped[0] > _RESTAMP_SECONDS:
                # Keep last_used_at fresh: this part times the read path; part 2 counts writes.
                Token.objects.filter(digest__in=digests).update(last_used_at=timezone.now())
                stamped[0] = time.monotonic()
            order = [rng.randrange(len(environs)) for _ in range(requests)]
            pending = [request_for(environs[k]) for k in order]
            gc.collect()
            times = []
            for request in pending:
                t0 = time.perf_counter_ns()
                principal = resolve_request(request)
                t1 = time.perf_counter_ns()
                if principal is None:
                    raise BenchmarkError("a scale token did not authenticate")
                times.append((t1 - t0) / 1000)
        samples.extend(times)
        return median(times)

    return run_block


def run(sizes: Sizes, db: str, progress: Callable[[str], None] | None = None) -> PartResult:
    say = progress or (lambda message: print(message, file=sys.stderr, flush=True))
    started = time.monotonic()
    _check_format()
    info: dict[int, dict[str, Any]] = {}
    for rows in sizes.scale_sizes:
        alias = scale_alias(rows)
        if alias not in settings.DATABASES:
            raise BenchmarkError(f"no database {alias!r}: run through benchmarks.run")
        call_command("migrate", database=alias, verbosity=0)
        t0 = time.monotonic()
        reused = _is_filled(alias, rows)
        if not reused:
            say(f"  filling {alias} with {rows:,} tokens")
            _fill(alias, rows, say)
        info[rows] = {"reused": reused, "fill_seconds": time.monotonic() - t0}

    samples: dict[int, list[float]] = {rows: [] for rows in sizes.scale_sizes}
    blocks = {}
    rng = random.Random(7)  # noqa: S311 - a reproducible sample, not a secret
    for rows in sizes.scale_sizes:
        sample = rng.sample(range(rows), min(rows, sizes.scale_sample))
        block = _block(scale_alias(rows), sample, sizes.scale_requests, samples[rows])
        block()  # warm-up round: connection, buffer cache, last_used_at
        samples[rows].clear()
        blocks[str(rows)] = block
    per_round = interleaved(sizes.scale_rounds, blocks)

    smallest, largest = min(sizes.scale_sizes), max(sizes.scale_sizes)
    base = percentile(samples[smallest], 50)
    rows_out = []
    data: dict[str, Any] = {}
    for rows in sizes.scale_sizes:
        s = samples[rows]
        p50, p99 = percentile(s, 50), percentile(s, 99)
        rows_out.append(
            [
                f"{rows:,}",
                _table_size(scale_alias(rows)),
                fmt(p50, 1),
                fmt(p99, 1),
                f"{p50 / base:.2f}x",
                "reused"
                if info[rows]["reused"]
                else f"filled in {info[rows]['fill_seconds']:.0f} s",
            ]
        )
        data[str(rows)] = {
            "p50_us": p50,
            "p90_us": percentile(s, 90),
            "p99_us": p99,
            "round_medians_us": per_round[str(rows)],
            "median_of_round_medians_us": median(per_round[str(rows)]),
            "requests": len(s),
            **info[rows],
        }
    ratio = percentile(samples[largest], 50) / base
    part = PartResult(
        name="scale",
        title="4. Authentication time by table size",
        db=db,
        tables=[
            Table(
                ["token rows", "table+indexes", "p50 µs", "p99 µs", "p50 vs smallest", "data"],
                rows_out,
            )
        ],
        targets=[
            Target(
                f"p50 at {largest:,} rows vs {smallest:,}",
                "≤ 1.30x",
                f"{ratio:.2f}x",
                ratio <= 1.3,
            )
        ],
        notes=[
            f"{sizes.scale_rounds} interleaved rounds x {sizes.scale_requests} authentications per "
            f"size, each with one of {sizes.scale_sample} random tokens of the table (half pf_, "
            "half pt_); timed: resolve_request() alone (parse, checksum, the SELECT, the "
            "Principal), never a write: the sample's last_used_at is kept fresh between blocks.",
        ],
        data=data,
    )
    part.seconds = time.monotonic() - started
    return part
