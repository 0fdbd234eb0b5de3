"""A token minted through the ctfy SDK, enforced by the host project's own views.

The example project's ``demo`` app (docs/enforcement.md) guards its routes with ctfy_auth's
``HasScopes``, ``IsFullAccount`` and ``require_scope``. The SDK mints; plain HTTP calls the
host's routes, as any client of the host would. Errors are ctfy wire §3.9.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from tests.contract.conftest import Account, LiveServer

pytestmark = pytest.mark.contract


def _call(server: LiveServer, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(method, f"{server.url}{path}", headers=headers, **kwargs)


def _code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_a_token_for_one_competition_reaches_only_that_competition(
    server: LiveServer, account: Account
) -> None:
    minted = account.client.auth.mint_token(
        "ctf",
        permissions={"challenges": "read", "submissions": "write"},
        competition_access="selected",
        competition_ids=["ctf-2026"],
    )
    token = minted.token

    listed = _call(server, token, "GET", "/api/v1/demo/competitions")
    assert listed.json() == {"items": [{"id": "ctf-2026", "name": "CTF 2026"}]}
    challenges = _call(server, token, "GET", "/api/v1/demo/competitions/ctf-2026/challenges")
    assert challenges.status_code == 200, challenges.text
    assert challenges.json()["competition_id"] == "ctf-2026"
    submitted = _call(
        server,
        token,
        "POST",
        "/api/v1/demo/competitions/ctf-2026/submissions",
        json={"answer": "flag{demo}"},
    )
    assert (submitted.status_code, submitted.json()["answer"]) == (200, "flag{demo}")

    other = _call(server, token, "GET", "/api/v1/demo/competitions/quals/challenges")
    assert _code(other) == (403, "token_competition_forbidden")
    assert other.json()["detail"] == {
        "message": "Token is not authorized for this competition",
        "competition_id": "quals",
        "competition_access": "selected",
    }


def test_a_token_without_the_level_gets_token_missing_scope(
    server: LiveServer, account: Account
) -> None:
    token = account.client.auth.mint_token("reader", template="read_only").token

    submitted = _call(
        server, token, "POST", "/api/v1/demo/competitions/quals/submissions", json={"answer": "x"}
    )
    assert _code(submitted) == (403, "token_missing_scope")
    assert submitted.json()["detail"] == {
        "message": "Token lacks submissions:write permission (granted: submissions:read)",
        "required": "submissions:write",
        "granted": "submissions:read",
    }
    board = _call(server, token, "GET", "/demo/plain/competitions/quals/scoreboard")
    assert board.status_code == 200, board.text
    assert board.json()["competition_id"] == "quals"


def test_a_view_without_a_scope_ruling_refuses_api_tokens_and_serves_sessions(
    server: LiveServer, account: Account
) -> None:
    token = account.client.auth.mint_token("agent", template="full_access").token

    refused = _call(server, token, "GET", "/api/v1/demo/unscoped")
    assert _code(refused) == (403, "token_scope_required")
    served = _call(server, account.token, "GET", "/api/v1/demo/unscoped")
    assert (served.status_code, served.json()["kind"]) == (200, "session")


def test_a_revoked_token_stops_working_on_the_next_request(
    server: LiveServer, account: Account
) -> None:
    minted = account.client.auth.mint_token("short-lived", template="read_only")
    assert _call(server, minted.token, "GET", "/api/v1/demo/profile").status_code == 200

    account.client.auth.revoke_token(minted.id)
    gone = _call(server, minted.token, "GET", "/api/v1/demo/profile")
    assert _code(gone) == (403, "http_403")  # ctfy wire §3.1 step 2
    assert gone.json()["detail"] == "Invalid or revoked token"
