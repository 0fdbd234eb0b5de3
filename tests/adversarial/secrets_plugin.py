"""Session-wide check that no token secret ever reaches a log record.

Registered in ``tests/conftest.py`` (``pytest_plugins``). For the whole session it

* wraps :func:`ctfy_auth.crypto.generate` (every ``pt_``/``pf_``/``po_``/``pr_`` token),
  :func:`ctfy_auth.crypto.generate_device_code` and
  :func:`ctfy_auth.crypto.generate_client_secret` (OAuth client secrets)
  (same arguments, same return value) and records every plaintext they hand out, with its
  SHA-256 digest (what the database stores);
* puts a handler on the root logger, and the root logger at ``DEBUG``, so every record a logger
  emits is seen (also on the loggers that exist at start and do not propagate, such as
  ``django.server``; a logger configured above ``DEBUG``, as Django's ``django`` is at ``INFO``,
  creates no record below its level). A record's message, exception text and stack are kept
  when they hold a run of 43 or more ``[A-Za-z0-9_-]`` characters: every plaintext, device code
  and digest is such a run;
* at the end of a run of the **whole** suite that passed (no path, ``-k``, ``-m`` beyond the
  ``addopts`` default, ``--deselect``, ``--lf`` or ``--sw``), fails the session (exit status 1)
  and lists every record that contains a recorded plaintext or digest: test, logger, level, which
  secret, and the test that generated it. Any other run only reports that the scan was skipped.

Under pytest-xdist each worker records and scans its own tests (a worker's secrets live in its
own database) and sends its findings to the controller, which decides.

``CTFY_SECRETS_SCAN=always`` scans any run (for a partial run or this plugin's own test),
``never`` turns the check off.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import shlex
import traceback
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ctfy_auth import crypto

__all__ = ["SecretRecorder", "recorder_for"]

_WORKER_KEY = "ctfy_auth_secret_scan"
_RUN = re.compile(r"[A-Za-z0-9_-]{43,}")
_OUTSIDE = "(outside any test)"
_recorder_key = pytest.StashKey["SecretRecorder"]()


@dataclass
class _Record:
    where: str
    logger: str
    level: str
    text: str


@dataclass
class SecretRecorder:
    """The secrets generated and the log records that could hold one, for one process."""

    secrets: dict[str, str] = field(default_factory=dict)  # value -> "what, generated where"
    records: list[_Record] = field(default_factory=list)
    seen_records: int = 0
    current: str = _OUTSIDE

    def add_secret(self, plaintext: str, what: str) -> None:
        shown = f"{plaintext[:5]}…"
        self.secrets[plaintext] = f"{what} plaintext {shown} (generated in {self.current})"
        self.secrets[hashlib.sha256(plaintext.encode()).hexdigest()] = (
            f"digest of {what} {shown} (generated in {self.current})"
        )

    def add_record(self, record: logging.LogRecord) -> None:
        self.seen_records += 1
        parts = [_message(record)]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        elif record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        text = "\n".join(parts)
        if _RUN.search(text):
            self.records.append(_Record(self.current, record.name, record.levelname, text))

    def findings(self) -> list[str]:
        """One line per (record, secret) hit, secrets redacted."""
        lengths = sorted({len(s) for s in self.secrets})
        out = []
        for record in self.records:
            for secret in sorted(set(self._hits(record.text, lengths))):
                out.append(
                    f"{record.where}: {record.level} on logger {record.logger!r} "
                    f"contains the {self.secrets[secret]}"
                )
        return out

    def _hits(self, text: str, lengths: list[int]) -> Iterator[str]:
        for match in _RUN.finditer(text):
            run = match.group()
            for length in lengths:
                for start in range(len(run) - length + 1):
                    window = run[start : start + length]
                    if window in self.secrets:
                        yield window


def recorder_for(config: pytest.Config) -> SecretRecorder:
    """This process's recorder (tests may look at what was recorded so far)."""
    return config.stash[_recorder_key]


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a malformed call (bad args) still has its parts
        return f"{record.msg} {record.args}"


class _Handler(logging.Handler):
    def __init__(self, recorder: SecretRecorder) -> None:
        super().__init__(level=logging.DEBUG)
        self.recorder = recorder

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.recorder.add_record(record)
        except Exception:
            self.handleError(record)


def _recording(original: Callable[..., str], recorder: SecretRecorder, what: str) -> Any:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        plaintext = original(*args, **kwargs)
        recorder.add_secret(plaintext, what)
        return plaintext

    return wrapper


# --- hooks ----------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    recorder = SecretRecorder()
    config.stash[_recorder_key] = recorder
    originals = {
        "generate": crypto.generate,
        "generate_device_code": crypto.generate_device_code,
        "generate_client_secret": crypto.generate_client_secret,
    }
    crypto.generate = _recording(crypto.generate, recorder, "token")  # type: ignore[assignment]
    crypto.generate_client_secret = _recording(  # type: ignore[assignment]
        crypto.generate_client_secret, recorder, "OAuth client secret"
    )
    crypto.generate_device_code = _recording(  # type: ignore[assignment]
        crypto.generate_device_code, recorder, "device code"
    )
    handler = _Handler(recorder)
    root = logging.getLogger()
    previous_level = root.level
    listened = [root] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in listened:
        logger.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def restore() -> None:
        for logger in listened:
            logger.removeHandler(handler)
        root.setLevel(previous_level)
        for name, original in originals.items():
            setattr(crypto, name, original)

    config.add_cleanup(restore)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, Any, Any]:
    recorder = item.config.stash[_recorder_key]
    recorder.current = item.nodeid
    try:
        return (yield)
    finally:
        recorder.current = _OUTSIDE


@dataclass
class _Outcome:
    findings: list[str] = field(default_factory=list)
    secrets: int = 0
    records: int = 0
    workers_missing: int = 0
    skipped: str = ""


_outcome_key = pytest.StashKey[_Outcome]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: collect a worker's findings (sent in ``workeroutput``)."""
    outcome = node.config.stash.setdefault(_outcome_key, _Outcome())
    report = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if report is None:
        outcome.workers_missing += 1
        return
    outcome.findings += report["findings"]
    outcome.secrets += report["secrets"]
    outcome.records += report["records"]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    recorder = config.stash[_recorder_key]
    own = {
        "findings": recorder.findings(),
        "secrets": len(recorder.secrets) // 2,
        "records": recorder.seen_records,
    }
    if hasattr(config, "workerinput"):  # an xdist worker: the controller decides
        config.workeroutput[_WORKER_KEY] = own  # type: ignore[attr-defined]
        return
    outcome = config.stash.setdefault(_outcome_key, _Outcome())
    outcome.findings += own["findings"]
    outcome.secrets += own["secrets"]
    outcome.records += own["records"]
    outcome.skipped = _why_not_scanned(session)
    if not outcome.skipped and outcome.findings:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    outcome = config.stash.get(_outcome_key, None)
    if outcome is None:
        return
    if outcome.skipped:
        terminalreporter.write_line(f"ctfy_auth secrets scan skipped: {outcome.skipped}")
        return
    scanned = f"{outcome.records} log records against {outcome.secrets} generated secrets"
    if not outcome.findings:
        terminalreporter.write_line(f"ctfy_auth secrets scan: clean ({scanned})")
        return
    terminalreporter.write_sep("=", "ctfy_auth secrets in log records", red=True)
    terminalreporter.write_line(
        f"{len(outcome.findings)} log record(s) hold a token plaintext or digest ({scanned}):"
    )
    for line in outcome.findings:
        terminalreporter.write_line(f"  {line}", red=True)


def _why_not_scanned(session: pytest.Session) -> str:
    """Empty when the scan's verdict counts; otherwise why it does not."""
    config = session.config
    mode = os.environ.get("CTFY_SECRETS_SCAN", "auto").lower()
    if mode == "never":
        return "CTFY_SECRETS_SCAN=never"
    outcome = config.stash[_outcome_key]
    if outcome.workers_missing:
        return f"{outcome.workers_missing} xdist worker(s) sent no report"
    if mode == "always":
        return ""
    option = config.option
    if option.keyword:
        return f"-k {option.keyword!r} selects part of the suite"
    if option.markexpr != _default_markexpr(config):
        return f"-m {option.markexpr!r} is not the default"
    if getattr(option, "deselect", None) or getattr(option, "lf", False):
        return "--deselect/--lf selects part of the suite"
    if getattr(option, "stepwise", False):
        return "--sw selects part of the suite"
    if getattr(option, "collectonly", False):
        return "--collect-only ran nothing"
    if not _whole_tree(config):
        return "only part of the suite ran (paths given); set CTFY_SECRETS_SCAN=always to scan"
    if session.exitstatus != pytest.ExitCode.OK or session.testsfailed:
        return "the run did not pass"
    return ""


def _default_markexpr(config: pytest.Config) -> str:
    """The ``-m`` that the ini file's ``addopts`` sets, else ``""``."""
    args = config.getini("addopts")
    tokens = shlex.split(args) if isinstance(args, str) else list(args)
    value = ""
    for index, token in enumerate(tokens):
        if token == "-m" and index + 1 < len(tokens):
            value = tokens[index + 1]
        elif token.startswith("--markexpr="):
            value = token.partition("=")[2]
        elif token.startswith("-m") and len(token) > 2:
            value = token[2:]
    return value


def _whole_tree(config: pytest.Config) -> bool:
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return True
    root = config.rootpath
    given = {(config.invocation_params.dir / a.split("::")[0]).resolve() for a in config.args}
    testpaths = {(root / p).resolve() for p in config.getini("testpaths")} or {root}
    return given == testpaths or given == {Path(root).resolve()}
