"""Token and client-secret generators for django-oauth-toolkit, in ctfy_auth's token format.

``OAUTH2_PROVIDER["ACCESS_TOKEN_GENERATOR"]`` and ``["REFRESH_TOKEN_GENERATOR"]`` name the two
functions below: access tokens are ``po_…`` and refresh tokens ``pr_…``, 256-bit secrets with a
CRC32 checksum (:mod:`ctfy_auth.crypto`), so a forged or mistyped string is refused without a
query and secret scanners know them. DOT stores only their SHA-256 (``token_checksum``; the
``token`` column stays empty with ``COMPLIANT_BCP_RFC9700_TOKEN_STORAGE``).
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.generators import BaseHashGenerator

from ctfy_auth import crypto

__all__ = ["ClientSecretGenerator", "access_token_generator", "refresh_token_generator"]


def access_token_generator(request: Any, refresh_token: bool = False) -> str:
    """oauthlib's ``token_generator(request)``: a fresh ``po_`` access token."""
    return crypto.generate(crypto.OAUTH_ACCESS_TOKEN)


def refresh_token_generator(request: Any) -> str:
    """oauthlib's ``refresh_token_generator(request)``: a fresh ``pr_`` refresh token."""
    return crypto.generate(crypto.OAUTH_REFRESH_TOKEN)


class ClientSecretGenerator(BaseHashGenerator):
    """``OAUTH2_PROVIDER["CLIENT_SECRET_GENERATOR_CLASS"]``: 256-bit secrets (43 characters)."""

    def hash(self) -> str:
        return crypto.generate_client_secret()
