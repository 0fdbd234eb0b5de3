"""Pytest fixtures: ``fake_github``, ``oidc_provider`` and ``providers`` (ctfy_auth configured for them).

One server of each per test session (per xdist worker); each test gets it reset (users, sign-in,
codes, tokens, logs, pending failures). Register with
``pytest_plugins = ["tests.oauth_fakes.fixtures"]`` in the root conftest.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from ctfy_auth.providers.oidc import clear_discovery_cache
from tests.oauth_fakes.github import FakeGitHub
from tests.oauth_fakes.oidc import DEPRECATION_NOISE, OIDCProvider


@pytest.fixture(scope="session")
def _fake_github_server() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture(scope="session")
def _oidc_provider_server() -> Iterator[OIDCProvider]:
    with OIDCProvider() as server:
        yield server


@pytest.fixture
def fake_github(_fake_github_server: FakeGitHub) -> FakeGitHub:
    """A running `FakeGitHub` (client ``gh-client-id``/``gh-client-secret``), no users yet."""
    _fake_github_server.reset()
    return _fake_github_server


@pytest.fixture
def oidc_provider(_oidc_provider_server: OIDCProvider) -> OIDCProvider:
    """A running `OIDCProvider` (client ``oidc-client-id``/``oidc-client-secret``), no users yet.

    Also silences, for this test, the DeprecationWarning authlib raises inside the mock on every
    token request (pytest restores the warning filters after each test).
    """
    warnings.filterwarnings("ignore", message=DEPRECATION_NOISE, category=DeprecationWarning)
    _oidc_provider_server.reset()
    return _oidc_provider_server


@pytest.fixture
def providers(
    settings: Any, fake_github: FakeGitHub, oidc_provider: OIDCProvider
) -> dict[str, Any]:
    """GitHub at the fake; ``oidc`` and ``google`` at the local OIDC provider."""
    clear_discovery_cache()
    settings.CTFY_AUTH = {
        **settings.CTFY_AUTH,
        "PROVIDERS": {
            "github": {
                "client_id": fake_github.client_id,
                "client_secret": fake_github.client_secret,
                "authorize_url": fake_github.authorize_url,
                "token_url": fake_github.token_url,
                "api_url": fake_github.api_url,
            },
            "google": {
                "client_id": oidc_provider.client_id,
                "client_secret": oidc_provider.client_secret,
                "discovery_url": oidc_provider.discovery_url,
            },
            "oidc": {
                "issuer": oidc_provider.issuer,
                "client_id": oidc_provider.client_id,
                "client_secret": oidc_provider.client_secret,
                "display_name": "Local SSO",
            },
        },
    }
    return {"github": fake_github, "google": oidc_provider, "oidc": oidc_provider}
