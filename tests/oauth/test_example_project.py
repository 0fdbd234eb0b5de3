"""The example project serves the OAuth server at /oauth: a client registered with the
management command gets a token with authlib and reads the demo app's competitions."""

from __future__ import annotations

import json
from http import HTTPStatus

import httpx
from authlib.integrations.httpx_client import OAuth2Client

from tests.live_example import running_example


def test_example_project_client_credentials_end_to_end(tmp_path):
    with running_example(tmp_path, CTFY_OAUTH_SIGNING_KEY_FILE=str(tmp_path / "key.pem")) as ex:
        doc = httpx.get(f"{ex.url}/oauth/.well-known/openid-configuration").json()
        assert doc["issuer"] == "http://127.0.0.1:8000/oauth"  # the default issuer setting
        assert httpx.get(f"{ex.url}/oauth/jwks").json()["keys"][0]["kid"]
        credentials = json.loads(
            ex.manage(
                "ctfy_auth_create_oauth_client",
                "--name=platform",
                "--grant=client_credentials",
                "--scopes=challenges:read",
            )
        )
        with OAuth2Client(
            client_id=credentials["client_id"],
            client_secret=credentials["client_secret"],
            token_endpoint_auth_method="client_secret_post",
        ) as oauth:
            token = oauth.fetch_token(f"{ex.url}/oauth/token", grant_type="client_credentials")
        response = httpx.get(
            f"{ex.url}/api/v1/demo/competitions",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert response.status_code == HTTPStatus.OK
