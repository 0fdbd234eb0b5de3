"""Assertions shared by the contract tests (test modules only: this imports the SDK's httpx)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

__all__ = [
    "BROAD",
    "CATALOG_KEYS",
    "assert_expires_in",
    "current_token_id",
    "dense",
    "detail",
    "refused",
]

#: ctfy wire §3.6: the scope catalog's keys, in catalog order.
CATALOG_KEYS = (
    "challenges",
    "submissions",
    "authoring",
    "instances",
    "teams",
    "scoreboard",
    "profile",
    "registry",
    "identities",
    "tokens",
)

#: ctfy wire §3.3: what ``mint_token(label)`` grants, which is the ``full_access`` template.
BROAD = {
    "challenges": "read",
    "submissions": "write",
    "instances": "write",
    "teams": "write",
    "scoreboard": "read",
    "profile": "write",
}


def dense(**grants: str) -> dict[str, str]:
    """A permission map as the wire publishes it: every catalog key, in catalog order."""
    return {key: grants.get(key, "none") for key in CATALOG_KEYS}


@contextmanager
def refused(status: int, code: str) -> Iterator[pytest.ExceptionInfo[httpx.HTTPStatusError]]:
    """Expect the SDK to raise ``httpx.HTTPStatusError`` with ``status`` and envelope ``code``.

    The SDK composes its message as ``"<code>: <detail> (<httpx text>)"`` (wire §1.2), so
    the code must also lead the exception string a caller sees. Read the envelope's
    ``detail`` afterwards from ``excinfo.value.response.json()``.
    """
    with pytest.raises(httpx.HTTPStatusError) as excinfo:
        yield excinfo
    response = excinfo.value.response
    assert response.status_code == status, response.text
    body: Any = response.json()
    assert body["code"] == code, response.text
    assert str(excinfo.value).startswith(f"{code}: "), str(excinfo.value)


def detail(excinfo: pytest.ExceptionInfo[httpx.HTTPStatusError]) -> Any:
    """The envelope's ``detail`` behind an error the SDK raised."""
    return excinfo.value.response.json()["detail"]


def current_token_id(client: Any) -> str:
    """The id of the token ``client`` sends: the row ``list_tokens`` marks ``is_current``."""
    (current,) = [t.id for t in client.auth.list_tokens() if t.is_current]
    return str(current)


def assert_expires_in(expires_at: datetime | None, days: int) -> None:
    """``expires_at`` lies ``days`` from now, give or take a minute for the round trips."""
    assert expires_at is not None
    expected = datetime.now(UTC) + timedelta(days=days)
    assert abs(expires_at - expected) < timedelta(minutes=1), (expires_at, expected)
