"""The secrets plugin itself: a whole run whose logs hold a secret fails and says where.

The plugin is exercised in a separate pytest process on a small suite that leaks on purpose
(a plaintext, a digest, a device code inside a traceback), with and without xdist; in this
process, it is checked to record what ctfy_auth hands out without changing it.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from ctfy_auth import crypto
from tests.adversarial.secrets_plugin import recorder_for

REPO = Path(__file__).resolve().parents[2]
LEAKY = """
import logging

from ctfy_auth import crypto


def test_logs_a_session_token():
    logging.getLogger("leaky.plaintext").info("minted %s for ada", crypto.generate("user"))


def test_logs_the_digest_of_an_api_token():
    digest = crypto.digest(crypto.generate("fine_grained"))
    logging.getLogger("leaky.digest").debug("stored under %s", digest)


def test_logs_a_device_code_in_a_traceback():
    code = crypto.generate_device_code()
    try:
        raise ValueError(f"bad code {code}")
    except ValueError:
        logging.getLogger("leaky.traceback").exception("poll failed")
"""
CLEAN = """
import logging

from ctfy_auth import crypto


def test_logs_nothing_secret():
    token = crypto.generate("user")
    logging.getLogger("fine").warning("minted a token of %d characters", len(token))
"""
PLAINTEXT = re.compile(r"p[tf]_[0-9A-Za-z]{49}")


def run_suite(tmp_path: Path, files: dict[str, str], *args: str) -> tuple[int, str]:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\naddopts = -p no:django -p no:cacheprovider -p no:hypothesispytest\n"
    )
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.adversarial.secrets_plugin"]\n')
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CTFY_SECRETS"))}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_a_whole_run_whose_logs_hold_secrets_fails_listing_each_leak(
    tmp_path: Path, xdist: list[str]
) -> None:
    status, output = run_suite(tmp_path, {"test_leaky.py": LEAKY, "test_clean.py": CLEAN}, *xdist)
    assert status == 1, output
    assert "4 passed" in output and "3 log record(s) hold a token plaintext or digest" in output
    for test, logger, secret in [
        ("test_logs_a_session_token", "leaky.plaintext", "token plaintext pt_"),
        ("test_logs_the_digest_of_an_api_token", "leaky.digest", "digest of token pf_"),
        ("test_logs_a_device_code_in_a_traceback", "leaky.traceback", "device code plaintext"),
    ]:
        line = next((x for x in output.splitlines() if f"::{test}:" in x), "")
        assert f"on logger {logger!r}" in line and secret in line, output
        assert f"(generated in test_leaky.py::{test})" in line, output
    assert "test_logs_nothing_secret" not in output
    assert not PLAINTEXT.search(output), "the report must not print the secrets it found"


def test_a_clean_whole_run_passes_and_says_so(tmp_path: Path) -> None:
    status, output = run_suite(tmp_path, {"test_clean.py": CLEAN})
    assert status == 0, output
    assert "ctfy_auth secrets scan: clean" in output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["-k", "session"], "-k 'session' selects part of the suite"),
        (["test_leaky.py"], "only part of the suite ran"),
    ],
)
def test_a_partial_run_is_not_judged(tmp_path: Path, args: list[str], reason: str) -> None:
    status, output = run_suite(tmp_path, {"test_leaky.py": LEAKY, "test_clean.py": CLEAN}, *args)
    assert status == 0, output
    assert f"ctfy_auth secrets scan skipped: {reason}" in output


def test_a_failing_run_is_not_judged(tmp_path: Path) -> None:
    failing = LEAKY + "\n\ndef test_fails():\n    raise AssertionError\n"
    status, output = run_suite(tmp_path, {"test_leaky.py": failing})
    assert status == 1 and "1 failed" in output
    assert "ctfy_auth secrets scan skipped: the run did not pass" in output


def test_generate_is_recorded_and_otherwise_unchanged(
    request: pytest.FixtureRequest, db: Any, user: Any, session_factory: Any
) -> None:
    recorder = recorder_for(request.config)
    original = crypto.generate.__wrapped__  # type: ignore[attr-defined]
    assert inspect.signature(crypto.generate) == inspect.signature(original)
    assert crypto.generate.__name__ == "generate" and crypto.generate.__doc__ == original.__doc__
    plaintext = session_factory(user)  # minted by ctfy_auth's own service
    assert crypto.parse_kind(plaintext) == "user"
    assert "session token" not in recorder.secrets[plaintext]
    assert recorder.secrets[plaintext].startswith("token plaintext pt_")
    assert crypto.digest(plaintext) in recorder.secrets
    device_code = APIClient().post("/api/v1/auth/device/code").json()["device_code"]
    assert recorder.secrets[device_code].startswith("device code plaintext")
    assert request.node.nodeid in recorder.secrets[device_code]
