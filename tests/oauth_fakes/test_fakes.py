"""The fakes themselves, over real HTTP: with `requests` and with authlib's OAuth2 client.

No database: none of these tests asks for ``db``.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oauth_fakes import FakeGitHub, OIDCProvider
from tests.oauth_fakes._server import s256

REDIRECT_URI = "http://127.0.0.1:8000/auth/callback/?next=%2Fhome"
STATE = "st/+=&é ?x"  # survives the round trip verbatim


def params(location: str) -> dict[str, str]:
    """The query parameters of a redirect ``Location`` (each given once)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_no_insecure_transport_override() -> None:
    # authlib treats loopback http as secure: nothing here relies on AUTHLIB_INSECURE_TRANSPORT.
    assert "AUTHLIB_INSECURE_TRANSPORT" not in os.environ


# GitHub


@pytest.fixture
def octocat(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.add_user(
        583231,
        "octocat",
        name="The Octocat",
        emails=[
            {"email": "octo@example.com", "primary": True, "verified": True, "visibility": None},
            {"email": "cat@example.org", "primary": False, "verified": False, "visibility": None},
        ],
    )
    return fake_github


def github_authorize(fake: FakeGitHub, verifier: str, **extra: str) -> str:
    query = {
        "client_id": fake.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "read:user user:email",
        "state": STATE,
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    return requests.Request("GET", fake.authorize_url, params=query).prepare().url or ""


def github_code(fake: FakeGitHub, verifier: str) -> str:
    location = fake.approve(github_authorize(fake, verifier))
    assert location.startswith(REDIRECT_URI + "&")
    assert params(location)["state"] == STATE
    return params(location)["code"]


def github_exchange(fake: FakeGitHub, grant: str, verifier: str, **overrides: str) -> Any:
    form = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "code": grant,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        **overrides,
    }
    headers = {"Accept": "application/json"}
    response = requests.post(fake.token_url, data=form, headers=headers, timeout=10)
    assert response.status_code == 200, response.text  # GitHub: 200 even for errors
    return response.json()


def test_github_code_flow_with_authlib(octocat: FakeGitHub) -> None:
    client = OAuth2Session(
        octocat.client_id,
        octocat.client_secret,
        scope="read:user user:email",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
    )
    verifier = generate_token(48)
    url, state = client.create_authorization_url(octocat.authorize_url, code_verifier=verifier)
    location = octocat.approve(url)
    token = client.fetch_token(
        octocat.token_url, authorization_response=location, code_verifier=verifier
    )

    assert token["access_token"].startswith("gho_") and len(token["access_token"]) == 40
    assert token["token_type"] == "bearer"
    assert token["scope"] == "read:user,user:email"
    sent = octocat.authorize_requests[0]
    assert sent["state"] == state and sent["scope"] == "read:user user:email"
    assert sent["code_challenge"] == s256(verifier) and sent["code_challenge_method"] == "S256"

    user = client.get(f"{octocat.api_url}/user")
    assert user.headers["X-OAuth-Scopes"] == "read:user, user:email"
    assert user.json() == {
        "id": 583231,
        "login": "octocat",
        "name": "The Octocat",
        "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
        "email": None,  # the primary email is not public
        "type": "User",
        "html_url": "https://github.com/octocat",
    }
    emails = client.get(f"{octocat.api_url}/user/emails").json()
    assert [(e["email"], e["primary"], e["verified"]) for e in emails] == [
        ("octo@example.com", True, True),
        ("cat@example.org", False, False),
    ]
    assert octocat.token_exchanges == 1
    assert octocat.requests_log == [
        ("GET", "/login/oauth/authorize"),
        ("POST", "/login/oauth/access_token"),
        ("GET", "/api/user"),
        ("GET", "/api/user/emails"),
    ]


def test_github_basic_auth_and_form_encoded_default(octocat: FakeGitHub) -> None:
    code = github_code(octocat, "v" * 43)
    form = {"code": code, "redirect_uri": REDIRECT_URI, "code_verifier": "v" * 43}
    auth = (octocat.client_id, octocat.client_secret)
    response = requests.post(octocat.token_url, data=form, auth=auth, timeout=10)
    assert response.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    body = parse_qs(response.text)
    assert body["token_type"] == ["bearer"] and body["scope"] == ["read:user,user:email"]
    headers = {"Authorization": f"token {body['access_token'][0]}"}
    user = requests.get(f"{octocat.api_url}/user", headers=headers, timeout=10).json()
    assert user["login"] == "octocat"


def test_github_public_email_and_sign_in_choice(octocat: FakeGitHub) -> None:
    octocat.add_user(2, "hubot")  # default email: primary, verified, public
    octocat.sign_in_as("hubot")
    token = github_exchange(octocat, github_code(octocat, "w" * 43), "w" * 43)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    user = requests.get(f"{octocat.api_url}/user", headers=headers, timeout=10).json()
    assert (user["login"], user["email"], user["name"]) == (
        "hubot",
        "hubot@users.example.com",
        None,
    )


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_verifier": "x" * 43}, "bad_verification_code"),
        ({"code_verifier": ""}, "bad_verification_code"),
        ({"code": "0" * 20}, "bad_verification_code"),
        ({"client_secret": "wrong"}, "incorrect_client_credentials"),
        ({"client_id": "someone-else"}, "incorrect_client_credentials"),
        ({"redirect_uri": "http://127.0.0.1:8000/elsewhere/"}, "redirect_uri_mismatch"),
    ],
)
def test_github_refused_exchanges(
    octocat: FakeGitHub, overrides: dict[str, str], error: str
) -> None:
    verifier = "v" * 43
    body = github_exchange(octocat, github_code(octocat, verifier), verifier, **overrides)
    assert body["error"] == error and body["error_uri"].startswith("https://docs.github.com/")
    assert "access_token" not in body


def test_github_wrong_secret_leaves_code_usable_but_codes_are_single_use(
    octocat: FakeGitHub,
) -> None:
    verifier = "v" * 43
    code = github_code(octocat, verifier)
    assert github_exchange(octocat, code, verifier, client_secret="x")["error"] == (
        "incorrect_client_credentials"
    )
    assert "access_token" in github_exchange(octocat, code, verifier)
    assert github_exchange(octocat, code, verifier)["error"] == "bad_verification_code"


def test_github_authorize_refusals_and_denial(octocat: FakeGitHub) -> None:
    def get(url: str) -> requests.Response:
        return requests.get(url, allow_redirects=False, timeout=10)

    assert get(github_authorize(octocat, "v", client_id="nope")).status_code == 400
    assert get(github_authorize(octocat, "v", code_challenge="")).status_code == 400
    assert get(github_authorize(octocat, "v", code_challenge_method="plain")).status_code == 400

    denied = params(octocat.deny(github_authorize(octocat, "v" * 43)))
    assert denied["error"] == "access_denied" and denied["state"] == STATE
    assert "code" in params(octocat.approve(github_authorize(octocat, "v" * 43)))  # once only


def test_github_api_needs_a_token_and_the_email_scope(octocat: FakeGitHub) -> None:
    response = requests.get(f"{octocat.api_url}/user", timeout=10)
    assert response.status_code == 401 and response.json()["message"] == "Bad credentials"
    verifier = "v" * 43
    url = github_authorize(octocat, verifier, scope="read:user")
    code = params(octocat.approve(url))["code"]
    token = github_exchange(octocat, code, verifier)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{octocat.api_url}/user", headers=headers, timeout=10).ok
    emails = requests.get(f"{octocat.api_url}/user/emails", headers=headers, timeout=10)
    assert emails.status_code == 404 and emails.json() == {"message": "Not Found"}


def test_github_simulated_outages(octocat: FakeGitHub) -> None:
    verifier = "v" * 43
    code = github_code(octocat, verifier)
    octocat.fail_next_token_exchange()
    form = {"client_id": octocat.client_id, "client_secret": octocat.client_secret, "code": code}
    assert requests.post(octocat.token_url, data=form, timeout=10).status_code == 500
    token = github_exchange(octocat, code, verifier)["access_token"]  # the code survived
    assert octocat.token_exchanges == 2

    octocat.fail_next_user_api()
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{octocat.api_url}/user", headers=headers, timeout=10).status_code == 502
    assert requests.get(f"{octocat.api_url}/user", headers=headers, timeout=10).status_code == 200


# OpenID Connect


@pytest.fixture
def alice(oidc_provider: OIDCProvider) -> OIDCProvider:
    oidc_provider.set_user(
        "alice-sub",
        email="alice@example.com",
        email_verified=True,
        name="Alice",
        picture="https://example.com/alice.png",
        preferred_username="alice",
    )
    return oidc_provider


def oidc_client(provider: OIDCProvider, auth_method: str = "client_secret_basic") -> Any:
    return OAuth2Session(
        provider.client_id,
        provider.client_secret,
        scope="openid email profile",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
    )


def oidc_authorize(provider: OIDCProvider, verifier: str | None, **extra: str) -> str:
    query = {
        "client_id": provider.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email",
        "state": STATE,
        "nonce": "n-0S6_WzA2Mj",
        **({"code_challenge": s256(verifier), "code_challenge_method": "S256"} if verifier else {}),
        **extra,
    }
    return requests.Request("GET", provider.authorize_url, params=query).prepare().url or ""


def oidc_exchange(provider: OIDCProvider, location: str, **form: str) -> requests.Response:
    body = {"grant_type": "authorization_code", "code": params(location)["code"]}
    body |= {"redirect_uri": REDIRECT_URI, **form}
    auth = (provider.client_id, provider.client_secret)
    return requests.post(provider.token_url, data=body, auth=auth, timeout=10)


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_oidc_code_flow_with_authlib_and_joserfc(alice: OIDCProvider, auth_method: str) -> None:
    discovery = requests.get(alice.discovery_url, timeout=10).json()
    assert discovery["issuer"] == alice.issuer == f"http://127.0.0.1:{alice.port}"
    assert discovery["authorization_endpoint"] == alice.authorize_url
    assert discovery["token_endpoint"] == alice.token_url

    client = oidc_client(alice, auth_method)
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = client.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    location = alice.approve(url, "alice-sub")
    assert location.startswith(REDIRECT_URI + "&") and params(location)["state"] == state
    token = client.fetch_token(
        discovery["token_endpoint"], authorization_response=location, code_verifier=verifier
    )

    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=10).json())
    id_token = jwt.decode(token["id_token"], keys)
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": alice.issuer},
        aud={"essential": True, "value": alice.client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(id_token.claims)
    assert id_token.header["alg"] == "RS256"  # a kid only from oidc-provider-mock 0.4: see oidc.py
    claims = id_token.claims
    assert claims["aud"] == [alice.client_id]
    assert (claims["sub"], claims["email"], claims["email_verified"]) == (
        "alice-sub",
        "alice@example.com",
        True,
    )
    assert (claims["name"], claims["preferred_username"]) == ("Alice", "alice")

    userinfo = client.get(discovery["userinfo_endpoint"]).json()
    assert userinfo["email"] == "alice@example.com" and userinfo["sub"] == "alice-sub"
    assert alice.token_exchanges == 1


def test_oidc_standard_claims_follow_scopes(alice: OIDCProvider) -> None:
    verifier = "v" * 43
    location = alice.approve(oidc_authorize(alice, verifier, scope="openid"), "alice-sub")
    id_token = oidc_exchange(alice, location, code_verifier=verifier).json()["id_token"]
    payload = json.loads(base64.urlsafe_b64decode(id_token.split(".")[1] + "=="))
    assert "email" not in payload and "name" not in payload and payload["sub"] == "alice-sub"


def test_oidc_unknown_sub_gets_its_sub_as_email(oidc_provider: OIDCProvider) -> None:
    verifier = "v" * 43
    location = oidc_provider.approve(oidc_authorize(oidc_provider, verifier), "bob@example.com")
    token = oidc_exchange(oidc_provider, location, code_verifier=verifier).json()
    payload = json.loads(base64.urlsafe_b64decode(token["id_token"].split(".")[1] + "=="))
    assert payload["email"] == "bob@example.com" and "email_verified" not in payload


@pytest.mark.parametrize(
    "form",
    [{}, {"code_verifier": "x" * 43}],
    ids=["verifier-missing", "verifier-mismatch"],
)
def test_oidc_pkce_refused(alice: OIDCProvider, form: dict[str, str]) -> None:
    location = alice.approve(oidc_authorize(alice, "v" * 43), "alice-sub")
    response = oidc_exchange(alice, location, **form)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "PKCE verification failed",
    }


def test_oidc_code_replay_and_wrong_secret_refused(alice: OIDCProvider) -> None:
    verifier = "v" * 43
    location = alice.approve(oidc_authorize(alice, verifier), "alice-sub")
    client = oidc_client(alice)
    client.client_secret = "wrong"
    with pytest.raises(OAuthError, match="invalid_client"):
        client.fetch_token(alice.token_url, authorization_response=location, code_verifier=verifier)
    assert oidc_exchange(alice, location, code_verifier=verifier).status_code == 200
    replay = oidc_exchange(alice, location, code_verifier=verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_oidc_authorize_refusals(alice: OIDCProvider) -> None:
    def post(url: str) -> requests.Response:
        return requests.post(url, data={"sub": "alice-sub"}, allow_redirects=False, timeout=10)

    assert post(oidc_authorize(alice, None)).status_code == 400  # no PKCE
    assert post(oidc_authorize(alice, "v", code_challenge_method="plain")).status_code == 400
    assert post(oidc_authorize(alice, "v", client_id="nope")).status_code == 400
    assert requests.get(oidc_authorize(alice, None), timeout=10).status_code == 400
    assert requests.get(oidc_authorize(alice, "v" * 43), timeout=10).status_code == 200  # form

    no_nonce = params(alice.approve(oidc_authorize(alice, "v" * 43, nonce=""), "alice-sub"))
    assert no_nonce["error"] == "invalid_request" and no_nonce["state"] == STATE
    denied = params(alice.deny(oidc_authorize(alice, "v" * 43)))
    assert denied["error"] == "access_denied" and denied["state"] == STATE


def test_oidc_outage_and_reset(alice: OIDCProvider) -> None:
    verifier = "v" * 43
    location = alice.approve(oidc_authorize(alice, verifier), "alice-sub")
    alice.fail_next_token_exchange(503)
    assert oidc_exchange(alice, location, code_verifier=verifier).status_code == 503
    assert oidc_exchange(alice, location, code_verifier=verifier).status_code == 200
    assert ("POST", "/oauth2/token") in alice.requests_log

    alice.reset()
    assert alice.requests_log == [] and alice.token_exchanges == 0
    location = alice.approve(oidc_authorize(alice, verifier), "alice-sub")  # claims forgotten
    token = oidc_exchange(alice, location, code_verifier=verifier).json()
    payload = json.loads(base64.urlsafe_b64decode(token["id_token"].split(".")[1] + "=="))
    assert payload["email"] == "alice-sub" and "name" not in payload
