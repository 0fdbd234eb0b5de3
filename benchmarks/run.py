"""Run the ctfy_auth benchmarks: ``python -m benchmarks`` (or ``python benchmarks/run.py``).

    python -m benchmarks                      # everything, SQLite and PostgreSQL (minutes)
    python -m benchmarks --quick              # a smoke of every part, SQLite only (< 1 minute)
    python -m benchmarks --only auth,writes --db postgres
    python -m benchmarks --only auth --profile a,e     # plus cProfile of variants (a) and (e)

Prints Markdown tables (medians, ratios, targets met or missed) and writes the results to
``benchmarks/results/<UTC time>-<full|quick>.json``. Exits 1 when a part is broken (an error, a
refused request, a server that does not start), never because a target was missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):  # python benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import reference, server
from benchmarks.config import FULL, QUICK, scale_alias
from benchmarks.context import REPO_ROOT, RunContext
from benchmarks.databases import Postgres, sqlite_url
from benchmarks.loadgen import have_wrk
from benchmarks.report import (
    PartResult,
    loadavg,
    machine_info,
    render_part,
    render_summary,
    write_json,
)

__all__ = ["PARTS", "main"]

PARTS = ("auth", "writes", "login", "scale", "server", "reference")
_IN_PROCESS = ("auth", "writes", "login", "scale")
_TITLES = {
    "auth": "1. Authentication overhead (in process)",
    "writes": "2. Writes and queries per request",
    "login": "3. Sign-in (POST /api/v1/auth/login) vs bare Argon2id",
    "scale": "4. Authentication time by table size",
    "server": "5. Through gunicorn (sync workers), load from another process",
    "reference": "6. Against ctfy 0.7.0: GET /api/v1/auth/tokens with a session",
}
_RESULTS = Path(__file__).resolve().parent / "results"
#: SQLite scale tables survive between runs here, as PostgreSQL's bench_scale_* databases do.
_SQLITE_SCALE_DIR = Path(tempfile.gettempdir()) / "ctfy_bench_scale"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke of every part with tiny sizes, SQLite only, no ctfy server (< ~60 s)",
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated parts to run, of: {', '.join(PARTS)}"
    )
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres", "both"),
        help="databases for the in-process parts (default: both; sqlite with --quick). "
        "Scale, gunicorn and the example project use PostgreSQL when it is included.",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database; the runner uses bench_* databases only",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        help="Redis URL for the servers' cache (with PostgreSQL); 'none' for local memory",
    )
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--ctfy-admin",
        type=Path,
        default=Path(os.environ.get("CTFY_ADMIN", "/tmp/ctfyserver/bin/ctfy-admin")),  # noqa: S108
        help="the reference server's ctfy-admin, from its own venv",
    )
    parser.add_argument("--profile", default="", help="auth variants to cProfile, e.g. a,e")
    parser.add_argument("--results", type=Path, default=_RESULTS, help="where the JSON goes")
    return parser.parse_args(argv)


def _selected(args: argparse.Namespace) -> list[str]:
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(names) - set(PARTS))
        if unknown:
            raise SystemExit(f"unknown part(s): {', '.join(unknown)}; choose from {PARTS}")
        return [p for p in PARTS if p in names]
    # The reference server takes ~20 s to migrate on start: not part of the smoke.
    return [p for p in PARTS if not (args.quick and p == "reference")]


def _reachable(url: str) -> str:
    """'' when the TCP port of ``url`` accepts connections, else why not."""
    parts = urlsplit(url)
    try:
        socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 0), timeout=5
        ).close()
    except OSError as exc:
        return f"{parts.hostname}:{parts.port} is not reachable ({exc})"
    return ""


def _error(name: str, db: str, message: str) -> PartResult:
    return PartResult(name=name, title=_TITLES[name], db=db, status="error", error=message)


def _run_worker(
    ctx: RunContext, db_label: str, parts: list[str], env: dict[str, str], profile: str
) -> list[PartResult]:
    out = ctx.workdir / f"worker-{db_label}.json"
    out.unlink(missing_ok=True)
    cmd = ["--parts", ",".join(parts), "--db-label", db_label, "--out", str(out)]
    cmd += ["--sizes", json.dumps(ctx.sizes.as_dict())]
    if ctx.quick:
        cmd.append("--quick")
    if profile:
        cmd += ["--profile", profile]
    failure = ""
    try:
        ctx.worker(cmd, env)
    except subprocess.CalledProcessError as exc:
        failure = f"the worker process exited with status {exc.returncode}"
    results = [PartResult.from_dict(r) for r in json.loads(out.read_text())] if out.exists() else []
    done = {r.name for r in results}
    results += [
        _error(p, db_label, failure or "the worker returned no result")
        for p in parts
        if p not in done
    ]
    return results


def _in_process(
    ctx: RunContext, selected: list[str], dbs: list[str], profile: str
) -> list[PartResult]:
    results: list[PartResult] = []
    scale_db = "postgres" if "postgres" in dbs else "sqlite"
    for db in dbs:
        parts = [p for p in selected if p in _IN_PROCESS and (p != "scale" or db == scale_db)]
        if not parts:
            continue
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
        env.pop("BENCH_REDIS_URL", None)  # in process: local memory, the same for every variant
        if ctx.credential_cache_url:  # but (f)'s credential cache is shared Redis, as in production
            env["BENCH_CREDENTIAL_CACHE_URL"] = ctx.credential_cache_url
        extra: dict[str, str] = {}
        if db == "postgres":
            assert ctx.postgres is not None
            label = "postgresql"
            try:
                env["BENCH_DATABASE_URL"] = ctx.postgres.create("bench_inprocess", fresh=True)
                if "scale" in parts:
                    for rows in ctx.sizes.scale_sizes:
                        extra[scale_alias(rows)] = ctx.postgres.create(
                            f"bench_scale_{rows}", fresh=False
                        )
            except Exception as exc:  # every part on this database is broken
                results += [_error(p, label, f"PostgreSQL: {exc}") for p in parts]
                continue
        else:
            label = "sqlite"
            path = ctx.workdir / "bench_inprocess.sqlite3"
            try:
                ctx.fresh_sqlite(path)
                env["BENCH_DATABASE_URL"] = sqlite_url(path)
                if "scale" in parts:
                    _SQLITE_SCALE_DIR.mkdir(exist_ok=True)
                    for rows in ctx.sizes.scale_sizes:
                        scale_path = _SQLITE_SCALE_DIR / f"scale_{rows}.sqlite3"
                        if not scale_path.exists():
                            ctx.fresh_sqlite(scale_path)
                        extra[scale_alias(rows)] = sqlite_url(scale_path)
            except Exception as exc:  # every part on this database is broken
                results += [_error(p, label, f"SQLite: {exc}") for p in parts]
                continue
        env["BENCH_EXTRA_DATABASES"] = json.dumps(extra)
        results += _run_worker(ctx, label, parts, env, profile)
    return results


def _run_part(name: str, fn: Callable[[RunContext], PartResult], ctx: RunContext) -> PartResult:
    ctx.say(f"{_TITLES[name]} ...")
    t0 = time.monotonic()
    try:
        result = fn(ctx)
    except Exception:  # reported, and the run exits non-zero
        result = _error(name, "", traceback.format_exc())
    result.seconds = time.monotonic() - t0
    ctx.say(f"{_TITLES[name]}: {result.status} in {result.seconds:.0f} s")
    return result


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.monotonic()
    load_at_start = loadavg()
    selected = _selected(args)
    dbs = {"sqlite": ["sqlite"], "postgres": ["postgres"], "both": ["sqlite", "postgres"]}[
        args.db or ("sqlite" if args.quick else "both")
    ]
    sizes = QUICK if args.quick else FULL
    loadgen = args.loadgen if args.loadgen != "auto" else ("wrk" if have_wrk() else "python")
    redis_url = None if args.redis.lower() == "none" else args.redis

    pre_errors: list[PartResult] = []
    postgres: Postgres | None = None
    pg_version = ""
    if "postgres" in dbs:
        postgres = Postgres(args.postgres)
        problem = _reachable(args.postgres)
        if not problem:
            try:
                pg_version = postgres.version()
            except Exception as exc:  # reported below
                problem = str(exc)
        if problem:
            pre_errors += [_error(p, "postgresql", f"PostgreSQL: {problem}") for p in selected]
            selected = []
        if redis_url and set(selected) & {"server", "reference"}:
            problem = _reachable(redis_url)
            if problem:
                pre_errors += [
                    _error(p, "postgresql", f"Redis: {problem}")
                    for p in selected
                    if p in ("server", "reference")
                ]
                selected = [p for p in selected if p not in ("server", "reference")]
    if set(selected) & {"server", "reference"} and importlib.util.find_spec("gunicorn") is None:
        pre_errors += [
            _error(p, "", "gunicorn is not installed (pip install gunicorn)")
            for p in selected
            if p in ("server", "reference")
        ]
        selected = [p for p in selected if p not in ("server", "reference")]

    workdir = Path(tempfile.mkdtemp(prefix="ctfy-bench-"))
    ctx = RunContext(
        sizes=sizes,
        quick=args.quick,
        workdir=workdir,
        postgres=postgres,
        redis_url=redis_url if postgres is not None else None,
        credential_cache_url=redis_url if redis_url and not _reachable(redis_url) else None,
        loadgen=loadgen,
        ctfy_admin=args.ctfy_admin.absolute(),  # servers start in their own directories
    )
    ctx.say(
        f"ctfy_auth benchmarks ({'quick' if args.quick else 'full'}): "
        f"{', '.join(selected) or 'nothing'} on {', '.join(dbs)}; work files in {workdir}"
    )
    results = list(pre_errors)
    results += _in_process(ctx, selected, dbs, args.profile)
    if "server" in selected:
        results.append(_run_part("server", server.run, ctx))
    if "reference" in selected:
        results.append(_run_part("reference", reference.run, ctx))
    results.sort(key=lambda r: PARTS.index(r.name))

    machine = machine_info(pg_version)
    machine["load_average_at_start"] = load_at_start
    print(f"## ctfy_auth benchmarks ({'quick' if args.quick else 'full'} run)\n")
    print(
        f"Machine: {machine['cpu_model']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM; "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
        + f". Load average (1/5/15 min) at start {load_at_start}, at end "
        + f"{machine['load_average']}.\n"
    )
    for part in results:
        print(render_part(part))
        print()
        for text in part.data.get("profiles", []):
            print("```\n" + text.strip() + "\n```\n")
    print(render_summary(results))
    path = write_json(
        args.results,
        results,
        args={
            "quick": args.quick,
            "parts": selected,
            "db": dbs,
            "loadgen": loadgen,
            "sizes": sizes.as_dict(),
        },
        machine=machine,
    )
    broken = [r for r in results if r.status == "error"]
    print(f"\nResults: {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    print(f"Total: {time.monotonic() - started:.0f} s")
    if broken:
        print(f"BROKEN: {', '.join(r.heading for r in broken)}", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
