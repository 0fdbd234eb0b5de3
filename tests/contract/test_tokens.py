"""API tokens through the ctfy SDK: catalog, templates, mint, list, update, renew, rotate, revoke.

ctfy wire §3 (the token model) and §2.3 row 11 (the list).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.contract.support import (
    BROAD,
    CATALOG_KEYS,
    assert_expires_in,
    current_token_id,
    dense,
    detail,
    refused,
)

if TYPE_CHECKING:
    from ctfy.sdk import PlatformClient

    from tests.contract.conftest import Account, LiveServer

pytestmark = pytest.mark.contract

API_TOKEN = re.compile(r"pf_[A-Za-z0-9_-]{40,}")
USER_SESSION_ONLY = "This operation requires a user session (logged-in OAuth token)"


def _profile(server: LiveServer, token: str) -> httpx.Response:
    """The example project's ``profile:read`` route: does ``token`` work as a bearer?"""
    return httpx.get(
        f"{server.url}/api/v1/demo/profile", headers={"Authorization": f"Bearer {token}"}
    )


def _refusal(response: httpx.Response) -> tuple[int, str, object]:
    body = response.json()
    return response.status_code, body["code"], body["detail"]


# --- the catalog and the templates ---------------------------------------------------------


def test_the_scope_catalog_is_ctfys_in_order(sdk: Callable[..., PlatformClient]) -> None:
    scopes = sdk().auth.token_scopes()  # no credential needed

    assert [c.key for c in scopes.categories] == list(CATALOG_KEYS)
    assert [(c.label, c.competition_scoped, c.max_level) for c in scopes.categories] == [
        ("Challenges", True, "read"),
        ("Submissions", True, "write"),
        ("Authoring", True, "write"),
        ("Instances", True, "write"),
        ("Teams", True, "write"),
        ("Scoreboard", True, "read"),
        ("Profile", False, "write"),
        ("Agent images", False, "write"),
        ("Identities", False, "read"),
        ("Tokens", False, "read"),
    ]
    assert all(c.description for c in scopes.categories)
    assert scopes.levels == ["none", "read", "write"]


def test_the_templates_are_ctfys_in_order_with_dense_permissions(
    sdk: Callable[..., PlatformClient],
) -> None:
    templates = sdk().auth.token_templates().templates

    assert [(t.name, t.competition_access, t.expires_in_days) for t in templates] == [
        ("agent_play", "all", 30),
        ("agent_author", "all", 30),
        ("ci_submit", "all", 90),
        ("read_only", "all", 90),
        ("registry_push", "none", 90),
        ("full_access", "all", 30),
    ]
    assert {t.name: t.permissions for t in templates} == {
        "agent_play": dense(
            challenges="read", submissions="write", instances="write", teams="write", profile="read"
        ),
        "agent_author": dense(challenges="read", teams="write", authoring="write", profile="read"),
        "ci_submit": dense(challenges="read", submissions="write", scoreboard="read"),
        "read_only": dense(**dict.fromkeys(CATALOG_KEYS, "read")),
        "registry_push": dense(registry="write", profile="read"),
        "full_access": dense(**BROAD),
    }
    assert all(list(t.permissions) == list(CATALOG_KEYS) for t in templates)


# --- mint: the three arms ------------------------------------------------------------------


def test_a_mint_without_scope_is_the_broad_legacy_token_shown_once(
    server: LiveServer, account: Account
) -> None:
    minted = account.client.auth.mint_token("legacy")

    assert API_TOKEN.fullmatch(minted.token), minted.token
    assert (minted.kind, minted.label, minted.is_current, minted.rotated_from) == (
        "fine_grained",
        "legacy",
        False,
        "",
    )
    assert (minted.competition_access, minted.competition_ids) == ("all", [])
    assert minted.permissions == dense(**BROAD)
    assert list(minted.permissions) == list(CATALOG_KEYS)  # dense, catalog order
    assert minted.template == "full_access"
    assert_expires_in(minted.expires_at, 30)
    assert (minted.ip_address, minted.user_agent, minted.last_used_at) == ("", "", None)

    # The plaintext works as a bearer ...
    response = _profile(server, minted.token)
    assert response.status_code == 200, response.text
    assert response.json()["email"] == account.email
    # ... and is never shown again: the list carries no secret.
    listed = httpx.get(
        f"{server.url}/api/v1/auth/tokens",
        headers={"Authorization": f"Bearer {account.token}"},
    ).json()
    row = next(r for r in listed["items"] if r["id"] == minted.id)
    assert "token" not in row
    assert minted.token not in json.dumps(listed)


def test_a_template_mint_takes_its_access_grants_and_lifetime(account: Account) -> None:
    minted = account.client.auth.mint_token("ci", template="ci_submit")

    assert minted.permissions == dense(challenges="read", submissions="write", scoreboard="read")
    assert (minted.competition_access, minted.competition_ids) == ("all", [])
    assert minted.template == "ci_submit"
    assert_expires_in(minted.expires_at, 90)


def test_explicit_fields_win_over_the_template(account: Account) -> None:
    auth = account.client.auth

    narrowed = auth.mint_token(
        "two competitions",
        7,
        template="agent_play",
        competition_access="selected",
        competition_ids=["quals", "ctf-2026", "quals"],
    )
    assert (narrowed.competition_access, narrowed.competition_ids) == (
        "selected",
        ["quals", "ctf-2026"],  # deduplicated, order kept
    )
    assert narrowed.template == "agent_play"  # derived from the permissions alone
    assert_expires_in(narrowed.expires_at, 7)

    # Explicit permissions replace the template's map wholesale, clamped (wire §3.3, §3.8).
    replaced = auth.mint_token(
        "replaced",
        template="agent_play",
        permissions={"challenges": "write", "tokens": "write", "bogus": "write"},
    )
    assert replaced.permissions == dense(challenges="read", tokens="read")
    assert (replaced.competition_access, replaced.template) == ("all", "")


def test_explicit_mints_with_no_all_and_selected_competition_access(account: Account) -> None:
    auth = account.client.auth

    none = auth.mint_token(
        "profile only", competition_access="none", permissions={"profile": "read"}
    )
    assert (none.competition_access, none.competition_ids) == ("none", [])
    assert (none.permissions, none.template) == (dense(profile="read"), "")

    every = auth.mint_token(
        "everywhere",
        competition_access="all",
        competition_ids=["quals"],  # ids mean something only for "selected"
        permissions={"challenges": "read", "scoreboard": "read"},
    )
    assert (every.competition_access, every.competition_ids) == ("all", [])
    assert every.permissions == dense(challenges="read", scoreboard="read")

    selected = auth.mint_token(
        "two",
        competition_access="selected",
        competition_ids=["ctf-2026", "quals"],
        permissions={"challenges": "read", "submissions": "write"},
    )
    assert (selected.competition_access, selected.competition_ids) == (
        "selected",
        ["ctf-2026", "quals"],
    )
    assert selected.permissions == dense(challenges="read", submissions="write")

    # Permissions alone reach no competition; an empty map grants nothing; 0 days is forever.
    bare = auth.mint_token("bare", 0, permissions={})
    assert (bare.competition_access, bare.permissions, bare.expires_at) == ("none", dense(), None)


def test_a_mint_refuses_scopes_it_cannot_grant(account: Account) -> None:
    auth = account.client.auth

    with refused(422, "unknown_competition_id") as exc:
        auth.mint_token("x", competition_access="selected", competition_ids=["quals", "finals"])
    assert detail(exc)["competition_id"] == "finals"
    with refused(422, "competition_scope_required"):
        auth.mint_token("x", competition_access="selected")
    with refused(422, "invalid_competition_access"):
        auth.mint_token("x", competition_access="some")
    with refused(422, "validation_error"):  # refused, never defaulted to the broad profile
        auth.mint_token("x", template="superuser")
    with refused(422, "validation_error"):
        auth.mint_token("x", 1826)  # over five years

    assert [t.kind for t in auth.list_tokens()] == ["user"]  # nothing was minted


def test_minting_needs_the_sudo_window(server: LiveServer, account: Account) -> None:
    server.close_sudo_window(current_token_id(account.client))

    with refused(409, "reauthentication_required") as exc:
        account.client.auth.mint_token("late")
    assert detail(exc)["window_seconds"] == 900
    account.client.me.reauthenticate(current_password=account.password)
    assert account.client.auth.mint_token("late").kind == "fine_grained"


def test_twenty_api_tokens_is_the_cap_and_rotation_is_exempt(account: Account) -> None:
    auth = account.client.auth
    minted = [auth.mint_token(f"token {n}", competition_access="none") for n in range(20)]

    with refused(400, "token_limit_reached") as exc:
        auth.mint_token("one too many")
    assert detail(exc)["limit"] == 20
    rotated = auth.rotate_token(minted[0].id)
    assert rotated.rotated_from == minted[0].id
    auth.revoke_token(rotated.id)
    assert auth.mint_token("room again").kind == "fine_grained"


# --- a pf_ token is not a session ----------------------------------------------------------


def test_an_api_token_cannot_manage_the_account(
    sdk: Callable[..., PlatformClient], account: Account
) -> None:
    minted = account.client.auth.mint_token("agent", template="read_only")
    agent = sdk(minted.token)

    calls: list[Callable[[], object]] = [
        agent.auth.list_tokens,
        agent.auth.list_identities,
        agent.auth.revoke_other_tokens,
        lambda: agent.auth.mint_token("child"),
        lambda: agent.auth.renew_token(minted.id),
        lambda: agent.me.reauthenticate(current_password=account.password),
    ]
    for call in calls:
        with refused(403, "http_403") as exc:
            call()
        assert detail(exc) == USER_SESSION_ONLY


# --- list, update, renew, rotate, revoke ---------------------------------------------------


def test_list_tokens_shows_live_tokens_of_every_kind_oldest_first(
    server: LiveServer, account: Account
) -> None:
    auth = account.client.auth
    first = auth.mint_token("first")
    second = auth.mint_token("second", template="read_only")
    assert _profile(server, first.token).status_code == 200

    rows = auth.list_tokens()
    assert [(r.id, r.kind, r.label, r.is_current) for r in rows] == [
        (current_token_id(account.client), "user", "login", True),
        (first.id, "fine_grained", "first", False),
        (second.id, "fine_grained", "second", False),
    ]
    assert rows[0].permissions == dense()  # a session's row: dense, all none
    assert rows[1].last_used_at is not None and rows[2].last_used_at is None
    assert (rows[2].permissions, rows[2].template) == (second.permissions, "read_only")
    assert [r.id for r in auth.list_tokens(offset=1, limit=1)] == [first.id]


def test_update_token_scopes_is_partial_and_moving_authority_needs_the_sudo_window(
    server: LiveServer, account: Account
) -> None:
    auth = account.client.auth
    token = auth.mint_token(
        "agent", template="agent_play", competition_access="selected", competition_ids=["quals"]
    )
    server.close_sudo_window(current_token_id(account.client))

    # A label, or nothing at all, moves no authority: no proof needed.
    renamed = auth.update_token_scopes(token.id, label="renamed")
    assert (renamed.id, renamed.label) == (token.id, "renamed")
    assert (renamed.competition_ids, renamed.permissions) == (["quals"], token.permissions)
    assert auth.update_token_scopes(token.id).label == "renamed"
    # Authority moves need it, narrowing as much as widening (wire §3.4).
    with refused(409, "reauthentication_required"):
        auth.update_token_scopes(token.id, competition_ids=["quals", "ctf-2026"])
    with refused(409, "reauthentication_required"):
        auth.update_token_scopes(token.id, permissions={"challenges": "read"})
    assert account.client.me.reauthenticate(current_password=account.password).window_seconds

    widened = auth.update_token_scopes(token.id, competition_ids=["quals", "ctf-2026"])
    assert (widened.competition_access, widened.competition_ids) == (
        "selected",
        ["quals", "ctf-2026"],
    )
    assert (widened.permissions, widened.template) == (token.permissions, "agent_play")
    narrowed = auth.update_token_scopes(token.id, permissions={"challenges": "read"})
    assert narrowed.permissions == dense(challenges="read")
    assert narrowed.competition_ids == ["quals", "ctf-2026"]  # not sent, so not moved
    reseeded = auth.update_token_scopes(token.id, template="read_only")
    assert (reseeded.competition_access, reseeded.competition_ids, reseeded.template) == (
        "all",
        [],
        "read_only",
    )
    cleared = auth.update_token_scopes(token.id, competition_access="none", competition_ids=[])
    assert (cleared.competition_access, cleared.competition_ids) == ("none", [])
    with refused(422, "unknown_competition_id"):
        auth.update_token_scopes(token.id, competition_access="selected", competition_ids=["x"])
    assert cleared.expires_at == token.expires_at  # the expiry is renew's, not PATCH's
    with refused(409, "token_not_an_api_token") as exc:
        auth.update_token_scopes(current_token_id(account.client), label="my session")
    assert detail(exc)["token_kind"] == "user"


def test_renew_moves_the_expiry_from_now_and_keeps_the_secret(
    server: LiveServer, account: Account
) -> None:
    auth = account.client.auth
    token = auth.mint_token("ci", template="ci_submit")
    server.close_sudo_window(current_token_id(account.client))
    with refused(409, "reauthentication_required"):  # ctfy does not gate renew; we do
        auth.renew_token(token.id, 7)
    account.client.me.reauthenticate(current_password=account.password)

    week = auth.renew_token(token.id, 7)
    assert (week.id, week.permissions) == (token.id, token.permissions)
    assert_expires_in(week.expires_at, 7)
    assert_expires_in(auth.renew_token(token.id).expires_at, 30)
    assert auth.renew_token(token.id, 0).expires_at is None
    assert _profile(server, token.token).status_code == 403  # same secret, still no profile
    assert _refusal(_profile(server, token.token))[1] == "token_missing_scope"

    with refused(422, "validation_error"):
        auth.renew_token(token.id, 1826)
    with refused(404, "token_not_found"):
        auth.renew_token("no-such-token")
    with refused(409, "token_not_an_api_token"):
        auth.renew_token(current_token_id(account.client))


def test_a_lapsed_token_is_refused_cannot_be_renewed_and_rotates_to_a_new_one(
    server: LiveServer, account: Account
) -> None:
    auth = account.client.auth
    token = auth.mint_token(
        "lapsing", template="read_only", competition_access="selected", competition_ids=["quals"]
    )
    server.expire_token(token.id)

    assert _refusal(_profile(server, token.token)) == (403, "http_403", "Token has expired")
    assert token.id in [t.id for t in auth.list_tokens()]  # expired rows stay listed
    with refused(409, "token_expired") as exc:
        auth.renew_token(token.id)
    assert detail(exc)["token_id"] == token.id

    server.close_sudo_window(current_token_id(account.client))
    with refused(409, "reauthentication_required"):  # ctfy does not gate rotate; we do
        auth.rotate_token(token.id, 14)
    account.client.me.reauthenticate(current_password=account.password)
    rotated = auth.rotate_token(token.id, 14)
    assert API_TOKEN.fullmatch(rotated.token) and rotated.token != token.token
    assert (rotated.id != token.id, rotated.rotated_from) == (True, token.id)
    assert (rotated.label, rotated.competition_access, rotated.competition_ids) == (
        "lapsing",
        "selected",
        ["quals"],
    )
    assert (rotated.permissions, rotated.template) == (token.permissions, "read_only")
    assert_expires_in(rotated.expires_at, 14)
    ids = [t.id for t in auth.list_tokens()]
    assert rotated.id in ids and token.id not in ids
    assert _profile(server, rotated.token).status_code == 200
    assert _refusal(_profile(server, token.token)) == (403, "http_403", "Invalid or revoked token")
    with refused(409, "token_revoked"):
        auth.rotate_token(token.id)

    again = auth.rotate_token(rotated.id)  # a live token rotates too; 30 days by default
    assert again.rotated_from == rotated.id
    assert_expires_in(again.expires_at, 30)


def test_revoke_token_ends_it_at_once_and_only_for_its_owner(
    server: LiveServer, account: Account, make_account: Callable[..., Account]
) -> None:
    auth = account.client.auth
    token = auth.mint_token("short lived")

    assert auth.revoke_token(token.id) is None
    assert token.id not in [t.id for t in auth.list_tokens()]
    assert _refusal(_profile(server, token.token)) == (403, "http_403", "Invalid or revoked token")
    assert auth.revoke_token(token.id) is None  # idempotent
    with refused(409, "token_revoked"):
        auth.renew_token(token.id)
    with refused(409, "token_revoked"):
        auth.update_token_scopes(token.id, label="zombie")
    with refused(409, "cannot_revoke_current_token"):
        auth.revoke_token(current_token_id(account.client))

    # Someone else's token: the same 404 as no such token, for every verb.
    stranger = make_account()
    theirs = stranger.client.auth.mint_token("theirs")
    for call in (
        lambda: auth.revoke_token(theirs.id),
        lambda: auth.renew_token(theirs.id),
        lambda: auth.rotate_token(theirs.id),
        lambda: auth.update_token_scopes(theirs.id, label="mine now"),
        lambda: auth.revoke_token(current_token_id(stranger.client)),
    ):
        with refused(404, "token_not_found"):
            call()
    assert _profile(server, theirs.token).status_code == 200
    assert [t.label for t in stranger.client.auth.list_tokens()] == ["login", "theirs"]


def test_revoke_other_tokens_keeps_only_the_calling_session(
    server: LiveServer, sdk: Callable[..., PlatformClient], account: Account
) -> None:
    other = sdk(sdk().auth.login(account.email, account.password).token)
    token = account.client.auth.mint_token("agent")

    assert other.auth.revoke_other_tokens() is None
    assert [(t.kind, t.is_current) for t in other.auth.list_tokens()] == [("user", True)]
    with refused(403, "http_403"):
        account.client.auth.list_tokens()
    assert _refusal(_profile(server, token.token))[:2] == (403, "http_403")
