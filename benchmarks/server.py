"""5. Through a real server: gunicorn with 1 and 2 workers, loaded from another process.

The benchmark project (``benchmarks.wsgi``: the trivial endpoints plus ctfy_auth's URLs) runs
under gunicorn's default sync workers on PostgreSQL + Redis (SQLite + local memory with
``--db sqlite``). Both servers run side by side; the load generator drives one server and one
endpoint at a time, (a) DRF's ``TokenAuthentication`` and (e) a ctfy_auth API token with
``HasScopes``, interleaved round by round. Resident memory (VmRSS of the master and every
worker) is read before and after ``server_rss_requests`` requests.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from functools import partial

from benchmarks.context import REPO_ROOT, RunContext
from benchmarks.databases import sqlite_url
from benchmarks.loadgen import LoadResult, run_python, run_wrk
from benchmarks.report import PartResult, Table, fmt
from benchmarks.servers import Server, free_port, http_json, rss_kib, start, stop, wait_ready
from benchmarks.stats import interleaved, median, ratios_by_round

__all__ = ["load", "run"]

_WORKERS = (1, 2)
_ENDPOINTS = {"a": "/bench/drf", "e": "/bench/scoped"}
_LABELS = {"a": "(a) DRF TokenAuthentication", "e": "(e) ctfy_auth pf_ + HasScopes"}


def load(ctx: RunContext, url: str, header: str | None, seconds: float) -> LoadResult:
    """One timed block of load with the configured generator; refuses a block with errors."""
    connections = ctx.sizes.server_concurrency
    if ctx.loadgen == "wrk":
        result = run_wrk(url, header, seconds=seconds, connections=connections)
    else:
        result = run_python(url, header, seconds=seconds, connections=connections)
    if result.errors or not result.requests:
        raise RuntimeError(f"{url}: {result.errors} errors in {result.requests} requests: {result}")
    return result


def _kib(value: float) -> str:
    return f"{value / 1024:,.1f} MiB"


def run(ctx: RunContext) -> PartResult:
    started = time.monotonic()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(REPO_ROOT),
    }
    if ctx.postgres is not None:
        env["BENCH_DATABASE_URL"] = ctx.postgres.create("bench_server", fresh=True)
        if ctx.redis_url:
            env["BENCH_REDIS_URL"] = ctx.redis_url
        db = "postgresql + redis" if ctx.redis_url else "postgresql"
    else:
        db_file = ctx.workdir / "bench_server.sqlite3"
        ctx.fresh_sqlite(db_file)
        env["BENCH_DATABASE_URL"] = sqlite_url(db_file)
        env.pop("BENCH_REDIS_URL", None)
        db = "sqlite + local memory"
    creds_path = ctx.workdir / "server-credentials.json"
    quick = ["--quick"] if ctx.quick else []
    sizes = json.dumps(ctx.sizes.as_dict())
    ctx.worker(["--setup-server", "--out", str(creds_path), "--sizes", sizes, *quick], env)
    creds = json.loads(creds_path.read_text())
    headers = {"a": creds["drf"], "e": creds["scoped"]}

    servers: dict[int, Server] = {}
    try:
        for workers in _WORKERS:
            port = free_port()
            cmd = [ctx.python, "-m", "gunicorn", "benchmarks.wsgi:application"]
            cmd += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
            cmd += ["--worker-class", "sync", "--timeout", "120", "--log-level", "warning"]
            log = ctx.workdir / f"gunicorn-{workers}w.log"
            servers[workers] = start(
                f"gunicorn ({workers} worker{'s' if workers > 1 else ''})",
                cmd,
                env=env,
                cwd=REPO_ROOT,
                port=port,
                log=log,
            )
        for server in servers.values():
            wait_ready(server, "/bench/anonymous", timeout=60)
            for key, path in _ENDPOINTS.items():
                status, body = http_json(
                    "GET", server.base_url + path, headers={"Authorization": headers[key]}
                )
                if status != 200:
                    raise RuntimeError(f"{server.name} {path}: HTTP {status} {body}")

        rss: dict[int, dict[str, dict[str, int]]] = {}
        per_endpoint = ctx.sizes.server_rss_requests // len(_ENDPOINTS)
        for workers, server in servers.items():
            before = rss_kib(server.process.pid)
            for key, path in _ENDPOINTS.items():
                result = run_python(
                    server.base_url + path,
                    headers[key],
                    requests=per_endpoint,
                    connections=ctx.sizes.server_concurrency,
                )
                if result.errors:
                    raise RuntimeError(f"{server.name} {path}: {result}")
            rss[workers] = {"before": before, "after": rss_kib(server.process.pid)}
            ctx.say(
                f"  {server.name}: RSS {_kib(before['total'])} → "
                f"{_kib(rss[workers]['after']['total'])} after "
                f"{per_endpoint * len(_ENDPOINTS):,} requests"
            )

        blocks: dict[str, Callable[[], LoadResult]] = {}
        for workers, server in servers.items():
            for key, path in _ENDPOINTS.items():
                url, header = server.base_url + path, headers[key]
                blocks[f"{key}/{workers}"] = partial(
                    load, ctx, url, header, ctx.sizes.server_seconds
                )
        results = interleaved(
            ctx.sizes.server_rounds,
            blocks,
            on_block=lambda r, name, res: ctx.say(f"  round {r + 1} {name}: {res.rps:,.0f} req/s"),
        )
    finally:
        for server in servers.values():
            stop(server)

    rps = {name: [r.rps for r in rs] for name, rs in results.items()}
    rows = []
    data: dict[str, object] = {"loadgen": ctx.loadgen, "rss_kib": rss}
    for key in _ENDPOINTS:
        for workers in _WORKERS:
            name = f"{key}/{workers}"
            scaling = median(ratios_by_round(rps[name], rps[f"{key}/1"]))
            vs_a = median(ratios_by_round(rps[name], rps[f"a/{workers}"]))
            rows.append(
                [
                    _LABELS[key],
                    str(workers),
                    fmt(median(rps[name])),
                    fmt(median([r.p50_ms for r in results[name]]), 2),
                    fmt(median([r.p99_ms for r in results[name]]), 2),
                    f"{scaling:.2f}x",
                    f"{vs_a:.2f}x",
                ]
            )
            data[name] = {
                "rps_by_round": rps[name],
                "median_rps": median(rps[name]),
                "scaling_vs_1_worker": scaling,
                "ratio_to_a": vs_a,
                "blocks": [r.as_dict() for r in results[name]],
            }
    rss_rows = []
    for workers in _WORKERS:
        before, after = rss[workers]["before"], rss[workers]["after"]
        processes = len(after) - 1
        rss_rows.append(
            [
                str(workers),
                str(processes),
                _kib(before["total"]),
                _kib(after["total"]),
                _kib(after["total"] - before["total"]),
            ]
        )
    return PartResult(
        name="server",
        title="5. Through gunicorn (sync workers), load from another process",
        db=db,
        tables=[
            Table(
                [
                    "endpoint",
                    "workers",
                    "median req/s",
                    "p50 ms",
                    "p99 ms",
                    "vs 1 worker",
                    "ratio to (a)",
                ],
                rows,
            ),
            Table(
                [
                    "workers",
                    "processes",
                    "RSS before",
                    f"RSS after {ctx.sizes.server_rss_requests:,} requests",
                    "growth",
                ],
                rss_rows,
                title="VmRSS of gunicorn's master and workers",
            ),
        ],
        notes=[
            f"Load: {ctx.loadgen}, {ctx.sizes.server_concurrency} connections, "
            f"{ctx.sizes.server_rounds} interleaved rounds x {ctx.sizes.server_seconds:g} s per "
            "server and endpoint; the generator shares the machine's cores with the server.",
            "gunicorn's sync workers close every connection, so each request opens a new TCP "
            "connection (loopback).",
        ],
        data=data,
        seconds=time.monotonic() - started,
    )
