"""``python -m devservices``: run a command with PostgreSQL and Redis, throwaway ones if need be.

    python -m devservices run [--postgres VAR[=URL]] [--redis VAR[=URL]] [--durable] -- COMMAND ...
    python -m devservices status [--postgres VAR[=URL]] [--redis VAR[=URL]]
    python -m devservices requirements
    python -m devservices sweep

``run`` exports each service's URL in its variable for COMMAND, exits with COMMAND's status,
and stops the throwaway servers at the end, also after a failure, Ctrl-C or SIGTERM.
Defaults: ``--postgres DATABASE_URL=postgres://postgres@127.0.0.1:5432/test --redis
REDIS_URL=redis://127.0.0.1:6379/1``; ``--postgres none`` or ``--redis none`` leaves one out.
``CTFY_THROWAWAY_SERVICES=1`` uses throwaway servers even where configured ones answer.
``status`` says what ``run`` would use, starting nothing. ``requirements`` prints the
``services`` extra of pyproject.toml (the packages that ship the server binaries), one a line.
``sweep`` removes the directories and servers of runs that were killed (``kill -9``) before they
could clean up; every ``run`` does it first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

from devservices.probe import postgres_problem, redis_problem
from devservices.processes import sweep_stale
from devservices.resolve import (
    DEFAULT_POSTGRES,
    DEFAULT_REDIS,
    FORCE_VARIABLE,
    ServiceUnavailable,
    Terminated,
    Wanted,
    forced,
    running,
    say,
    signals_ignored,
)


def _parse_wanted(text: str, default: Wanted) -> Wanted | None:
    if text.lower() == "none":
        return None
    variable, sep, url = text.partition("=")
    if not variable.isidentifier():
        raise argparse.ArgumentTypeError(f"{text!r}: expected VARIABLE or VARIABLE=URL")
    return Wanted(variable, url if sep else default.default)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devservices", description=(__doc__ or "").split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("run", "run COMMAND with the services' URLs in its environment"),
        ("status", "say which servers `run` would use, starting nothing"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument(
            "--postgres",
            default=DEFAULT_POSTGRES,
            type=lambda t: _parse_wanted(t, DEFAULT_POSTGRES),
            metavar="VAR[=URL]",
            help=f"default {DEFAULT_POSTGRES.variable}={DEFAULT_POSTGRES.default}; "
            "'none': no PostgreSQL",
        )
        sub.add_argument(
            "--redis",
            default=DEFAULT_REDIS,
            type=lambda t: _parse_wanted(t, DEFAULT_REDIS),
            metavar="VAR[=URL]",
            help=f"default {DEFAULT_REDIS.variable}={DEFAULT_REDIS.default}; 'none': no Redis",
        )
        if name == "run":
            sub.add_argument(
                "--durable",
                action="store_true",
                help="a throwaway PostgreSQL with fsync on, as a real one (for measurements)",
            )
            sub.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND ...")
    commands.add_parser("requirements", help="print the packages of the `services` extra")
    commands.add_parser(
        "sweep", help="remove what runs that were killed left behind (every run does it too)"
    )
    return parser


def _status(postgres: Wanted | None, redis: Wanted | None) -> int:
    for name, wanted, probe in (
        ("PostgreSQL", postgres, postgres_problem),
        ("Redis", redis, redis_problem),
    ):
        if wanted is None:
            continue
        url = wanted.configured(os.environ)
        if forced():
            say(f"{name}: a throwaway server ({FORCE_VARIABLE}=1)")
        elif problem := probe(url):
            say(f"{name}: a throwaway server ({problem}; {wanted.variable})")
        else:
            say(f"{name}: the running server at {url} ({wanted.variable})")
    return 0


def _requirements() -> int:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    with pyproject.open("rb") as f:
        extras = tomllib.load(f)["project"]["optional-dependencies"]
    print("\n".join(extras["services"]))
    return 0


def _stop(child: subprocess.Popen[bytes], wait_first: float) -> int:
    """Stop COMMAND: give it ``wait_first`` seconds, then SIGINT (to tox, pytest and Python
    programs: stop cleanly), then SIGTERM, then SIGKILL."""
    for sig, timeout in (
        (None, wait_first),
        (signal.SIGINT, 30.0),
        (signal.SIGTERM, 10.0),
        (signal.SIGKILL, None),
    ):
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            return child.wait(timeout=timeout)
    return child.wait()  # pragma: no cover - SIGKILL always ends it


def _wait(child: subprocess.Popen[bytes]) -> int:
    """COMMAND's exit status, or 128 + N when signal N interrupted this run (as shells say)."""
    try:
        code = child.wait()
    except (KeyboardInterrupt, Terminated) as exc:
        sig = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
        say(f"interrupted ({signal.Signals(sig).name}); stopping the command, then the servers")
        with signals_ignored():
            # A Ctrl-C in a terminal reached COMMAND too (one process group): let it stop on its
            # own first. A signal sent to this process alone did not: pass on a SIGINT.
            _stop(child, wait_first=2.0 if sig == signal.SIGINT else 0.0)
        return 128 + sig
    return 128 - code if code < 0 else code


def _run(postgres: Wanted | None, redis: Wanted | None, argv: list[str], durable: bool) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        say("nothing to run: python -m devservices run [options] -- COMMAND ...")
        return 2
    try:
        with running(postgres, redis, durable=durable) as env:
            child = subprocess.Popen(argv, env={**os.environ, **env})  # noqa: S603
            return _wait(child)
    except ServiceUnavailable as exc:
        say(f"cannot start a throwaway server: {exc}")
        return 3
    except KeyboardInterrupt:  # while the servers were starting
        return 128 + signal.SIGINT
    except Terminated as exc:
        return 128 + exc.signum


def main(args: list[str] | None = None) -> int:
    options = _parser().parse_args(args)
    if options.command == "requirements":
        return _requirements()
    if options.command == "sweep":
        sweep_stale(say)
        return 0
    if options.command == "status":
        return _status(options.postgres, options.redis)
    return _run(options.postgres, options.redis, options.argv, options.durable)


if __name__ == "__main__":
    sys.exit(main())
