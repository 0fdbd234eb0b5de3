"""OpenID Connect claims about a person: what the ID token and ``{issuer}/userinfo`` say.

``sub`` is the user's primary key, a stable public id (``ctfy_auth.User.id``, never reused),
the same ``sub`` as introspection's. The other claims come by scope (OpenID Connect Core §5.4):
``profile`` gives ``name``, ``picture`` and ``updated_at``; ``email`` gives ``email`` and
``email_verified``; ``organizations`` comes with ``openid`` and is an empty list until
organizations exist (then ``[{"id", "title", "scopes": [...], "joined_at": <int>}]``).
A claim with no value (no display name, no avatar) is left out rather than sent empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["CLAIM_SCOPES", "claims_supported", "person_claims"]

#: Claim → the scope that releases it (DOT's ``oidc_claim_scope``).
CLAIM_SCOPES: Mapping[str, str] = MappingProxyType(
    {
        "sub": "openid",
        "organizations": "openid",
        "name": "profile",
        "picture": "profile",
        "updated_at": "profile",
        "email": "email",
        "email_verified": "email",
    }
)


def claims_supported() -> list[str]:
    """Discovery's ``claims_supported``: ours and those oauthlib/DOT add to the ID token."""
    return [*CLAIM_SCOPES, "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash"]


def person_claims(user: Any) -> dict[str, Any]:
    """Every claim :data:`CLAIM_SCOPES` names except ``sub``, for ``user`` (unfiltered)."""
    claims: dict[str, Any] = {"organizations": []}
    if getattr(user, "display_name", ""):
        claims["name"] = user.display_name
    if getattr(user, "avatar_url", ""):
        claims["picture"] = user.avatar_url
    updated_at = getattr(user, "updated_at", None)
    if updated_at is not None:
        claims["updated_at"] = int(updated_at.timestamp())
    if user.email:
        claims["email"] = user.email
        claims["email_verified"] = bool(getattr(user, "email_verified", False))
    return claims
