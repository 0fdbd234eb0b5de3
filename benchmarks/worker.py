"""The in-process benchmarks, run by ``benchmarks.run`` in a child process per database.

Django's settings are process-wide, so each database gets its own process; the parent passes the
database in ``BENCH_DATABASE_URL`` (and the scale databases in ``BENCH_EXTRA_DATABASES``) and
reads the results back from the JSON file named by ``--out``.

    python -m benchmarks.worker --db-label sqlite --parts auth,writes,login --out r.json
    python -m benchmarks.worker --setup-server --out credentials.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.fixtures import Credentials

__all__ = ["main"]

IN_PROCESS_PARTS = ("auth", "writes", "login", "scale")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _setup(background: int) -> Credentials:
    """Migrate the default database and create the benchmark user (and its neighbours)."""
    from django.core.management import call_command

    from benchmarks.fixtures import create_background, create_user

    t0 = time.monotonic()
    call_command("migrate", verbosity=0)
    creds = create_user(f"bench-{os.getpid()}-{int(time.time())}@bench.example.com")
    create_background(background)
    _say(f"  database ready in {time.monotonic() - t0:.1f} s ({background} background users)")
    return creds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    parser.add_argument("--out", type=Path, help="where the results (or credentials) go")
    parser.add_argument("--parts", default=",".join(IN_PROCESS_PARTS))
    parser.add_argument("--db-label", default="")
    parser.add_argument("--sizes", default="{}", help="JSON of benchmarks.config.Sizes")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", default="", help="auth variants to profile, e.g. a,e")
    parser.add_argument(
        "--setup-server",
        action="store_true",
        help="only migrate and create the server benchmark's user; write its credentials",
    )
    parser.add_argument(
        "--migrate-only", action="store_true", help="only migrate the default database"
    )
    args = parser.parse_args(argv)
    if args.out is None and not args.migrate_only:
        parser.error("--out is required")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()

    if args.migrate_only:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return 0

    from benchmarks.config import FULL, QUICK, Sizes
    from benchmarks.report import PartResult

    base = QUICK if args.quick else FULL
    raw = json.loads(args.sizes)
    sizes = Sizes.from_dict({**base.as_dict(), **raw}) if raw else base

    if args.setup_server:
        args.out.write_text(json.dumps(_setup(sizes.background_users).as_dict()))
        return 0

    from benchmarks import auth_overhead, login, scale, writes

    parts = [p for p in args.parts.split(",") if p]
    unknown = set(parts) - set(IN_PROCESS_PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    results: list[PartResult] = []
    creds_or_error: Credentials | None = None
    setup_error = ""
    if set(parts) & {"auth", "writes", "login"}:
        try:
            creds_or_error = _setup(sizes.background_users)
        except Exception:  # reported as the parts' error, the run goes on
            setup_error = traceback.format_exc()

    profile = tuple(k for k in args.profile.split(",") if k)
    runners: dict[str, Callable[[], PartResult]] = {}
    if creds_or_error is not None:
        creds = creds_or_error
        runners = {
            "auth": lambda: auth_overhead.run(creds, sizes, args.db_label, profile),
            "writes": lambda: writes.run(sizes, args.db_label),
            "login": lambda: login.run(creds, sizes, args.db_label),
        }
    runners["scale"] = lambda: scale.run(sizes, args.db_label, _say)

    titles = {
        "auth": "1. Authentication overhead (in process)",
        "writes": "2. Writes and queries per request",
        "login": "3. Sign-in (POST /api/v1/auth/login) vs bare Argon2id",
        "scale": "4. Authentication time by table size",
    }
    for name in parts:
        _say(f"[{args.db_label}] {titles[name]} ...")
        t0 = time.monotonic()
        if name not in runners:
            result = PartResult(
                name=name, title=titles[name], db=args.db_label, status="error", error=setup_error
            )
        else:
            try:
                result = runners[name]()
            except Exception:  # one broken part must not hide the others
                result = PartResult(
                    name=name,
                    title=titles[name],
                    db=args.db_label,
                    status="error",
                    error=traceback.format_exc(),
                )
        result.seconds = time.monotonic() - t0
        results.append(result)
        _say(f"[{args.db_label}] {titles[name]}: {result.status} in {result.seconds:.1f} s")
        args.out.write_text(json.dumps([r.to_dict() for r in results]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
