"""Accounts through the ctfy SDK: sign-in discovery, register, login, password, identities, /me.

ctfy wire §2.3 rows 1-8, §3.10 (the sudo window), §4 (identities and the last way in),
§6.1-§6.3 and §6.7 (rate limits).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.contract.support import current_token_id, detail, refused

if TYPE_CHECKING:
    from ctfy.sdk import PlatformClient

    from tests.contract.conftest import Account, LiveServer

pytestmark = pytest.mark.contract

SESSION_TOKEN = re.compile(r"pt_[A-Za-z0-9_-]{40,}")


# --- discovery -----------------------------------------------------------------------------


def test_providers_offer_password_and_the_configured_oidc_issuer(
    sdk: Callable[..., PlatformClient],
) -> None:
    providers = sdk().auth.providers()

    assert providers.password_auth.enabled is True
    assert providers.email_code_auth.enabled is False
    assert [(p.name, p.enabled, p.link_only, p.display_name) for p in providers.providers] == [
        ("github", False, False, "GitHub"),
        ("google", False, False, "Google"),
        ("oidc", True, False, "Local SSO"),
    ]
    assert [p.authorize_path for p in providers.providers] == [
        "/api/v1/auth/login/github",
        "/api/v1/auth/login/google",
        "/api/v1/auth/login/oidc",
    ]
    assert providers.link_providers == providers.providers


# --- register and login --------------------------------------------------------------------


def test_register_returns_a_session_for_the_new_account(
    sdk: Callable[..., PlatformClient],
) -> None:
    reply = sdk().auth.register("ada@example.com", "analytical engine notes", "Ada")

    assert SESSION_TOKEN.fullmatch(reply.token), reply.token
    assert reply.redirect_to == "/"
    me = sdk(reply.token).me.get()
    assert (me.email, me.display_name, me.token_kind) == ("ada@example.com", "Ada", "user")
    assert me.id
    assert me.created_at is not None


def test_the_first_account_becomes_super_admin_and_later_ones_do_not(
    server: LiveServer, account: Account
) -> None:
    assert server.founder is not None  # registered first, against the fresh database
    founder = server.founder.client.me.get()
    assert (founder.role, founder.is_admin) == ("super_admin", True)

    later = account.client.me.get()
    assert (later.role, later.is_admin) == ("user", False)


def test_register_lower_cases_the_email_and_defaults_the_display_name(
    sdk: Callable[..., PlatformClient],
) -> None:
    reply = sdk().auth.register("Grace.Hopper@Example.COM", "cobol compilers rock", "")

    me = sdk(reply.token).me.get()
    assert me.email == "grace.hopper@example.com"
    assert me.display_name == "grace.hopper@example.com"
    assert SESSION_TOKEN.fullmatch(
        sdk().auth.login("GRACE.HOPPER@example.com", "cobol compilers rock").token
    )


def test_registering_a_taken_email_is_409_email_taken(
    sdk: Callable[..., PlatformClient], account: Account
) -> None:
    with refused(409, "email_taken"):
        sdk().auth.register(account.email, "another long password", "")
    with refused(409, "email_taken"):
        sdk().auth.register(account.email.upper(), "another long password", "")


def test_register_refuses_a_common_password_and_malformed_input(
    sdk: Callable[..., PlatformClient],
) -> None:
    auth = sdk().auth

    with refused(422, "weak_password") as exc:
        auth.register("weak@example.com", "Password1234", "")
    assert detail(exc)["rule"] == "common_password"
    with refused(422, "validation_error") as exc:
        auth.register("short@example.com", "too short", "")
    assert detail(exc)["message"].startswith("password: ")
    with refused(422, "validation_error") as exc:
        auth.register("not-an-email", "a long enough password", "")
    assert detail(exc)["message"].startswith("email: ")


def test_login_mints_another_session_and_list_tokens_marks_the_caller(
    sdk: Callable[..., PlatformClient], account: Account
) -> None:
    reply = sdk().auth.login(account.email, account.password)

    assert SESSION_TOKEN.fullmatch(reply.token) and reply.token != account.token
    assert reply.redirect_to == "/"
    sessions = sdk(reply.token).auth.list_tokens()
    assert [(t.kind, t.label, t.is_current) for t in sessions] == [
        ("user", "login", False),  # oldest first: the registration's session
        ("user", "login", True),
    ]
    assert {t.ip_address for t in sessions} == {"127.0.0.1"}
    assert all(t.user_agent.startswith("python-httpx/") for t in sessions)
    assert all(t.competition_access == "none" and t.template == "" for t in sessions)
    # The other session sees the same two rows with the mark on itself.
    assert [t.is_current for t in account.client.auth.list_tokens()] == [True, False]


def test_a_wrong_password_and_an_unknown_email_get_the_same_401(
    sdk: Callable[..., PlatformClient], account: Account
) -> None:
    with refused(401, "invalid_credentials") as wrong:
        sdk().auth.login(account.email, "not the password at all")
    with refused(401, "invalid_credentials") as unknown:
        sdk().auth.login("nobody@example.com", "not the password at all")

    assert detail(wrong) == detail(unknown) == "Invalid email or password"


def test_a_missing_or_unknown_bearer_is_refused(sdk: Callable[..., PlatformClient]) -> None:
    with refused(401, "http_401") as exc:
        sdk().auth.list_tokens()
    assert detail(exc) == "Not authenticated"
    with refused(403, "http_403") as exc:
        sdk("pt_" + "A" * 43).auth.list_tokens()
    assert detail(exc) == "Invalid or revoked token"


# --- password ------------------------------------------------------------------------------


def test_set_password_changes_it_given_the_current_one(
    server: LiveServer, sdk: Callable[..., PlatformClient], account: Account
) -> None:
    auth, new = account.client.auth, "a brand new passphrase"

    with refused(401, "wrong_current_password"):
        auth.set_password(new, current_password="not the password at all")
    with refused(401, "wrong_current_password"):
        auth.set_password(new)
    with refused(422, "weak_password"):
        auth.set_password("qwerty123456", current_password=account.password)
    # The current password is the proof: no sudo window needed (wire §3.10).
    server.close_sudo_window(current_token_id(account.client))
    assert auth.set_password(new, current_password=account.password) is None

    assert SESSION_TOKEN.fullmatch(sdk().auth.login(account.email, new).token)
    with refused(401, "invalid_credentials"):
        sdk().auth.login(account.email, account.password)


def test_the_password_cannot_be_removed_while_it_is_the_only_way_in(
    sdk: Callable[..., PlatformClient], account: Account
) -> None:
    with refused(409, "last_sign_in_method"):
        account.client.auth.delete_password()

    assert SESSION_TOKEN.fullmatch(sdk().auth.login(account.email, account.password).token)


# --- identities ----------------------------------------------------------------------------


def test_the_identities_list_shows_the_password_which_is_not_unbindable(
    account: Account,
) -> None:
    (row,) = account.client.auth.list_identities()

    assert (row.provider, row.provider_email) == ("password", account.email)
    assert (row.provider_user_id, row.provider_login, row.avatar_url) == ("", "", "")
    assert row.id and row.created_at is not None
    with refused(404, "identity_not_found"):
        account.client.auth.unbind_identity(row.id)
    with refused(404, "identity_not_found"):
        account.client.auth.unbind_identity("no-such-identity")


# The local provider (oidc-provider-mock) calls an authlib API authlib now deprecates.
@pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")
def test_an_identity_linked_through_the_provider_is_listed_and_can_be_unbound(
    server: LiveServer, oidc: Any, account: Account
) -> None:
    auth = account.client.auth
    oidc.set_user("ada-sso", email="ada.sso@example.org", email_verified=True, name="Ada SSO")

    link = auth.start_oauth_link("oidc")
    assert link.authorize_url.startswith(oidc.authorize_url)
    # A link is bound to the client that started it (a cookie on the start's response): a
    # browser other than the SDK's client cannot finish it, and nothing is linked.
    elsewhere = httpx.get(oidc.approve(link.authorize_url, "ada-sso"), follow_redirects=False)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (400, "http_400")
    assert "another browser" in elsewhere.json()["detail"]
    assert [r.provider for r in auth.list_identities()] == ["password"]

    # The front end starts the link from the browser that then opens the URL.
    browser = httpx.Client(headers={"Authorization": f"Bearer {account.token}"})
    started = browser.post(f"{server.url}/api/v1/auth/identities/link/oidc")
    assert started.status_code == 200, started.text
    callback = oidc.approve(started.json()["authorize_url"], "ada-sso")  # the person consents
    assert callback.startswith(f"{server.url}/api/v1/auth/callback/oidc?")
    landing = browser.get(callback, follow_redirects=False)
    browser.close()
    assert landing.status_code == 302, landing.text
    assert landing.headers["location"].startswith("/auth/callback#token=pt_")
    page = httpx.get(server.url + landing.headers["location"].partition("#")[0])
    assert page.status_code == 200 and "Signed in" in page.text  # the example's landing page

    rows = auth.list_identities()
    assert [r.provider for r in rows] == ["oidc", "password"]
    linked = rows[0]
    assert (linked.provider_user_id, linked.provider_email, linked.provider_display_name) == (
        "ada-sso",
        "ada.sso@example.org",
        "Ada SSO",
    )
    assert linked.created_at is not None and linked.last_used_at is not None
    assert account.client.me.get().providers == ["oidc", "password"]

    # Replaying the callback with the browser's key finds the grant spent.
    replay = httpx.get(
        callback,
        cookies={"ctfy_auth_oauth": started.cookies["ctfy_auth_oauth"]},
        follow_redirects=False,
    )
    assert (replay.status_code, replay.json()["code"]) == (400, "oauth_link_session_expired")
    # With the password gone the linked identity is the last way in, and cannot be unbound.
    auth.delete_password()
    with refused(409, "last_sign_in_method"):
        auth.unbind_identity(linked.id)
    auth.set_password("a brand new password")
    assert auth.unbind_identity(linked.id) is None
    assert [r.provider for r in auth.list_identities()] == ["password"]


def test_an_oauth_identity_can_take_over_from_the_password_and_hand_back(
    server: LiveServer,
    sdk: Callable[..., PlatformClient],
    make_account: Callable[..., Account],
) -> None:
    owner, stranger = make_account("Octo"), make_account()
    github = server.bind_identity(owner.email, "github", "583231", "octocat")
    auth = owner.client.auth

    rows = auth.list_identities()
    assert [r.provider for r in rows] == ["github", "password"]  # OAuth first, by provider
    assert (rows[0].id, rows[0].provider_user_id, rows[0].provider_login) == (
        github,
        "583231",
        "octocat",
    )
    assert rows[0].provider_email == owner.email
    with refused(404, "identity_not_found"):  # not yours: the same answer as no such id
        stranger.client.auth.unbind_identity(github)

    # Removing the password needs a fresh proof, asked after the account facts (wire §3.10).
    server.close_sudo_window(current_token_id(owner.client))
    with refused(409, "reauthentication_required") as exc:
        auth.delete_password()
    assert detail(exc)["window_seconds"] == 900
    assert owner.client.me.reauthenticate(current_password=owner.password).window_seconds == 900
    assert auth.delete_password() is None

    # GitHub is now the only way in, so it cannot go.
    assert [r.provider for r in auth.list_identities()] == ["github"]
    with refused(401, "invalid_credentials"):
        sdk().auth.login(owner.email, owner.password)
    with refused(404, "password_not_set"):
        auth.delete_password()
    with refused(409, "last_sign_in_method"):
        auth.unbind_identity(github)

    # A first password is a second way in, so it needs the sudo window too (wire §7.5 #2).
    server.close_sudo_window(current_token_id(owner.client))
    with refused(409, "reauthentication_required"):
        auth.set_password("a password from scratch")
    # Signing in again opens the window on the new session (an operator-minted session
    # stands in for the GitHub sign-in the example project cannot do).
    fresh = sdk(server.manage("ctfy_auth_create_token", owner.email, "--session").strip())
    assert fresh.auth.set_password("a password from scratch", current_password="ignored") is None
    assert SESSION_TOKEN.fullmatch(sdk().auth.login(owner.email, "a password from scratch").token)

    # With a password back, GitHub may go: once the session has proved itself.
    server.close_sudo_window(current_token_id(fresh))
    with refused(409, "reauthentication_required"):
        fresh.auth.unbind_identity(github)
    fresh.me.reauthenticate(current_password="a password from scratch")
    assert fresh.auth.unbind_identity(github) is None
    assert [r.provider for r in fresh.auth.list_identities()] == ["password"]
    with refused(404, "identity_not_found"):
        fresh.auth.unbind_identity(github)


# --- /me and re-authentication -------------------------------------------------------------


def test_me_describes_the_account_and_the_credential(account: Account) -> None:
    me = account.client.me.get()

    assert me.email == account.email
    assert (me.role, me.is_admin, me.token_kind) == ("user", False, "user")
    assert me.id and me.created_at is not None


def test_me_lists_the_password_among_the_providers(account: Account) -> None:
    assert account.client.me.get().providers == ["password"]


def test_me_names_the_password_as_the_proof_to_give(account: Account) -> None:
    assert account.client.me.get().deletion_proof == "password"


def test_me_answers_an_api_token_that_holds_profile_read(
    sdk: Callable[..., PlatformClient], account: Account
) -> None:
    agent = account.client.auth.mint_token("agent", template="agent_play")
    me = sdk(agent.token).me.get()
    assert (me.email, me.token_kind) == (account.email, "fine_grained")

    ci = account.client.auth.mint_token("ci", template="ci_submit")  # no profile grant
    with refused(403, "token_missing_scope") as exc:
        sdk(ci.token).me.get()
    assert detail(exc)["required"] == "profile:read"


def test_reauthenticate_needs_the_right_password(account: Account) -> None:
    me = account.client.me

    with refused(401, "reauth_proof_required"):
        me.reauthenticate()
    with refused(401, "wrong_current_password"):
        me.reauthenticate(current_password="not the password at all")
    assert me.reauthenticate(current_password=account.password).window_seconds == 900


def test_reauthentication_is_rate_limited_per_credential(
    sdk: Callable[..., PlatformClient], account: Account
) -> None:
    """``account_reauthenticate`` is 30/hour per token and address (wire §6.7): cheap to reach.

    Every request that reaches the handler spends quota, refusals included. The loop
    allows one window rollover (fixed windows) before it gives up.
    """
    me = account.client.me
    answers = []
    for _ in range(62):
        try:
            me.reauthenticate()
        except httpx.HTTPStatusError as exc:
            answers.append(exc.response.status_code)
            if exc.response.status_code == 429:
                break
    assert answers[-1] == 429, answers
    assert set(answers[:30]) == {401}, answers
    with pytest.raises(httpx.HTTPStatusError) as exc:  # the right password too, now
        me.reauthenticate(current_password=account.password)
    assert exc.value.response.status_code == 429
    assert "Rate limit exceeded" in str(exc.value)  # what the SDK surfaces (wire §1.3)

    # The limit is on that credential: another session of the same account is untouched.
    other = sdk(sdk().auth.login(account.email, account.password).token)
    assert other.me.reauthenticate(current_password=account.password).window_seconds == 900
