"""The example project under ``runserver`` on a free port with a fresh SQLite database.

Shared by the black-box suites (``tests/contract``, ``tests/fuzz``), which run without
pytest-django and talk HTTP to it. Failures to start are test failures with the server's log,
never skips.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["MANAGE", "ROOT", "Example", "running_example", "running_examples", "tail"]

ROOT = Path(__file__).resolve().parents[1]
MANAGE = ROOT / "example_project" / "manage.py"
STARTUP_TIMEOUT_S = 30.0
#: Inherited settings that would point the example project elsewhere than its defaults.
_DROPPED_ENV = (
    "REDIS_URL",
    "CTFY_CREDENTIAL_CACHE",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "CTFY_NUM_PROXIES",
)


@dataclass
class Example:
    url: str
    env: dict[str, str]
    log: Path

    def manage(self, *args: str) -> str:
        """Run ``manage.py`` against the server's database; fail the test on a non-zero exit."""
        result = subprocess.run(
            [sys.executable, str(MANAGE), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(
                f"manage.py {' '.join(args[:2])} exited {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}",
                pytrace=False,
            )
        return result.stdout


def tail(path: Path, lines: int = 80) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no server log: {exc})"
    return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(proc: subprocess.Popen[bytes], probe: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"the example project exited with {proc.returncode} before answering "
                f"{probe}; server log:\n{tail(log)}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"the example project did not answer {probe} within {STARTUP_TIMEOUT_S:.0f} s; "
                f"server log:\n{tail(log)}",
                pytrace=False,
            )
        time.sleep(0.1)


@contextmanager
def running_example(tmp: Path, **extra_env: str) -> Iterator[Example]:
    """Migrate a fresh database in ``tmp``, serve it, and stop the server afterwards."""
    with running_examples(tmp, 1, **extra_env) as (example,):
        yield example


@contextmanager
def running_examples(
    tmp: Path,
    count: int,
    *,
    per_server: Sequence[Mapping[str, str]] = (),
    **extra_env: str,
) -> Iterator[tuple[Example, ...]]:
    """``count`` server processes of the example project on one fresh database in ``tmp``.

    ``per_server[n]`` adds environment variables for server ``n`` only (for example a
    ``REDIS_URL`` that nothing listens on, for a process cut off from the cache).
    """
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DJANGO_DEBUG="0",
        PYTHONUNBUFFERED="1",
        **extra_env,
    )
    examples = []
    for n in range(count):
        port = _free_port()
        log = tmp / ("server.log" if count == 1 else f"server-{n}.log")
        own = {**env, **(per_server[n] if n < len(per_server) else {})}
        examples.append(Example(url=f"http://127.0.0.1:{port}", env=own, log=log))
    examples[0].manage("migrate", "--noinput")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for example in examples:
            port = example.url.rsplit(":", 1)[1]
            with example.log.open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            str(MANAGE),
                            "runserver",
                            f"127.0.0.1:{port}",
                            "--noreload",
                        ],
                        cwd=ROOT,
                        env=example.env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        for proc, example in zip(procs, examples, strict=True):
            _wait_until_up(proc, f"{example.url}/api/v1/auth/providers", example.log)
        yield tuple(examples)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
