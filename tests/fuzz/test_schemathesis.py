"""Schemathesis against the live example project's OpenAPI schema (``/api/v1/schema``).

Every operation, without a credential, with a super-admin's session and with an API token
holding every grant, with every check (``--checks all``) and every phase, the stateful one
included. The run must show no 5xx and no response that the schema does not describe (status
code, content type, headers, body). The anonymous run stays anonymous: ``schemathesis.toml``
turns off Schemathesis's own sign-up (``auto-signup``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.conftest import Credentials
from tests.live_example import Example, tail

pytestmark = pytest.mark.fuzz

#: Every check Schemathesis has, the stateful ones included.
CHECKS = "all"
#: Test cases per operation and credential; FUZZ_EXAMPLES changes it.
EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "15")
CONFIG = Path(__file__).with_name("schemathesis.toml")


def _schemathesis() -> list[str]:
    found = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    if found is None:
        pytest.fail("schemathesis is not installed (tox -e fuzz installs it)", pytrace=False)
    return [found]


@pytest.mark.parametrize("who", ["anonymous", "session", "api_token"])
def test_no_server_errors_and_no_undocumented_responses(
    example: Example, credentials: Credentials, who: str, tmp_path: Path
) -> None:
    command = [
        *_schemathesis(),
        "--config-file",
        str(CONFIG),
        "run",
        f"{example.url}/api/v1/schema",
        "--checks",
        CHECKS,
        "--max-examples",
        EXAMPLES,
        "--seed",
        "20261125",
        "--workers",
        "2",
        "--phases",
        # stateful: sequences of calls along the links Schemathesis infers between operations.
        "examples,coverage,fuzzing,stateful",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
        "--generation-database",
        "none",
    ]
    token = {"session": credentials.session, "api_token": credentials.api_token}.get(who)
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1500, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"schemathesis ({who}) exited {result.returncode}:\n{result.stdout[-20000:]}\n"
            f"{result.stderr[-5000:]}\nserver log:\n{tail(example.log, 40)}",
            pytrace=False,
        )
