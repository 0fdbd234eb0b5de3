"""Server processes that do not outlive the run that started them.

- Each run has one temporary directory, ``ctfy-services-<random>`` under the system's temporary
  folder, holding the servers' data, sockets and logs, and an ``owner.pid`` file. It is removed
  when the run ends. A directory whose owner died without cleaning up (``kill -9``, a power cut)
  is removed, with any server still running in it, by the next run.
- Servers run in their own session, so a Ctrl-C reaches the command under test first and the
  servers are stopped after it, in order. On Linux a server also gets a signal from the kernel
  when the process that started it dies, however it dies.
- PostgreSQL refuses to run as root: as root, servers run as ``nobody`` (or the user named by
  ``CTFY_THROWAWAY_USER``). No user is created and nothing outside the directory is changed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "WORKDIR_PREFIX",
    "RunAs",
    "ServerProcess",
    "ServiceUnavailable",
    "free_port",
    "run_as_for_servers",
    "run_tool",
    "sweep_stale",
    "workdir",
]

WORKDIR_PREFIX = "ctfy-services-"
_OWNER_FILE = "owner.pid"
_PIDS_FILE = "servers.pid"


class ServiceUnavailable(RuntimeError):
    """A throwaway server could not be started; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class RunAs:
    """The unprivileged account servers run as when this process is root."""

    name: str
    uid: int
    gid: int


def run_as_for_servers() -> RunAs | None:
    """``None`` when not root; else the account to drop to (``nobody`` unless configured)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    name = os.environ.get("CTFY_THROWAWAY_USER", "nobody")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ServiceUnavailable(
            f"running as root, and PostgreSQL refuses root; the user {name!r} to run the "
            "throwaway servers as does not exist (set CTFY_THROWAWAY_USER to an unprivileged one)"
        ) from None
    if entry.pw_uid == 0:
        raise ServiceUnavailable(f"CTFY_THROWAWAY_USER={name!r} is root; name an unprivileged user")
    return RunAs(name=name, uid=entry.pw_uid, gid=entry.pw_gid)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (a server that loses a race for it retries)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _inside(pid: int, directory: Path) -> bool:
    """Whether ``pid`` runs in ``directory`` (both servers chdir to their data directory)."""
    try:
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return False
    return cwd == directory or directory in cwd.parents


def sweep_stale(say: Callable[[str], None] | None = None) -> None:
    """Remove the directories (and stop the servers) of runs whose owner process is gone."""
    for path in Path(tempfile.gettempdir()).resolve().glob(f"{WORKDIR_PREFIX}*"):
        try:
            owner = int((path / _OWNER_FILE).read_text())
        except (OSError, ValueError):  # being created right now, or not one of ours
            continue
        if _alive(owner):
            continue
        with contextlib.suppress(OSError, ValueError):
            for line in (path / _PIDS_FILE).read_text().split():
                pid = int(line)
                if _alive(pid) and _inside(pid, path):
                    with contextlib.suppress(OSError):
                        os.killpg(pid, signal.SIGKILL)
        shutil.rmtree(path, ignore_errors=True)
        if say:
            say(f"removed {path}, left behind by a run that died (process {owner})")


@contextlib.contextmanager
def workdir(run_as: RunAs | None, say: Callable[[str], None] | None = None) -> Iterator[Path]:
    """A fresh temporary directory for this run's servers, removed afterwards."""
    sweep_stale(say)
    path = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX)).resolve()
    try:
        (path / _OWNER_FILE).write_text(str(os.getpid()))
        if run_as is not None:
            path.chmod(0o755)  # the servers' own subdirectories stay 0700
        yield path
    finally:
        for _attempt in range(3):  # a server that just died may still be writing
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                break
            time.sleep(0.2)


def _die_with_parent(sig: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to send ``sig`` to the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()

    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, sig)  # PR_SET_PDEATHSIG; runs after the switch of user, which clears it
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec


def run_tool(
    argv: Sequence[str | Path], *, run_as: RunAs | None = None, timeout: float = 120
) -> str:
    """Run a short command (initdb, createdb); its output, or ServiceUnavailable with it."""
    try:
        result = subprocess.run(  # noqa: S603 - our own binaries, no shell
            [str(a) for a in argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            user=run_as.uid if run_as else None,
            group=run_as.gid if run_as else None,
            extra_groups=[] if run_as else None,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServiceUnavailable(f"{Path(argv[0]).name} failed: {exc}") from exc
    if result.returncode != 0:
        raise ServiceUnavailable(
            f"{Path(argv[0]).name} exited with status {result.returncode}:\n"
            f"{result.stdout}{result.stderr}".rstrip()
        )
    return result.stdout


class ServerProcess:
    """One server, started in the foreground (no daemonizing) so that this process owns it."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str | Path],
        *,
        workdir: Path,
        cwd: Path,
        stop_signal: int,
        run_as: RunAs | None = None,
    ) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.workdir = workdir
        self.cwd = cwd
        self.log = workdir / f"{name}.log"
        self.stop_signal = stop_signal
        self.run_as = run_as
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own binaries, no shell
                self.argv,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C is for the command under test, not for us
                preexec_fn=_die_with_parent(self.stop_signal),
                user=self.run_as.uid if self.run_as else None,
                group=self.run_as.gid if self.run_as else None,
                extra_groups=[] if self.run_as else None,
            )
        # What the next run's sweep_stale() stops if this process dies without stopping it.
        with (self.workdir / _PIDS_FILE).open("a") as pids:
            pids.write(f"{self.process.pid}\n")

    def exited(self) -> bool:
        return self.process is None or self.process.poll() is not None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:]) or "(the log is empty)"

    def stop(self, grace: float = 15.0) -> None:
        """Ask the server to stop; after ``grace`` seconds, kill it and everything it forked."""
        process = self.process
        if process is None:
            return
        if process.poll() is not None:
            print(
                f"devservices: the throwaway {self.name} server had exited (status "
                f"{process.returncode}) before the end of the run; the end of its log:\n"
                + self.log_tail(),
                file=sys.stderr,
                flush=True,
            )
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(self.stop_signal)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            # Its session holds every process it forked (PostgreSQL's backends, for one).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
