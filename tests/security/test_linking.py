"""Issue #11, items 1-3: identity linking and the OIDC ``email_verified`` claim.

1. A link flow is bound to the browser that started it (the POST that starts it sets the same
   HttpOnly cookie a sign-in start sets), so an attacker's ``authorize_url`` opened in a victim's
   browser links nothing and signs nobody in; and a link never grants a role.
2. Starting a link needs the sudo window.
3. For OIDC issuers only a JSON ``true`` proves an address; trusting one without the claim is the
   provider's ``trust_email_without_claim`` opt-in, which never grants ``SUPER_ADMIN_EMAILS``.

Real HTTP on loopback against the fakes of ``tests/oauth_fakes``; each ``APIClient`` is a browser
with its own cookie jar.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth.models import Identity, OAuthFlow, Token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

COOKIE = "ctfy_auth_oauth"


def _set_provider_option(settings: Any, name: str, **options: Any) -> None:
    providers = dict(settings.CTFY_AUTH["PROVIDERS"])
    providers[name] = {**providers[name], **options}
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "PROVIDERS": providers}


def _consent(providers: dict[str, Any], name: str, authorize_url: str, who: str) -> str:
    """The person approves at the provider; returns where it sends their browser back."""
    if name == "github":
        providers["github"].sign_in_as(who)
        return str(providers["github"].approve(authorize_url))
    return str(providers[name].approve(authorize_url, who))


def _follow(browser: APIClient, location: str) -> Any:
    parts = urlsplit(location)
    assert parts.netloc == "testserver", location
    return browser.get(f"{parts.path}?{parts.query}")


def _start_link(browser: APIClient, name: str) -> str:
    response = browser.post(f"/api/v1/auth/identities/link/{name}")
    assert response.status_code == HTTPStatus.OK, response.content
    return str(response.json()["authorize_url"])


def _sign_in(providers: dict[str, Any], name: str, who: str) -> Any:
    browser = APIClient()
    started = browser.get(f"/api/v1/auth/login/{name}")
    assert started.status_code == HTTPStatus.FOUND, started.content
    return _follow(browser, _consent(providers, name, started["Location"], who))


def _landed_token(response: Any) -> str:
    assert response.status_code == HTTPStatus.FOUND, response.content
    return parse_qs(response["Location"].partition("#")[2])["token"][0]


def _me(token: str) -> dict[str, Any]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/me")
    assert response.status_code == HTTPStatus.OK, response.content
    return dict(response.json())


def _error(response: Any) -> tuple[int, str]:
    """``(status, envelope code)``; a success (a redirect, a 200) has no code: ``""``."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return response.status_code, ""
    return response.status_code, str(response.json().get("code", ""))


# --- 1. a link is bound to the browser that started it -----------------------------------------


def test_starting_a_link_gives_the_browser_an_httponly_key_for_the_callback(
    providers, user, client_for
):
    browser = client_for(user)
    response = browser.post("/api/v1/auth/identities/link/github")
    assert response.status_code == HTTPStatus.OK, response.content
    cookie = response.cookies[COOKIE]
    assert cookie.value and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/api/v1/auth/callback/github"
    assert response["Cache-Control"] == "no-store"
    assert OAuthFlow.objects.get().browser_key_digest  # the flow remembers only a digest
    assert cookie.value not in OAuthFlow.objects.get().browser_key_digest


@pytest.mark.parametrize("victim_cookie", [False, True], ids=["no-cookie", "own-other-flow"])
def test_an_attackers_link_finished_in_the_victims_browser_links_nothing(
    providers, user_factory, client_for, victim_cookie
):
    """The attack of item 1: the victim opens the attacker's authorize_url and consents."""
    attacker = user_factory(email="attacker@example.com")
    attacker_browser = client_for(attacker)
    authorize_url = _start_link(attacker_browser, "github")
    tokens_before = set(Token.objects.values_list("pk", flat=True))

    providers["github"].add_user(42, "victim")
    victim_browser = APIClient()
    if victim_cookie:  # the victim's browser holds a key of its own, for its own sign-in
        assert victim_browser.get("/api/v1/auth/login/github").status_code == HTTPStatus.FOUND
        assert victim_browser.cookies[COOKIE].value
    response = _follow(victim_browser, _consent(providers, "github", authorize_url, "victim"))

    assert _error(response) == (400, "http_400")
    assert "another browser" in response.json()["detail"]
    assert "token=" not in response.get("Location", "")
    assert Identity.objects.count() == 0  # nothing linked
    assert set(Token.objects.values_list("pk", flat=True)) == tokens_before  # nobody signed in
    assert providers["github"].token_exchanges == 0  # the victim's code was never spent
    assert OAuthFlow.objects.get(user=attacker).consumed_at is None


@pytest.mark.parametrize("name", ["github", "oidc"])
def test_a_link_never_grants_super_admin(providers, settings, user_factory, client_for, name):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "SUPER_ADMIN_EMAILS": ["boss@example.com"]}
    if name == "github":
        providers["github"].add_user(
            9,
            "boss",
            emails=[
                {"email": "boss@example.com", "primary": True, "verified": True, "visibility": None}
            ],
        )
    else:
        providers["oidc"].set_user("boss", email="boss@example.com", email_verified=True)
    someone = user_factory(email="someone@example.com")
    browser = client_for(someone)
    response = _follow(browser, _consent(providers, name, _start_link(browser, name), "boss"))
    assert _me(_landed_token(response))["role"] == "user"
    someone.refresh_from_db()
    assert someone.role == "user"
    assert Identity.objects.get().user_id == someone.pk


# --- 2. starting a link needs the sudo window ----------------------------------------------------


def test_starting_a_link_needs_the_sudo_window(providers, user, client_for):
    stale = client_for(user, reauthenticated_at=timezone.now() - timedelta(hours=2))
    response = stale.post("/api/v1/auth/identities/link/github")
    assert _error(response) == (409, "reauthentication_required")
    assert response.json()["detail"]["window_seconds"] == 900
    assert OAuthFlow.objects.count() == 0 and COOKIE not in response.cookies

    proved = stale.post("/api/v1/me/reauthenticate", {"current_password": PASSWORD}, format="json")
    assert proved.status_code == HTTPStatus.OK, proved.content
    assert stale.post("/api/v1/auth/identities/link/github").status_code == HTTPStatus.OK


# --- 3. OIDC: only a JSON true proves an address ---------------------------------------------------


@pytest.mark.parametrize(
    "claims",
    [{}, {"email_verified": "true"}],
    ids=["claim-missing", "claim-a-string"],
)
def test_an_oidc_address_without_a_boolean_true_claim_is_unverified(providers, claims):
    providers["oidc"].set_user("sub-1", email="grace@example.com", **claims)
    assert _error(_sign_in(providers, "oidc", "sub-1")) == (400, "provider_email_unverified")
    assert get_user_model().objects.count() == 0 and Identity.objects.count() == 0


def test_a_missing_claim_cannot_take_over_an_account_by_merge(providers):
    providers["github"].add_user(7, "octocat")  # proves octocat@users.example.com
    owner = _me(_landed_token(_sign_in(providers, "github", "octocat")))
    providers["oidc"].set_user("intruder", email="octocat@users.example.com")  # no claim
    assert _error(_sign_in(providers, "oidc", "intruder")) == (400, "provider_email_unverified")
    assert list(Identity.objects.values_list("provider", "user_id")) == [("github", owner["id"])]


def test_trusting_addresses_without_the_claim_is_an_opt_in_that_never_grants_a_role(
    providers, settings
):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "SUPER_ADMIN_EMAILS": ["root@example.com"]}
    _set_provider_option(settings, "oidc", trust_email_without_claim=True)
    providers["oidc"].set_user("root", email="root@example.com")  # no email_verified claim
    me = _me(_landed_token(_sign_in(providers, "oidc", "root")))
    assert (me["email"], me["email_verified"], me["role"]) == ("root@example.com", True, "user")
    # The same issuer sending a boolean true is a proof: then the listed address counts.
    providers["oidc"].set_user("root", email="root@example.com", email_verified=True)
    assert _me(_landed_token(_sign_in(providers, "oidc", "root")))["role"] == "super_admin"


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        (
            {"type": "oidc", "issuer": "https://sso.example", "trust_email_without_claim": "yes"},
            "'yes'",
        ),
        ({"trust_email_without_claim": True}, "only for an OIDC issuer"),
    ],
    ids=["not-a-boolean", "on-github"],
)
def test_a_malformed_trust_email_without_claim_is_a_system_check_error(settings, entry, needle):
    name = "sso" if entry.get("type") else "github"
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "PROVIDERS": {name: entry}}
    errors = [m for m in run_checks() if m.id == "ctfy_auth.E007"]
    assert any("trust_email_without_claim" in m.msg and needle in m.msg for m in errors), errors


def test_a_proved_look_alike_address_gives_the_account_no_address(providers, user_factory):
    """Item 12 at the provider door: a Cyrillic a (U+0430) in the domain is refused everywhere else."""
    user_factory(email="boss@example.com")
    providers["oidc"].set_user("twin", email="boss@ex\u0430mple.com", email_verified=True)
    me = _me(_landed_token(_sign_in(providers, "oidc", "twin")))
    assert me["email"] in (None, "")
    assert get_user_model().objects.filter(email__contains="\u0430").count() == 0
