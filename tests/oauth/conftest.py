"""Fixtures of the OAuth server's tests: registered clients, and the issuer on a live server."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from oauth2_provider.models import get_grant_model

from ctfy_auth.services.oauth_clients import ClientSpec, create_client


@pytest.fixture
def oauth_client_factory(db: Any) -> Callable[..., tuple[Any, str | None]]:
    """``make(grants=..., scopes=..., **spec)`` → ``(application, client_secret)``."""

    def make(
        grants: tuple[str, ...] = ("client_credentials",),
        scopes: str = "challenges:read",
        **fields: Any,
    ) -> tuple[Any, str | None]:
        if "authorization_code" in grants:
            fields.setdefault("redirect_uris", ["http://127.0.0.1:9999/callback"])
        return create_client(
            ClientSpec(
                name=fields.pop("name", "test client"),
                grant_types=list(grants),
                scopes=scopes.split(),
                **fields,
            )
        )

    return make


@pytest.fixture
def issuer(live_server: Any, settings: Any) -> str:
    """The live server's issuer URL (``{live_server}/oauth``), set as OAUTH_ISSUER."""
    url = f"{live_server.url}/oauth"
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "OAUTH_ISSUER": url}
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": url}
    return url


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


@pytest.fixture
def authorization_code() -> Callable[..., tuple[str, str]]:
    """``make(application, user, scope)`` → ``(code, code_verifier)``.

    The row the authorization endpoint writes (a DOT ``Grant`` with an S256 PKCE challenge),
    without driving its pages: for tests of what comes after it (exchange, refresh, reuse
    detection), which run through the real token endpoint. ``test_authorization.py`` drives
    the pages themselves.
    """

    def make(application: Any, user: Any, scope: str) -> tuple[str, str]:
        verifier, challenge = pkce_pair()
        code = secrets.token_urlsafe(32)
        get_grant_model().objects.create(
            application=application,
            user=user,
            code=code,
            expires=timezone.now() + timedelta(minutes=1),
            redirect_uri=application.redirect_uris.split()[0],
            scope=scope,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        return code, verifier

    return make
