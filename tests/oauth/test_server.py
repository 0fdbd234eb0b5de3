"""The OAuth server's machine-to-machine half, driven by a real client library over HTTP.

authlib's httpx ``OAuth2Client`` talks to a live server (pytest-django's ``live_server``)
whose ``OAUTH_ISSUER`` is its own URL: discovery, JWKS, client credentials
(``client_secret_basic`` and ``client_secret_post``), code exchange with PKCE, refresh
rotation with reuse detection, introspection and revocation of every token kind, and the
``po_`` bearer on the demo app's scoped routes.
"""

from __future__ import annotations

import hashlib
import logging
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.jose import JsonWebKey
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from ctfy_auth import crypto
from ctfy_auth.oauth.hashers import ALGORITHM
from ctfy_auth.oauth.keys import generate_pem

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def client_for(application: Any, secret: str | None, method: str, **kwargs: Any) -> OAuth2Client:
    return OAuth2Client(
        client_id=application.client_id,
        client_secret=secret,
        token_endpoint_auth_method=method,
        **kwargs,
    )


def bearer(url: str, token: str) -> httpx.Response:
    return httpx.get(url, headers={"Authorization": f"Bearer {token}"})


# --- discovery and keys --------------------------------------------------------------------


def test_discovery_lists_exactly_what_is_served(issuer):
    doc = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    assert doc["issuer"] == issuer
    assert doc["token_endpoint"] == f"{issuer}/token"
    assert doc["jwks_uri"] == f"{issuer}/jwks"
    assert doc["introspection_endpoint"] == f"{issuer}/introspect"
    assert doc["revocation_endpoint"] == f"{issuer}/revoke"
    assert doc["authorization_endpoint"] == f"{issuer}/authorize"
    assert doc["grant_types_supported"] == [
        "authorization_code",
        "client_credentials",
        "refresh_token",
    ]
    assert doc["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]
    assert {"challenges:read", "submissions:write", "openid", "offline_access"} <= set(
        doc["scopes_supported"]
    )
    # Not built yet (the browser half): never advertised.
    for path in ("/device_authorization",):
        assert httpx.get(f"{issuer}{path}").status_code == HTTPStatus.NOT_FOUND


def test_jwks_publishes_the_active_and_the_inactive_key_with_a_kid(issuer, settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [generate_pem(2048)],
    }
    response = httpx.get(f"{issuer}/jwks")
    assert response.status_code == HTTPStatus.OK
    keys = response.json()["keys"]
    assert len(keys) == 2 and len({k["kid"] for k in keys}) == 2
    assert {(k["kty"], k["alg"], k["use"]) for k in keys} == {("RSA", "RS256", "sig")}
    assert all("d" not in k for k in keys)  # public halves only
    assert len(JsonWebKey.import_key_set(response.json()).keys) == 2


def test_the_server_is_off_without_an_issuer(client, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "OAUTH_ISSUER": ""}
    for path in ("/oauth/.well-known/openid-configuration", "/oauth/jwks"):
        assert client.get(path).status_code == HTTPStatus.NOT_FOUND
    assert client.post("/oauth/token").status_code == HTTPStatus.NOT_FOUND


# --- client credentials -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_client_credentials_issue_a_prefixed_token_stored_hashed(
    issuer, oauth_client_factory, method
):
    application, secret = oauth_client_factory(scopes="challenges:read scoreboard:read")
    with client_for(application, secret, method) as oauth:
        token = oauth.fetch_token(f"{issuer}/token", grant_type="client_credentials")
    assert crypto.parse_kind(token["access_token"]) == crypto.OAUTH_ACCESS_TOKEN
    assert token["token_type"] == "Bearer" and "refresh_token" not in token
    # No scope asked: the client's allowed scopes (never every scope of the server).
    assert set(token["scope"].split()) == {"challenges:read", "scoreboard:read"}
    row = get_access_token_model().objects.get()
    assert row.token == ""  # RFC 9700 storage: only the digest
    assert row.token_checksum == hashlib.sha256(token["access_token"].encode()).hexdigest()
    application.refresh_from_db()
    assert application.client_secret.startswith(f"{ALGORITHM}$")  # fast hasher, not Argon2


def test_a_request_for_more_is_clamped_to_the_clients_scopes(issuer, oauth_client_factory):
    application, secret = oauth_client_factory(scopes="submissions:write")
    with client_for(application, secret, "client_secret_basic") as oauth:
        token = oauth.fetch_token(
            f"{issuer}/token",
            grant_type="client_credentials",
            scope="submissions:read challenges:read profile:write",
        )
        assert token["scope"] == "submissions:read"  # write implies read; the rest is dropped
        with pytest.raises(OAuthError) as refused:
            oauth.fetch_token(
                f"{issuer}/token", grant_type="client_credentials", scope="challenges:read"
            )
    assert refused.value.error == "invalid_scope"


def test_a_wrong_secret_or_grant_is_refused(issuer, oauth_client_factory):
    application, secret = oauth_client_factory()
    with (
        client_for(application, "x" * 43, "client_secret_basic") as oauth,
        pytest.raises(OAuthError) as wrong,
    ):
        oauth.fetch_token(f"{issuer}/token", grant_type="client_credentials")
    assert wrong.value.error == "invalid_client"
    code_only, code_secret = oauth_client_factory(grants=("authorization_code",))
    with (
        client_for(code_only, code_secret, "client_secret_post") as oauth,
        pytest.raises(OAuthError) as grant,
    ):
        oauth.fetch_token(f"{issuer}/token", grant_type="client_credentials")
    assert grant.value.error == "unauthorized_client"
    response = httpx.post(
        f"{issuer}/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "x"},
        auth=(application.client_id, secret),
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "unsupported_grant_type"


# --- the bearer path: po_ tokens on the demo app's routes --------------------------------------


def test_a_client_token_reaches_only_routes_that_serve_clients(
    issuer, live_server, oauth_client_factory
):
    from demo.models import Competition

    Competition.objects.get_or_create(id="ctf-2026", defaults={"name": "CTF 2026"})
    application, secret = oauth_client_factory(scopes="challenges:read profile:read")
    with client_for(application, secret, "client_secret_basic") as oauth:
        access = oauth.fetch_token(f"{issuer}/token", grant_type="client_credentials")
    api = f"{live_server.url}/api/v1"
    listed = bearer(f"{api}/demo/competitions", access["access_token"])
    assert listed.status_code == HTTPStatus.OK
    assert "ctf-2026" in [item["id"] for item in listed.json()["items"]]
    challenges = bearer(f"{api}/demo/competitions/ctf-2026/challenges", access["access_token"])
    assert challenges.status_code == HTTPStatus.OK
    # No person behind it: views that act for one refuse it, whatever its scopes.
    for path in ("/demo/profile", "/auth/tokens", "/demo/unscoped"):
        refused = bearer(f"{api}{path}", access["access_token"])
        assert refused.status_code == HTTPStatus.FORBIDDEN, path
        assert refused.json()["code"] == "token_scope_required"
    submit = httpx.post(
        f"{api}/demo/competitions/ctf-2026/submissions",
        json={"answer": "flag"},
        headers={"Authorization": f"Bearer {access['access_token']}"},
    )
    assert submit.status_code == HTTPStatus.FORBIDDEN


def test_a_persons_token_acts_with_its_scopes(
    issuer, live_server, oauth_client_factory, authorization_code, user_factory
):
    from demo.models import Competition

    Competition.objects.get_or_create(id="ctf-2026", defaults={"name": "CTF 2026"})
    person = user_factory("player@example.org")
    application, secret = oauth_client_factory(
        grants=("authorization_code",), scopes="challenges:read submissions:write openid"
    )
    code, verifier = authorization_code(application, person, "challenges:read submissions:write")
    with client_for(application, secret, "client_secret_basic") as oauth:
        token = oauth.fetch_token(
            f"{issuer}/token",
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            redirect_uri=application.redirect_uris,
        )
    api = f"{live_server.url}/api/v1/demo"
    submit = httpx.post(
        f"{api}/competitions/ctf-2026/submissions",
        json={"answer": "flag"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert submit.status_code == HTTPStatus.OK
    assert bearer(f"{api}/profile", token["access_token"]).status_code == HTTPStatus.FORBIDDEN
    # A refresh token is no bearer credential.
    assert bearer(f"{api}/competitions", token["refresh_token"]).status_code == 403


def test_pkce_is_required_for_the_code_exchange(
    issuer, oauth_client_factory, authorization_code, user
):
    application, secret = oauth_client_factory(grants=("authorization_code",))
    code, _verifier = authorization_code(application, user, "challenges:read")
    with (
        client_for(application, secret, "client_secret_post") as oauth,
        pytest.raises(OAuthError) as refused,
    ):
        oauth.fetch_token(
            f"{issuer}/token",
            grant_type="authorization_code",
            code=code,
            code_verifier="wrong" * 10,
            redirect_uri=application.redirect_uris,
        )
    assert refused.value.error == "invalid_grant"


# --- refresh: rotation and reuse detection ------------------------------------------------------


def test_refresh_rotates_and_a_replay_revokes_the_family(
    issuer, oauth_client_factory, authorization_code, user
):
    application, secret = oauth_client_factory(
        grants=("authorization_code",), scopes="challenges:read offline_access"
    )
    code, verifier = authorization_code(application, user, "challenges:read offline_access")
    url = f"{issuer}/token"
    with client_for(application, secret, "client_secret_basic") as oauth:
        first = oauth.fetch_token(
            url,
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            redirect_uri=application.redirect_uris,
        )
        assert crypto.parse_kind(first["refresh_token"]) == crypto.OAUTH_REFRESH_TOKEN
        second = oauth.refresh_token(url, refresh_token=first["refresh_token"])
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        with pytest.raises(OAuthError) as replay:
            oauth.refresh_token(url, refresh_token=first["refresh_token"])
        assert replay.value.error == "invalid_grant"
        # The replay ended the whole family: the rotated refresh token is dead too ...
        with pytest.raises(OAuthError):
            oauth.refresh_token(url, refresh_token=second["refresh_token"])
    # ... and so is every access token it issued.
    assert get_access_token_model().objects.count() == 0
    assert get_refresh_token_model().objects.filter(revoked__isnull=True).count() == 0
    assert all(r.token == "" for r in get_refresh_token_model().objects.all())


# --- introspection (RFC 7662) and revocation (RFC 7009): every kind ----------------------------


@pytest.fixture
def every_kind(
    issuer, oauth_client_factory, authorization_code, user, session_factory, token_row_factory
):
    """One live token of each kind ctfy_auth issues, by name: ``(plaintext, client_id)``."""
    machine, machine_secret = oauth_client_factory()
    app, app_secret = oauth_client_factory(
        grants=("authorization_code",), scopes="challenges:read offline_access"
    )
    with client_for(machine, machine_secret, "client_secret_basic") as oauth:
        client_token = oauth.fetch_token(f"{issuer}/token", grant_type="client_credentials")
    code, verifier = authorization_code(app, user, "challenges:read offline_access")
    with client_for(app, app_secret, "client_secret_basic") as oauth:
        person = oauth.fetch_token(
            f"{issuer}/token",
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            redirect_uri=app.redirect_uris,
        )
    session = session_factory(user)
    api_token = token_row_factory(
        user, "fine_grained", permissions={"challenges": "read"}, resource_access="all"
    ).token
    return {
        "po_client": (client_token["access_token"], machine.client_id),
        "po_person": (person["access_token"], app.client_id),
        "pr_": (person["refresh_token"], app.client_id),
        "pt_": (session, None),
        "pf_": (api_token, None),
    }


def introspect(
    issuer: str, token: str, auth: tuple[str, str] | None, **data: str
) -> httpx.Response:
    return httpx.post(f"{issuer}/introspect", data={"token": token, **data}, auth=auth)


def test_introspection_answers_for_every_kind(issuer, every_kind, oauth_client_factory, user):
    resource_server, secret = oauth_client_factory(may_introspect=True, name="platform")
    auth = (resource_server.client_id, secret)
    answers = {}
    for name, (token, client_id) in every_kind.items():
        response = introspect(issuer, token, auth)
        assert response.status_code == HTTPStatus.OK, name
        answers[name] = response.json()
        assert answers[name]["active"] is True, name
        if client_id is not None:
            assert answers[name]["client_id"] == client_id
    assert "sub" not in answers["po_client"]  # a client, not a person
    assert answers["po_client"]["scope"] == "challenges:read"
    assert answers["po_person"]["sub"] == str(user.pk)
    assert answers["po_person"]["username"] == user.email
    assert answers["pr_"]["ctfy_kind"] == "oauth_refresh"
    assert answers["pt_"]["ctfy_kind"] == "session" and answers["pt_"]["full_account"] is True
    assert answers["pf_"]["scope"] == "challenges:read"
    assert answers["pf_"]["resource_access"] == "all"
    for answer in answers.values():
        assert isinstance(answer["iat"], int)
    # client_secret_post works too; unknown and forged tokens are inactive.
    forged = "po_" + "A" * 49
    for token in ("nope", forged, crypto.generate(crypto.OAUTH_ACCESS_TOKEN)):
        response = introspect(
            issuer, token, None, client_id=resource_server.client_id, client_secret=secret
        )
        assert response.json() == {"active": False}


def test_introspection_needs_a_client_allowed_to_introspect(
    issuer, every_kind, oauth_client_factory
):
    token = every_kind["pt_"][0]
    assert introspect(issuer, token, None).status_code == HTTPStatus.UNAUTHORIZED
    other, secret = oauth_client_factory(name="not allowed")
    refused = introspect(issuer, token, (other.client_id, secret))
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json()["error"] == "unauthorized_client"
    wrong = introspect(issuer, token, (other.client_id, "x" * 43))
    assert wrong.status_code == HTTPStatus.UNAUTHORIZED
    assert wrong.json()["error"] == "invalid_client"


def test_revocation_ends_each_kind_with_the_token_alone(
    issuer, live_server, every_kind, oauth_client_factory
):
    resource_server, secret = oauth_client_factory(may_introspect=True, name="platform")
    for name, (token, _client_id) in every_kind.items():
        response = httpx.post(f"{issuer}/revoke", data={"token": token})  # no client auth
        assert response.status_code == HTTPStatus.OK, name
        answer = introspect(issuer, token, (resource_server.client_id, secret)).json()
        assert answer == {"active": False}, name
    for name in ("po_client", "po_person", "pt_", "pf_"):
        refused = bearer(f"{live_server.url}/api/v1/demo/competitions", every_kind[name][0])
        assert refused.status_code == HTTPStatus.FORBIDDEN, name


def test_revocation_answers_200_for_unknown_tokens_and_checks_presented_credentials(
    issuer, oauth_client_factory
):
    application, secret = oauth_client_factory()
    for token in ("nope", "pt_" + "A" * 49, crypto.generate(crypto.OAUTH_REFRESH_TOKEN)):
        assert httpx.post(f"{issuer}/revoke", data={"token": token}).status_code == 200
        basic = httpx.post(
            f"{issuer}/revoke", data={"token": token}, auth=(application.client_id, secret)
        )
        assert basic.status_code == HTTPStatus.OK
    wrong = httpx.post(
        f"{issuer}/revoke", data={"token": "nope"}, auth=(application.client_id, "x" * 43)
    )
    assert wrong.status_code == HTTPStatus.UNAUTHORIZED
    assert httpx.post(f"{issuer}/revoke", data={}).status_code == HTTPStatus.BAD_REQUEST


def test_a_revoked_access_token_takes_its_refresh_token_with_it(
    issuer, every_kind, oauth_client_factory
):
    access, _client_id = every_kind["po_person"]
    httpx.post(f"{issuer}/revoke", data={"token": access})
    resource_server, secret = oauth_client_factory(may_introspect=True, name="platform")
    refresh = every_kind["pr_"][0]
    assert introspect(issuer, refresh, (resource_server.client_id, secret)).json() == {
        "active": False
    }


# --- secrets stay out of the logs ---------------------------------------------------------------


def test_no_token_or_secret_reaches_a_log_record(issuer, oauth_client_factory, caplog):
    caplog.set_level(logging.DEBUG)
    application, secret = oauth_client_factory(may_introspect=True)
    with client_for(application, secret, "client_secret_basic") as oauth:
        token = oauth.fetch_token(f"{issuer}/token", grant_type="client_credentials")
    introspect(issuer, token["access_token"], (application.client_id, secret))
    httpx.post(f"{issuer}/revoke", data={"token": token["access_token"]})
    assert caplog.records, "DEBUG logging is on: oauthlib and DOT wrote records"
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert token["access_token"] not in text
    assert secret is not None and secret not in text
    assert crypto.digest(token["access_token"]) not in text
