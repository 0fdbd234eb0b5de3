"""6. Against the reference platform: the ctfy 0.7.0 server and our example project.

Both serve the same wire contract. On each, a user registers (``POST /api/v1/auth/register``) and
its ``pt_`` session lists its tokens (``GET /api/v1/auth/tokens``) under load, one server at a
time, interleaved round by round. ctfy runs as ``ctfy-admin server start`` (one uvicorn worker,
its SQLite database in a throwaway directory); the example project under gunicorn with one sync
worker, on SQLite and, when PostgreSQL is in the run, on PostgreSQL + Redis.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from functools import partial

from benchmarks.context import REPO_ROOT, RunContext
from benchmarks.databases import sqlite_url
from benchmarks.loadgen import LoadResult, run_python
from benchmarks.report import PartResult, Table, Target, fmt
from benchmarks.server import load
from benchmarks.servers import Server, free_port, http_json, rss_kib, start, stop, wait_ready
from benchmarks.stats import interleaved, median, ratios_by_round

__all__ = ["run"]

_PATH = "/api/v1/auth/tokens"
_PASSWORD = "bench-correct-horse-battery"
_CTFY = "ctfy"


def _register(server: Server) -> str:
    email = f"bench-{secrets.token_hex(4)}@example.com"
    status, body = http_json(
        "POST", server.base_url + "/api/v1/auth/register", {"email": email, "password": _PASSWORD}
    )
    if (
        status != 200
        or not isinstance(body, dict)
        or not str(body.get("token", "")).startswith("pt_")
    ):
        raise RuntimeError(f"{server.name}: register answered {status}: {body}")
    return f"Bearer {body['token']}"


def _start_ctfy(ctx: RunContext) -> Server:
    root = ctx.workdir / "ctfy-server"
    if root.exists():
        shutil.rmtree(root)
    for sub in ("project", "challenges", "config"):
        (root / sub).mkdir(parents=True)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CTFY_", "DJANGO_", "BENCH_"))},
        "CTFY_DB_PATH": str(root / "ctfy.db"),
        "CTFY_PROJECT_ROOT": str(root / "project"),
        "CTFY_CHALLENGES_DIR": str(root / "challenges"),
        "CTFY_SECRET_KEY": secrets.token_urlsafe(32),
        "CTFY_CONFIG_HOME": str(root / "config"),
    }
    cmd = [str(ctx.ctfy_admin), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    return start(_CTFY, cmd, env=env, cwd=root, port=port, log=ctx.workdir / "ctfy-server.log")


def _start_example(ctx: RunContext, label: str, database_url: str) -> Server:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BENCH_"))},
        "DATABASE_URL": database_url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    if ctx.redis_url:
        env["REDIS_URL"] = ctx.redis_url
    else:
        env.pop("REDIS_URL", None)
    project = REPO_ROOT / "example_project"
    subprocess.run(  # noqa: S603 - this interpreter, the example project's manage.py
        [ctx.python, "manage.py", "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=project,
        check=True,
    )
    port = free_port()
    cmd = [ctx.python, "-m", "gunicorn", "config.wsgi:application", "--workers", "1"]
    cmd += ["--bind", f"127.0.0.1:{port}", "--worker-class", "sync", "--log-level", "warning"]
    log = ctx.workdir / f"example-{label}.log"
    return start(f"example project ({label})", cmd, env=env, cwd=project, port=port, log=log)


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.1f} MiB"


def run(ctx: RunContext) -> PartResult:
    started = time.monotonic()
    title = "6. Against ctfy 0.7.0: GET /api/v1/auth/tokens with a session"
    if not ctx.ctfy_admin.exists():
        return PartResult(
            name="reference",
            title=title,
            status="skipped",
            error=(
                f"{ctx.ctfy_admin} does not exist. Install the reference server into its own "
                "venv: python3 -m venv /tmp/ctfyserver && /tmp/ctfyserver/bin/pip install "
                '"ctfy[server]==0.7.0" (or pass --ctfy-admin PATH).'
            ),
        )
    servers: dict[str, Server] = {}
    try:
        servers[_CTFY] = _start_ctfy(ctx)
        ours: list[str] = []
        sqlite_path = ctx.workdir / "bench_example.sqlite3"
        sqlite_path.unlink(missing_ok=True)
        servers["ours-sqlite"] = _start_example(ctx, "sqlite", sqlite_url(sqlite_path))
        ours.append("ours-sqlite")
        if ctx.postgres is not None:
            url = ctx.postgres.create("bench_example", fresh=True)
            servers["ours-postgres"] = _start_example(ctx, "postgresql + redis", url)
            ours.append("ours-postgres")
        ready = {}
        for key, server in servers.items():
            # ctfy migrates its fresh database on start (about 20 s on a small machine).
            ready[key] = wait_ready(server, "/api/v1/auth/providers", timeout=240)
        headers = {key: _register(server) for key, server in servers.items()}
        for key, server in servers.items():
            status, body = http_json(
                "GET", server.base_url + _PATH, headers={"Authorization": headers[key]}
            )
            if status != 200:
                raise RuntimeError(f"{server.name}: GET {_PATH} answered {status}: {body}")
        rss_before = {key: rss_kib(s.process.pid) for key, s in servers.items()}
        for key, server in servers.items():  # warm-up
            result = run_python(server.base_url + _PATH, headers[key], requests=500, connections=2)
            if result.errors:
                raise RuntimeError(f"{server.name}: warm-up errors {result}")
        blocks: dict[str, Callable[[], LoadResult]] = {
            key: partial(
                load, ctx, server.base_url + _PATH, headers[key], ctx.sizes.reference_seconds
            )
            for key, server in servers.items()
        }
        results = interleaved(
            ctx.sizes.reference_rounds,
            blocks,
            on_block=lambda r, name, res: ctx.say(f"  round {r + 1} {name}: {res.rps:,.0f} req/s"),
        )
        rss_after = {key: rss_kib(s.process.pid) for key, s in servers.items()}
    except RuntimeError as exc:
        failed = [s for s in servers.values() if s.process.poll() is not None]
        reason = str(exc)
        if failed:
            reason += "".join(f"\n{s.name} exited with {s.process.returncode}" for s in failed)
        raise RuntimeError(reason) from exc
    finally:
        for server in servers.values():
            stop(server)

    rps = {key: [r.rps for r in rs] for key, rs in results.items()}
    rows = []
    data: dict[str, object] = {"loadgen": ctx.loadgen, "startup_seconds": ready}
    for key, server in servers.items():
        vs = median(ratios_by_round(rps[key], rps[_CTFY]))
        rows.append(
            [
                server.name,
                fmt(median(rps[key])),
                fmt(median([r.p50_ms for r in results[key]]), 2),
                fmt(median([r.p99_ms for r in results[key]]), 2),
                f"{vs:.2f}x",
                str(len(rss_after[key]) - 1),
                _mib(rss_before[key]["total"]),
                _mib(rss_after[key]["total"]),
            ]
        )
        data[key] = {
            "rps_by_round": rps[key],
            "median_rps": median(rps[key]),
            "ratio_to_ctfy": vs,
            "rss_kib_before": rss_before[key],
            "rss_kib_after": rss_after[key],
            "blocks": [r.as_dict() for r in results[key]],
        }
    targets = []
    for key in ours:
        vs = median(ratios_by_round(rps[key], rps[_CTFY]))
        name = servers[key].name
        targets.append(Target(f"{name} throughput vs ctfy", "≥ 1.50x", f"{vs:.2f}x", vs >= 1.5))
        mine, theirs = rss_after[key]["total"], rss_after[_CTFY]["total"]
        targets.append(
            Target(
                f"{name} RSS vs ctfy",
                "lower",
                f"{_mib(mine)} vs {_mib(theirs)}",
                mine < theirs,
            )
        )
    return PartResult(
        name="reference",
        title=title,
        db="ctfy: sqlite; ours: "
        + ", ".join(servers[k].name.split("(")[1].rstrip(")") for k in ours),
        tables=[
            Table(
                [
                    "server",
                    "median req/s",
                    "p50 ms",
                    "p99 ms",
                    "ratio to ctfy",
                    "processes",
                    "RSS before",
                    "RSS after",
                ],
                rows,
            )
        ],
        targets=targets,
        notes=[
            f"Load: {ctx.loadgen}, {ctx.sizes.server_concurrency} connections, "
            f"{ctx.sizes.reference_rounds} interleaved rounds x {ctx.sizes.reference_seconds:g} s "
            "per server, after 500 warm-up requests each.",
            "RSS: VmRSS summed over the server's processes (ctfy: the ctfy-admin process that "
            "runs uvicorn; ours: gunicorn's master and its worker), before the warm-up and after "
            "the last round.",
            "ctfy keeps connections alive (uvicorn); gunicorn's sync worker closes each one.",
        ],
        data=data,
        seconds=time.monotonic() - started,
    )
