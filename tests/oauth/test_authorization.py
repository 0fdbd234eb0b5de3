"""The authorization code grant through the browser pages, driven by real HTTP clients.

authlib's requests ``OAuth2Session`` (``code_challenge_method="S256"``) builds the request
and exchanges the code; a ``requests.Session`` plays the browser on the live server: it
follows ``/authorize`` to ``/signin``, posts the form with the page's CSRF token, approves
on the consent page, and stops at the client's redirect URI (nothing listens there).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
REDIRECT = "http://127.0.0.1:9999/callback"
SIGNED_OUT = "http://127.0.0.1:9999/signed-out"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')


_OPEN: list[requests.Session] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Any:
    """Close every session at teardown: a kept-alive connection holds a live-server thread,
    and with it a database connection (PostgreSQL then cannot drop the test database)."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def opened(session: Any) -> Any:
    _OPEN.append(session)
    return session


def new_browser() -> requests.Session:
    return opened(requests.Session())


def _form(html: str) -> dict[str, str]:
    """The hidden fields of the page's (last) form, CSRF token included."""
    return {name: value.replace("&amp;", "&") for name, value in _HIDDEN.findall(html)}


def _csrf(html: str) -> str:
    match = _CSRF.search(html)
    assert match, html
    return match.group(1)


def browser_sign_in(browser: requests.Session, url: str, email: str) -> requests.Response:
    """GET ``url`` (``/authorize?...``); when sent to ``/signin``, sign in; the final page."""
    response = browser.get(url, allow_redirects=False)
    if response.status_code == HTTPStatus.FOUND and "/signin" in response.headers["Location"]:
        page = browser.get(urljoin(url, response.headers["Location"]), allow_redirects=False)
        assert page.status_code == HTTPStatus.OK
        assert '<input type="email" name="email"' in page.text
        fields = _form(page.text)
        signin_url = urlsplit(page.url)._replace(query="").geturl()
        posted = browser.post(
            signin_url,
            data={**fields, "email": email, "password": PASSWORD},
            headers={"Referer": page.url},
            allow_redirects=False,
        )
        assert posted.status_code == HTTPStatus.FOUND, posted.text
        response = browser.get(urljoin(url, posted.headers["Location"]), allow_redirects=False)
    return response


def approve(browser: requests.Session, consent: requests.Response) -> str:
    """Post the consent form with DOT's ``allow`` field; the redirect to the client."""
    assert consent.status_code == HTTPStatus.OK, consent.text
    answer = browser.post(
        consent.url,
        data={**_form(consent.text), "allow": "Authorize"},
        headers={"Referer": consent.url},
        allow_redirects=False,
    )
    assert answer.status_code == HTTPStatus.FOUND, answer.text
    return str(answer.headers["Location"])


@pytest.fixture
def web_client(oauth_client_factory: Any) -> tuple[Any, str | None]:
    return oauth_client_factory(
        grants=("authorization_code",),
        scopes="challenges:read submissions:write openid profile email offline_access",
        name="Scoreboard Viewer",
        redirect_uris=[REDIRECT],
        post_logout_redirect_uris=[SIGNED_OUT],
    )


def bearer(url: str, token: str) -> requests.Response:
    return requests.get(url, headers={"Authorization": f"Bearer {token}"})


def session_for(application: Any, secret: str | None, **kwargs: Any) -> OAuth2Session:
    return opened(
        OAuth2Session(
            client_id=application.client_id,
            client_secret=secret,
            token_endpoint_auth_method="client_secret_post",
            redirect_uri=REDIRECT,
            code_challenge_method="S256",
            **kwargs,
        )
    )


def test_discovery_advertises_the_authorization_endpoint(issuer):
    doc = requests.get(f"{issuer}/.well-known/openid-configuration").json()
    assert doc["authorization_endpoint"] == f"{issuer}/authorize"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert "authorization_code" in doc["grant_types_supported"]


def test_code_with_pkce_through_sign_in_and_consent_then_refresh_and_revoke(
    issuer, live_server, web_client, user_factory
):
    application, secret = web_client
    user_factory("player@example.org")
    verifier = secrets.token_urlsafe(48)
    client = session_for(application, secret, scope="challenges:read offline_access")
    url, state = client.create_authorization_url(f"{issuer}/authorize", code_verifier=verifier)
    browser = new_browser()

    consent = browser_sign_in(browser, url, "player@example.org")
    assert "Scoreboard Viewer" in consent.text
    assert "Stay signed in (refresh tokens)" in consent.text  # the catalog's labels
    assert "default-src 'none'" in consent.headers["Content-Security-Policy"]
    assert "http://127.0.0.1:9999" in consent.headers["Content-Security-Policy"]
    assert consent.headers["X-Frame-Options"] == "DENY"
    callback = approve(browser, consent)
    assert callback.startswith(REDIRECT)
    assert parse_qs(urlsplit(callback).query)["state"] == [state]

    token = client.fetch_token(
        f"{issuer}/token", authorization_response=callback, code_verifier=verifier
    )
    assert token["access_token"].startswith("po_")
    assert token["scope"] == "challenges:read offline_access"

    # Consent is remembered for this client and these scopes: straight back to the client.
    again, _ = client.create_authorization_url(
        f"{issuer}/authorize", code_verifier=secrets.token_urlsafe(48)
    )
    remembered = browser.get(again, allow_redirects=False)
    assert remembered.status_code == HTTPStatus.FOUND
    assert remembered.headers["Location"].startswith(REDIRECT + "?code=")

    refreshed = client.refresh_token(f"{issuer}/token", refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    competitions = f"{live_server.url}/api/v1/demo/competitions"
    assert bearer(competitions, refreshed["access_token"]).status_code == HTTPStatus.OK
    client.revoke_token(f"{issuer}/revoke", refreshed["access_token"])
    assert bearer(competitions, refreshed["access_token"]).status_code == HTTPStatus.FORBIDDEN


def _code(issuer: str, client: OAuth2Session, verifier: str, email: str) -> str:
    url, _state = client.create_authorization_url(f"{issuer}/authorize", code_verifier=verifier)
    browser = new_browser()
    return approve(browser, browser_sign_in(browser, url, email))


def test_a_wrong_verifier_and_a_reused_code_are_refused(issuer, web_client, user_factory):
    application, secret = web_client
    user_factory("player@example.org")
    client = session_for(application, secret, scope="challenges:read")
    verifier = secrets.token_urlsafe(48)
    callback = _code(issuer, client, verifier, "player@example.org")
    with pytest.raises(OAuthError) as wrong:
        client.fetch_token(
            f"{issuer}/token", authorization_response=callback, code_verifier="x" * 50
        )
    assert wrong.value.error == "invalid_grant"

    callback = _code(issuer, client, verifier, "player@example.org")
    client.fetch_token(f"{issuer}/token", authorization_response=callback, code_verifier=verifier)
    with pytest.raises(OAuthError) as reused:
        client.fetch_token(
            f"{issuer}/token", authorization_response=callback, code_verifier=verifier
        )
    assert reused.value.error == "invalid_grant"


def test_an_unregistered_redirect_uri_is_refused_without_redirecting(
    issuer, web_client, user_factory
):
    application, _secret = web_client
    user_factory("player@example.org")
    client = opened(
        OAuth2Session(
            client_id=application.client_id,
            redirect_uri="https://evil.example/callback",
            code_challenge_method="S256",
            scope="challenges:read",
        )
    )
    url, _ = client.create_authorization_url(
        f"{issuer}/authorize", code_verifier=secrets.token_urlsafe(48)
    )
    page = browser_sign_in(new_browser(), url, "player@example.org")
    assert page.status_code == HTTPStatus.BAD_REQUEST
    assert "evil.example" not in page.headers.get("Location", "")


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "pkce",
    [
        {"code_challenge": "a" * 50, "code_challenge_method": "plain"},
        {"code_challenge": "a" * 50},  # no method means plain
        {},  # no challenge at all
    ],
    ids=["plain", "no-method", "no-challenge"],
)
def test_anything_but_an_s256_challenge_is_refused(issuer, web_client, user_factory, pkce):
    application, _secret = web_client
    user_factory("player@example.org")
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT,
        "scope": "challenges:read",
        "state": "s1",
        **pkce,
    }
    url = requests.Request("GET", f"{issuer}/authorize", params=query).prepare().url
    answer = browser_sign_in(new_browser(), str(url), "player@example.org")
    assert answer.status_code == HTTPStatus.FOUND
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = parse_qs(location.query)
    assert params["error"] == ["invalid_request"] and params["state"] == ["s1"]
    assert "code" not in params


def test_signin_sends_next_only_to_this_site(client, user_factory):
    user_factory("player@example.org")
    page = client.get("/signin?next=https://evil.example/")
    assert page.status_code == HTTPStatus.OK
    assert 'name="next" value="/"' in page.content.decode()
    answer = client.post(
        "/signin",
        {"email": "player@example.org", "password": PASSWORD, "next": "//evil.example/x"},
    )
    assert answer.status_code == HTTPStatus.FOUND and answer["Location"] == "/"


def test_signin_refuses_a_wrong_password(client, user_factory):
    user_factory("player@example.org")
    answer = client.post(
        "/signin", {"email": "player@example.org", "password": "nope", "next": "/x"}
    )
    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert "_auth_user_id" not in client.session


# --- OpenID Connect --------------------------------------------------------------------------


def test_discovery_advertises_userinfo_and_the_id_token(issuer):
    doc = requests.get(f"{issuer}/.well-known/openid-configuration").json()
    assert doc["userinfo_endpoint"] == f"{issuer}/userinfo"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"openid", "profile", "email"} <= set(doc["scopes_supported"])
    assert {"sub", "email", "email_verified", "name", "picture", "updated_at"} <= set(
        doc["claims_supported"]
    )
    assert "organizations" in doc["claims_supported"]


def test_id_token_verified_against_the_jwks_and_userinfo_by_scope(issuer, web_client, user_factory):
    from authlib.jose import JsonWebKey, jwt
    from authlib.oidc.core import CodeIDToken

    application, secret = web_client
    person = user_factory("player@example.org", avatar_url="https://img.example/p.png")
    nonce = secrets.token_urlsafe(16)
    client = session_for(application, secret, scope="openid profile email challenges:read")
    verifier = secrets.token_urlsafe(48)
    url, _ = client.create_authorization_url(
        f"{issuer}/authorize", code_verifier=verifier, nonce=nonce
    )
    browser = new_browser()
    callback = approve(browser, browser_sign_in(browser, url, "player@example.org"))
    token = client.fetch_token(
        f"{issuer}/token", authorization_response=callback, code_verifier=verifier
    )

    jwks = JsonWebKey.import_key_set(requests.get(f"{issuer}/jwks").json())
    header = json.loads(base64.urlsafe_b64decode(token["id_token"].split(".")[0] + "=="))
    assert header["alg"] == "RS256" and header["kid"] in {k.kid for k in jwks.keys}
    claims = jwt.decode(
        token["id_token"],
        jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"value": issuer}},
        claims_params={"nonce": nonce, "client_id": application.client_id},
    )
    claims.validate()  # iss, aud, exp, iat, nonce, auth_time
    claims.validate_at_hash()
    assert claims["at_hash"]
    assert claims["sub"] == str(person.pk)
    assert claims["auth_time"] <= claims["iat"]
    assert claims["email"] == "player@example.org" and claims["email_verified"] is False
    assert claims["name"] == "player"
    assert claims["picture"] == "https://img.example/p.png"
    assert isinstance(claims["updated_at"], int)
    assert claims["organizations"] == []

    info = client.get(f"{issuer}/userinfo")
    assert info.status_code == HTTPStatus.OK
    assert info.json()["sub"] == str(person.pk)
    assert info.json()["email"] == "player@example.org"


def test_userinfo_gives_only_what_the_scopes_release(issuer, web_client, user_factory):
    application, secret = web_client
    person = user_factory("player@example.org")
    client = session_for(application, secret, scope="openid")
    verifier = secrets.token_urlsafe(48)
    url, _ = client.create_authorization_url(f"{issuer}/authorize", code_verifier=verifier)
    browser = new_browser()
    callback = approve(browser, browser_sign_in(browser, url, "player@example.org"))
    client.fetch_token(f"{issuer}/token", authorization_response=callback, code_verifier=verifier)
    assert client.get(f"{issuer}/userinfo").json() == {
        "sub": str(person.pk),
        "organizations": [],
    }


def test_userinfo_refuses_a_token_without_openid_and_no_token(issuer, web_client, user_factory):
    application, secret = web_client
    user_factory("player@example.org")
    client = session_for(application, secret, scope="challenges:read")
    verifier = secrets.token_urlsafe(48)
    url, _ = client.create_authorization_url(f"{issuer}/authorize", code_verifier=verifier)
    browser = new_browser()
    callback = approve(browser, browser_sign_in(browser, url, "player@example.org"))
    token = client.fetch_token(
        f"{issuer}/token", authorization_response=callback, code_verifier=verifier
    )
    assert "id_token" not in token
    assert client.get(f"{issuer}/userinfo").status_code == HTTPStatus.UNAUTHORIZED
    assert requests.get(f"{issuer}/userinfo").status_code == HTTPStatus.UNAUTHORIZED


# --- RP-initiated logout -----------------------------------------------------------------------


def _signed_in_with_id_token(issuer: str, web_client: Any) -> tuple[requests.Session, dict, str]:
    application, secret = web_client
    client = session_for(application, secret, scope="openid challenges:read")
    verifier = secrets.token_urlsafe(48)
    url, _ = client.create_authorization_url(f"{issuer}/authorize", code_verifier=verifier)
    browser = new_browser()
    callback = approve(browser, browser_sign_in(browser, url, "player@example.org"))
    token = client.fetch_token(
        f"{issuer}/token", authorization_response=callback, code_verifier=verifier
    )
    return browser, token, url


def test_discovery_advertises_the_end_session_endpoint(issuer):
    doc = requests.get(f"{issuer}/.well-known/openid-configuration").json()
    assert doc["end_session_endpoint"] == f"{issuer}/logout"


def test_logout_with_id_token_hint_ends_the_session_and_returns_with_state(
    issuer, live_server, web_client, user_factory
):
    user_factory("player@example.org")
    browser, token, authorize_url = _signed_in_with_id_token(issuer, web_client)
    answer = browser.get(
        f"{issuer}/logout",
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": SIGNED_OUT,
            "state": "bye",
        },
        allow_redirects=False,
    )
    assert answer.status_code == HTTPStatus.FOUND
    assert answer.headers["Location"] == f"{SIGNED_OUT}?state=bye"
    # The browser session is over: /authorize sends to /signin again.
    again = browser.get(authorize_url, allow_redirects=False)
    assert again.status_code == HTTPStatus.FOUND and "/signin" in again.headers["Location"]
    # The client's tokens are its own to revoke; logout leaves them alone.
    competitions = f"{live_server.url}/api/v1/demo/competitions"
    assert bearer(competitions, token["access_token"]).status_code == HTTPStatus.OK


def test_logout_without_a_hint_asks_first(issuer, web_client, user_factory):
    user_factory("player@example.org")
    browser, _token, authorize_url = _signed_in_with_id_token(issuer, web_client)
    page = browser.get(f"{issuer}/logout", allow_redirects=False)
    assert page.status_code == HTTPStatus.OK
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    answer = browser.post(
        page.url,
        data={**_form(page.text), "allow": "Logout"},
        headers={"Referer": page.url},
        allow_redirects=False,
    )
    assert answer.status_code == HTTPStatus.FOUND
    again = browser.get(authorize_url, allow_redirects=False)
    assert "/signin" in again.headers["Location"]


def test_logout_refuses_an_unregistered_post_logout_redirect_uri(issuer, web_client, user_factory):
    user_factory("player@example.org")
    browser, token, authorize_url = _signed_in_with_id_token(issuer, web_client)
    answer = browser.get(
        f"{issuer}/logout",
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "https://evil.example/",
        },
        allow_redirects=False,
    )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert "Location" not in answer.headers
    # Still signed in (and consent remembered): straight back to the client.
    still = browser.get(authorize_url, allow_redirects=False)
    assert still.headers["Location"].startswith(REDIRECT + "?code=")


def test_signin_allows_form_redirects_to_the_registered_redirect_uri_only(
    client, issuer, web_client
):
    application, _secret = web_client
    query = {"client_id": application.client_id, "response_type": "code"}

    def csp(redirect_uri: str) -> str:
        next_url = (
            requests.Request(
                "GET", "http://x/oauth/authorize", params={**query, "redirect_uri": redirect_uri}
            )
            .prepare()
            .path_url
        )
        return str(client.get("/signin", {"next": next_url})["Content-Security-Policy"])

    assert "form-action 'self' http://127.0.0.1:9999;" in csp(REDIRECT)
    assert "form-action 'self';" in csp("https://evil.example/callback")
    assert "form-action 'self';" in str(client.get("/signin")["Content-Security-Policy"])


def test_a_public_client_exchanges_its_code_with_the_verifier_alone(
    issuer, oauth_client_factory, user_factory
):
    application, secret = oauth_client_factory(
        grants=("authorization_code",), scopes="challenges:read", public=True
    )
    assert secret is None
    user_factory("player@example.org")
    client = opened(
        OAuth2Session(
            client_id=application.client_id,
            token_endpoint_auth_method="none",
            redirect_uri=REDIRECT,
            code_challenge_method="S256",
            scope="challenges:read",
        )
    )
    verifier = secrets.token_urlsafe(48)
    callback = _code(issuer, client, verifier, "player@example.org")
    token = client.fetch_token(
        f"{issuer}/token", authorization_response=callback, code_verifier=verifier
    )
    assert token["access_token"].startswith("po_")
