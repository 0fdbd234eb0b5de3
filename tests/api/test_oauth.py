"""Sign-in, sign-up and linking through external providers (wire §4.5, §4.6, §6.2, §7.4).

Real HTTP on loopback: ``fake_github`` is a small fake of GitHub's OAuth and REST API, and
``oidc_provider`` is oidc-provider-mock (a real OIDC provider, with PKCE enforced in front of
it), used as the generic ``oidc`` provider and as Google (its discovery URL pointed there).
The browser's part is played by the fakes' ``approve()``; our server side runs in-process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from rest_framework.test import APIClient

from ctfy_auth import signals
from ctfy_auth.models import Identity, OAuthFlow, Token
from ctfy_auth.providers.oidc import clear_discovery_cache
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CALLBACK = "/api/v1/auth/callback/{}"


def _approve(providers: dict[str, Any], name: str, authorize_url: str, who: str) -> str:
    provider = providers[name]
    if name == "github":
        provider.sign_in_as(who)
        return str(provider.approve(authorize_url))
    return str(provider.approve(authorize_url, who))


def _start(client: APIClient, name: str, redirect_to: str = "/challenges") -> str:
    response = client.get(f"/api/v1/auth/login/{name}", {"redirect_to": redirect_to})
    assert response.status_code == HTTPStatus.FOUND, response.content
    return str(response["Location"])


def _callback(client: APIClient, location: str) -> Any:
    parts = urlsplit(location)
    assert parts.netloc == "testserver", location
    return client.get(f"{parts.path}?{parts.query}")


def _landing(response: Any) -> dict[str, str]:
    assert response.status_code == HTTPStatus.FOUND, response.content
    path, _, fragment = response["Location"].partition("#")
    assert path == "/auth/callback"
    return {k: v[0] for k, v in parse_qs(fragment).items()}


def sign_in(
    providers: dict[str, Any], name: str, who: str, client: APIClient | None = None, **kw: Any
) -> Any:
    """The whole browser round trip; returns the callback's response."""
    client = client or APIClient()
    authorize = _start(client, name, **kw)
    return _callback(client, _approve(providers, name, authorize, who))


def _me(token: str) -> dict[str, Any]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/me")
    assert response.status_code == HTTPStatus.OK, response.content
    return dict(response.json())


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def _link(providers: dict[str, Any], client: APIClient, name: str, who: str) -> Any:
    """Start a link with ``client`` and finish it in the same browser (it holds the cookie)."""
    response = client.post(f"/api/v1/auth/identities/link/{name}")
    assert response.status_code == HTTPStatus.OK, response.content
    return _callback(client, _approve(providers, name, response.json()["authorize_url"], who))


# --- configuration ---------------------------------------------------------------------------


def test_providers_lists_each_configured_provider_as_enabled(providers):
    body = APIClient().get("/api/v1/auth/providers").json()
    rows = [
        (p["name"], p["enabled"], p["display_name"], p["authorize_path"]) for p in body["providers"]
    ]
    assert rows == [
        ("github", True, "GitHub", "/api/v1/auth/login/github"),
        ("google", True, "Google", "/api/v1/auth/login/google"),
        ("oidc", True, "Local SSO", "/api/v1/auth/login/oidc"),
    ]


def test_credentials_can_come_from_the_environment(settings, fake_github, monkeypatch):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "PROVIDERS": {"github": {}}}
    assert APIClient().get("/api/v1/auth/providers").json()["providers"][0]["enabled"] is False
    monkeypatch.setenv("CTFY_AUTH_GITHUB_CLIENT_ID", "from-env")
    assert APIClient().get("/api/v1/auth/providers").json()["providers"][0]["enabled"] is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/auth/login/gitlab"),
        ("get", "/api/v1/auth/callback/gitlab?code=c&state=s"),
    ],
)
def test_an_unconfigured_provider_is_404(providers, method, path):
    response = getattr(APIClient(), method)(path)
    assert _error(response) == (404, "oauth_provider_not_configured")
    assert response.json()["detail"]["provider"] == "gitlab"


def test_linking_an_unconfigured_provider_is_404(providers, user_client):
    response = user_client.post("/api/v1/auth/identities/link/gitlab")
    assert _error(response) == (404, "oauth_provider_not_configured")


def test_the_login_redirect_carries_pkce_a_signed_state_and_a_browser_cookie(providers):
    client = APIClient()
    authorize = _start(client, "oidc")
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert authorize.startswith(providers["oidc"].authorize_url)
    assert query["client_id"] == "oidc-client-id"
    assert query["redirect_uri"] == "http://testserver/api/v1/auth/callback/oidc"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["scope"] == "openid email profile" and query["nonce"]
    flow = OAuthFlow.objects.get()
    assert flow.code_verifier not in authorize and flow.nonce == query["nonce"]
    assert signing.loads(query["state"], salt="ctfy_auth.oauth.state")["f"] == flow.pk
    cookie = client.cookies["ctfy_auth_oauth"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/api/v1/auth/callback/oidc"


# --- sign-up and sign-in ---------------------------------------------------------------------


def test_a_github_sign_in_creates_an_account_and_lands_with_a_session(
    providers, django_capture_on_commit_callbacks
):
    providers["github"].add_user(7, "octocat", name="The Octocat")
    events: list[tuple[str, dict[str, Any]]] = []

    def record(name: str) -> Callable[..., None]:
        return lambda sender, **kw: events.append((name, kw))

    receivers = {
        s: record(n)
        for n, s in [("registered", signals.user_registered), ("linked", signals.identity_linked)]
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = sign_in(providers, "github", "octocat", redirect_to="/challenges?x=1")
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver)

    landing = _landing(response)
    assert landing["redirect_to"] == "/challenges?x=1"
    me = _me(landing["token"])
    assert (me["email"], me["display_name"], me["role"]) == (
        "octocat@users.example.com",
        "The Octocat",
        "user",
    )
    assert me["email_verified"] is True and me["providers"] == ["github"]
    identity = Identity.objects.get()
    assert (identity.provider_user_id, identity.login, identity.email_verified) == (
        "7",
        "octocat",
        True,
    )
    assert identity.last_used_at is not None
    assert [name for name, _ in events] == ["registered", "linked"]
    assert events[1][1]["how"] == "sign_in"
    assert Token.objects.get().kind == "user"


def test_a_second_sign_in_reuses_the_account_and_refreshes_the_identity(providers):
    gh = providers["github"]
    gh.add_user(7, "octocat", name="Octo")
    first = _me(_landing(sign_in(providers, "github", "octocat"))["token"])
    before = Identity.objects.get().last_used_at
    gh.reset()
    gh.add_user(7, "octocat-renamed", name="Octo Renamed")
    second = _me(_landing(sign_in(providers, "github", "octocat-renamed"))["token"])
    assert first["id"] == second["id"] and second["display_name"] == "Octo Renamed"
    identity = Identity.objects.get()
    assert identity.login == "octocat-renamed" and identity.last_used_at > before
    assert get_user_model().objects.count() == 1


def test_a_provider_never_makes_the_first_account_super_admin(providers):
    providers["github"].add_user(1, "first")
    assert _me(_landing(sign_in(providers, "github", "first"))["token"])["role"] == "user"


@pytest.mark.parametrize("name", ["oidc", "google"])
def test_an_oidc_sign_in_validates_the_id_token_and_creates_an_account(providers, name):
    providers[name].set_user(
        "sub-1", email="Ada@Example.com", email_verified=True, name="Ada", picture="https://p/1"
    )
    me = _me(_landing(sign_in(providers, name, "sub-1"))["token"])
    assert (me["email"], me["display_name"], me["avatar_url"]) == (
        "ada@example.com",
        "Ada",
        "https://p/1",
    )
    identity = Identity.objects.get()
    assert (identity.provider, identity.provider_user_id) == (name, "sub-1")
    authorize = providers[name].authorize_requests[-1]
    assert authorize["code_challenge_method"] == "S256" and authorize["nonce"]
    if name == "google":
        assert authorize["prompt"] == "select_account"


def test_oidc_without_email_verified_claim_is_unverified(providers):
    # Unlike wire §4.5 (absent counts as true): only a JSON true proves the address.
    providers["oidc"].set_user("sub-2", email="grace@example.com")
    assert _error(sign_in(providers, "oidc", "sub-2")) == (400, "provider_email_unverified")
    assert get_user_model().objects.count() == 0


def test_oidc_without_email_verified_claim_is_trusted_by_opt_in(providers, settings):
    settings.CTFY_AUTH["PROVIDERS"]["oidc"]["trust_email_without_claim"] = True
    settings.CTFY_AUTH = dict(settings.CTFY_AUTH)
    providers["oidc"].set_user("sub-2", email="grace@example.com")
    me = _me(_landing(sign_in(providers, "oidc", "sub-2"))["token"])
    assert (me["email"], me["email_verified"]) == ("grace@example.com", True)


def test_an_untrusted_issuer_email_is_ignored(providers, settings, user_factory):
    user_factory(email="grace@example.com")
    settings.CTFY_AUTH["PROVIDERS"]["oidc"]["trust_email_verified"] = False
    settings.CTFY_AUTH = dict(settings.CTFY_AUTH)
    providers["oidc"].set_user("sub-3", email="grace@example.com", email_verified=True, name="G")
    me = _me(_landing(sign_in(providers, "oidc", "sub-3"))["token"])
    assert me["email"] == "" and me["display_name"] == "G"  # no merge into the password account


def test_redirect_to_that_would_leave_the_site_lands_on_root(providers):
    providers["github"].add_user(7, "octocat")
    landing = _landing(sign_in(providers, "github", "octocat", redirect_to="/\\evil.example"))
    assert landing["redirect_to"] == "/"


# --- refusals of §4.5 ------------------------------------------------------------------------


def test_missing_code_or_state_is_400(providers):
    client = APIClient()
    assert _error(client.get(CALLBACK.format("github"))) == (400, "oauth_missing_params")
    assert _error(client.get(CALLBACK.format("github"), {"code": "c"})) == (
        400,
        "oauth_missing_params",
    )
    denied = client.get(CALLBACK.format("github"), {"error": "access_denied", "state": "s"})
    assert _error(denied) == (400, "oauth_missing_params")
    assert "access_denied" in denied.json()["detail"]


def test_the_provider_refusing_consent_is_a_400(providers):
    providers["github"].add_user(7, "octocat")
    client = APIClient()
    location = providers["github"].deny(_start(client, "github"))
    assert _error(_callback(client, location)) == (400, "oauth_missing_params")
    assert get_user_model().objects.count() == 0


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("not-a-state", "Malformed state parameter"),
        ("a" * 2000, "Malformed state parameter"),
        (signing.dumps({"f": "x", "p": "github"}, salt="other"), "Invalid state signature"),
    ],
    ids=["garbage", "too-long", "other-salt"],
)
def test_a_forged_or_malformed_state_is_refused(providers, state, message):
    response = APIClient().get(CALLBACK.format("github"), {"code": "c", "state": state})
    assert _error(response) == (400, "http_400")
    assert response.json()["detail"] == message


def test_a_tampered_state_is_refused(providers):
    client = APIClient()
    state = parse_qs(urlsplit(_start(client, "github")).query)["state"][0]
    payload, _, rest = state.partition(":")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest
    response = client.get(CALLBACK.format("github"), {"code": "c", "state": tampered})
    assert response.json()["detail"] == "Invalid state signature"


def test_an_expired_state_is_refused(providers, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "OAUTH_FLOW_LIFETIME_SECONDS": 1}
    providers["github"].add_user(7, "octocat")
    client = APIClient()
    location = _approve(providers, "github", _start(client, "github"), "octocat")
    time.sleep(2.1)
    response = _callback(client, location)
    assert _error(response) == (400, "http_400")
    assert response.json()["detail"] == "State parameter expired; start the login flow again"
    assert providers["github"].token_exchanges == 0  # the code was never spent


def test_a_state_for_another_provider_is_a_mismatch(providers):
    client = APIClient()
    state = parse_qs(urlsplit(_start(client, "github")).query)["state"][0]
    response = client.get(CALLBACK.format("oidc"), {"code": "c", "state": state})
    assert _error(response) == (400, "oauth_state_mismatch")
    assert response.json()["detail"]["provider"] == "oidc"


def test_a_callback_replayed_is_refused_and_mints_nothing_more(providers):
    providers["github"].add_user(7, "octocat")
    client = APIClient()
    location = _approve(providers, "github", _start(client, "github"), "octocat")
    assert _callback(client, location).status_code == HTTPStatus.FOUND
    replay = _callback(client, location)
    assert _error(replay) == (400, "http_400")
    assert Token.objects.count() == 1


def test_a_callback_in_another_browser_is_refused(providers):
    """Login CSRF: a callback link sent to someone else cannot sign them in to my account."""
    providers["github"].add_user(7, "attacker")
    mine = APIClient()
    location = _approve(providers, "github", _start(mine, "github"), "attacker")
    response = _callback(APIClient(), location)  # the victim's browser: no cookie
    assert _error(response) == (400, "http_400")
    assert "another browser" in response.json()["detail"]
    assert providers["github"].token_exchanges == 0


def test_a_link_only_provider_cannot_sign_in(providers, settings):
    settings.CTFY_AUTH["PROVIDERS"]["github"]["link_only"] = True
    settings.CTFY_AUTH = dict(settings.CTFY_AUTH)
    response = APIClient().get("/api/v1/auth/login/github")
    assert _error(response) == (403, "oauth_provider_link_only")
    body = APIClient().get("/api/v1/auth/providers").json()
    assert "github" not in [p["name"] for p in body["providers"]]
    assert "github" in [p["name"] for p in body["link_providers"]]


def test_an_unverified_github_email_is_refused(providers):
    providers["github"].add_user(
        7,
        "octocat",
        emails=[{"email": "o@x.example", "primary": True, "verified": False, "visibility": None}],
    )
    response = sign_in(providers, "github", "octocat")
    assert _error(response) == (400, "provider_email_unverified")
    assert get_user_model().objects.count() == 0 and Identity.objects.count() == 0


def test_an_unverified_oidc_email_is_refused(providers):
    providers["oidc"].set_user("sub-4", email="x@example.com", email_verified=False)
    assert _error(sign_in(providers, "oidc", "sub-4")) == (400, "provider_email_unverified")


def test_a_provider_outage_is_a_400_and_writes_nothing(providers):
    gh = providers["github"]
    gh.add_user(7, "octocat")
    gh.fail_next_token_exchange(500)
    response = sign_in(providers, "github", "octocat")
    assert _error(response) == (400, "http_400")
    assert get_user_model().objects.count() == 0 and Token.objects.count() == 0


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(providers):
    providers["github"].add_user(7, "octocat")
    client = APIClient()
    location = _approve(providers, "github", _start(client, "github"), "octocat")
    OAuthFlow.objects.update(code_verifier="x" * 64)
    assert _error(_callback(client, location)) == (400, "http_400")
    assert get_user_model().objects.count() == 0


def test_an_id_token_with_another_nonce_is_refused(providers):
    providers["oidc"].set_user("sub-5", email="n@example.com", email_verified=True)
    client = APIClient()
    location = _approve(providers, "oidc", _start(client, "oidc"), "sub-5")
    OAuthFlow.objects.update(nonce="not-the-nonce-we-sent")
    response = _callback(client, location)
    assert _error(response) == (400, "http_400")
    assert "nonce" in response.json()["detail"]
    assert get_user_model().objects.count() == 0


def test_an_id_token_for_another_client_is_refused(providers, settings):
    # The provider issues the token to the client it saw; we expect a different audience.
    providers["oidc"].set_user("sub-6", email="a@example.com", email_verified=True)
    client = APIClient()
    location = _approve(providers, "oidc", _start(client, "oidc"), "sub-6")
    settings.CTFY_AUTH["PROVIDERS"]["oidc"]["client_id"] = "someone-else"
    settings.CTFY_AUTH = dict(settings.CTFY_AUTH)
    assert _error(_callback(client, location)) == (400, "http_400")


# --- merging by email (§4.6) -----------------------------------------------------------------


def test_a_password_account_with_that_email_is_not_merged(providers, user_factory):
    victim = user_factory(email="octocat@users.example.com")
    providers["github"].add_user(7, "octocat")
    response = sign_in(providers, "github", "octocat")
    assert _error(response) == (409, "email_belongs_to_password_account")
    assert Identity.objects.count() == 0
    victim.refresh_from_db()
    assert victim.email_verified_at is None


def test_a_verified_email_merges_into_an_account_that_has_a_sign_in_identity(providers):
    providers["github"].add_user(7, "octocat")
    first = _me(_landing(sign_in(providers, "github", "octocat"))["token"])
    providers["oidc"].set_user("sub-7", email="octocat@users.example.com", email_verified=True)
    second = _me(_landing(sign_in(providers, "oidc", "sub-7"))["token"])
    assert first["id"] == second["id"]
    assert second["providers"] == ["github", "oidc"]


# --- linking ---------------------------------------------------------------------------------


def test_a_password_account_links_github_and_lists_it(
    providers, user, client_for, django_capture_on_commit_callbacks
):
    providers["github"].add_user(7, "octocat")
    client = client_for(user)
    events: list[dict[str, Any]] = []
    receiver = lambda sender, **kw: events.append(kw)  # noqa: E731
    signals.identity_linked.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            landing = _landing(_link(providers, client, "github", "octocat"))
    finally:
        signals.identity_linked.disconnect(receiver)
    assert landing["redirect_to"] == "/settings"
    assert _me(landing["token"])["id"] == user.id
    rows = client.get("/api/v1/auth/identities").json()["items"]
    assert [(r["provider"], r["provider_login"]) for r in rows] == [
        ("github", "octocat"),
        ("password", ""),
    ]
    assert events[0]["how"] == "link" and events[0]["user"].pk == user.pk


def test_linking_marks_verified_only_the_address_the_provider_proved(
    providers, user_factory, client_for
):
    other = user_factory(email="p@example.com")
    providers["github"].add_user(7, "octocat")  # proves octocat@users.example.com
    _landing(_link(providers, client_for(other), "github", "octocat"))
    other.refresh_from_db()
    assert other.email_verified_at is None and other.email == "p@example.com"

    same = user_factory(email="same@example.com")
    providers["github"].add_user(
        8,
        "same",
        emails=[
            {"email": "same@example.com", "primary": True, "verified": True, "visibility": None}
        ],
    )
    _landing(_link(providers, client_for(same), "github", "same"))
    same.refresh_from_db()
    assert same.email_verified_at is not None


def test_a_link_never_becomes_a_sign_in_as_someone_else(providers, user_factory, client_for):
    providers["github"].add_user(7, "octocat")
    owner = _me(_landing(sign_in(providers, "github", "octocat"))["token"])
    intruder = user_factory()
    response = _link(providers, client_for(intruder), "github", "octocat")
    assert _error(response) == (409, "identity_already_linked")
    assert Identity.objects.get().user_id == owner["id"]
    assert Token.objects.filter(user_id=owner["id"]).count() == 1  # no session minted for them


def test_a_link_grant_is_single_use(providers, user, client_for):
    providers["github"].add_user(7, "octocat")
    client = client_for(user)
    authorize = client.post("/api/v1/auth/identities/link/github").json()["authorize_url"]
    location = _approve(providers, "github", authorize, "octocat")
    # The callback forgets the browser key; a replay in the same browser still holding it
    # (or a copy of it) finds the grant spent.
    key = client.cookies["ctfy_auth_oauth"].value
    assert _callback(client, location).status_code == HTTPStatus.FOUND
    client.cookies["ctfy_auth_oauth"] = key
    assert _error(_callback(client, location)) == (400, "oauth_link_session_expired")


def test_a_link_whose_session_was_revoked_does_not_complete(providers, user, client_for):
    providers["github"].add_user(7, "octocat")
    client = client_for(user)
    authorize = client.post("/api/v1/auth/identities/link/github").json()["authorize_url"]
    Token.objects.filter(user=user).update(revoked_at=Token.objects.get(user=user).created_at)
    response = _callback(client, _approve(providers, "github", authorize, "octocat"))
    assert _error(response) == (400, "oauth_link_session_expired")
    assert Identity.objects.count() == 0


def test_api_tokens_cannot_start_a_link(providers, user, token_row_factory):
    response = token_row_factory(user).post("/api/v1/auth/identities/link/github")
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_linking_does_not_demote_a_bootstrap_super_admin(providers, user_factory, client_for):
    boss = user_factory(email="boss@example.com", role="super_admin")
    providers["github"].add_user(7, "boss-gh")
    _landing(_link(providers, client_for(boss), "github", "boss-gh"))
    boss.refresh_from_db()
    assert boss.role == "super_admin"


def test_listed_super_admin_emails_count_only_when_a_provider_proves_them(providers, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "SUPER_ADMIN_EMAILS": ["Root@Example.com"]}
    registered = APIClient().post(
        "/api/v1/auth/register", {"email": "root@example.com", "password": PASSWORD}, format="json"
    )
    assert _me(registered.json()["token"])["role"] == "super_admin"  # first user bootstrap
    second = APIClient().post(
        "/api/v1/auth/register", {"email": "root2@example.com", "password": PASSWORD}, format="json"
    )
    assert _me(second.json()["token"])["role"] == "user"
    providers["oidc"].set_user("sub-r", email="root@example.com", email_verified=True)
    # root@ is a password account without a sign-in identity: no merge, no promotion.
    assert _error(sign_in(providers, "oidc", "sub-r")) == (409, "email_belongs_to_password_account")
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "SUPER_ADMIN_EMAILS": ["root2@example.com"]}
    providers["oidc"].set_user("sub-s", email="other@example.com", email_verified=True)
    assert _me(_landing(sign_in(providers, "oidc", "sub-s"))["token"])["role"] == "user"
    providers["oidc"].set_user("sub-t", email="Root2@example.com", email_verified=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {second.json()['token']}")
    linked = _landing(_link(providers, client, "oidc", "sub-t"))
    assert _me(linked["token"])["role"] == "user"  # a link never grants a role (unlike ctfy)
    # Signing in with the identity the provider proved it for does.
    assert _me(_landing(sign_in(providers, "oidc", "sub-t"))["token"])["role"] == "super_admin"


# --- the last way in, after linking and unlinking -------------------------------------------


def test_the_last_way_in_survives_linking_and_unlinking(providers):
    providers["github"].add_user(7, "octocat")
    token = _landing(sign_in(providers, "github", "octocat"))["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    github_id = Identity.objects.get(provider="github").pk
    assert _error(client.delete(f"/api/v1/auth/identities/{github_id}")) == (
        409,
        "last_sign_in_method",
    )

    providers["oidc"].set_user("sub-8", email="elsewhere@example.com", email_verified=True)
    _landing(_link(providers, client, "oidc", "sub-8"))
    assert client.delete(f"/api/v1/auth/identities/{github_id}").status_code == HTTPStatus.OK
    oidc_id = Identity.objects.get(provider="oidc").pk
    assert _error(client.delete(f"/api/v1/auth/identities/{oidc_id}")) == (
        409,
        "last_sign_in_method",
    )


def test_a_link_only_identity_is_not_a_way_in(providers, settings):
    providers["github"].add_user(7, "octocat")
    token = _landing(sign_in(providers, "github", "octocat"))["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    providers["oidc"].set_user("sub-9", email="x9@example.com", email_verified=True)
    settings.CTFY_AUTH["PROVIDERS"]["oidc"]["link_only"] = True
    settings.CTFY_AUTH = dict(settings.CTFY_AUTH)
    _landing(_link(providers, client, "oidc", "sub-9"))
    github_id = Identity.objects.get(provider="github").pk
    assert _error(client.delete(f"/api/v1/auth/identities/{github_id}")) == (
        409,
        "last_sign_in_method",
    )


# --- housekeeping ----------------------------------------------------------------------------


def test_the_purge_command_removes_expired_flows(providers):
    from django.core.management import call_command
    from django.utils import timezone

    _start(APIClient(), "github")
    _start(APIClient(), "github")
    OAuthFlow.objects.filter(pk=OAuthFlow.objects.first().pk).update(expires_at=timezone.now())
    call_command("ctfy_auth_purge_tokens", verbosity=0)
    assert OAuthFlow.objects.count() == 1


def test_client_secrets_are_never_logged_nor_shown(providers, caplog):
    from ctfy_auth.providers import configured_provider

    caplog.set_level("DEBUG")
    gh = providers["github"]
    gh.add_user(7, "octocat")
    gh.fail_next_token_exchange(502)
    assert _error(sign_in(providers, "github", "octocat")) == (400, "http_400")
    providers["oidc"].set_user("sub-l", email="l@example.com", email_verified=True)
    _landing(sign_in(providers, "oidc", "sub-l"))
    provider = configured_provider("github")
    assert provider is not None and gh.client_secret not in repr(provider)
    for secret in (gh.client_secret, providers["oidc"].client_secret):
        assert secret not in caplog.text


def test_an_unreachable_issuer_fails_the_start_with_a_400_and_stores_nothing(
    providers, settings, user_client
):
    settings.CTFY_AUTH["PROVIDERS"]["oidc"]["issuer"] = "http://127.0.0.1:9"  # nothing listens
    settings.CTFY_AUTH = dict(settings.CTFY_AUTH)
    clear_discovery_cache()
    assert _error(APIClient().get("/api/v1/auth/login/oidc")) == (400, "http_400")
    assert _error(user_client.post("/api/v1/auth/identities/link/oidc")) == (400, "http_400")
    assert OAuthFlow.objects.count() == 0
