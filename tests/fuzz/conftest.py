"""The example project on a live port, and credentials for fuzzing it.

Loaded alone (``-p no:django --confcutdir=tests/fuzz``, tox env ``fuzz``): the suite only
speaks HTTP to a running example project, like the contract suite.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live_example import Example, running_example


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The main suite (pytest-django) skips this directory: ``tox -e fuzz`` runs it."""
    return True if config.pluginmanager.has_plugin("django") else None


PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Credentials:
    session: str
    api_token: str


def _post(url: str, body: dict[str, object], token: str = "") -> dict[str, object]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.load(response))


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Example]:
    with running_example(tmp_path_factory.mktemp("fuzz")) as running:
        yield running


@pytest.fixture(scope="session")
def credentials(example: Example) -> Credentials:
    """A super-admin's session (the first account) and an API token with every grant."""
    api = f"{example.url}/api/v1/auth"
    session = str(
        _post(f"{api}/register", {"email": "fuzz@example.com", "password": PASSWORD})["token"]
    )
    catalog = json.load(urllib.request.urlopen(f"{api}/tokens/scopes", timeout=30))
    grants = {c["key"]: c.get("max_level", "write") for c in catalog["categories"]}
    minted = _post(
        f"{api}/tokens",
        {"label": "fuzz", "permissions": grants, "competition_access": "all"},
        token=session,
    )
    return Credentials(session=session, api_token=str(minted["token"]))
