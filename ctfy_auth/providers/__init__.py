"""External sign-in providers: GitHub (OAuth2 + REST), Google and any OIDC issuer.

Each provider turns an authorization code into a :class:`~ctfy_auth.providers.base.Profile`.
The protocol work is authlib's (authorization URL, PKCE, code exchange) and
joserfc's (ID-token signature against the issuer's JWKS and its claims); this
package only knows which endpoints to call and how to read their answers.
"""

from __future__ import annotations

from ctfy_auth.providers.base import Profile, Provider, ProviderError
from ctfy_auth.providers.registry import configured_provider, listed_providers

__all__ = ["Profile", "Provider", "ProviderError", "configured_provider", "listed_providers"]
