"""Token introspection (RFC 7662) for every credential ctfy_auth issues.

One function, :func:`introspect`, answers for OAuth access and refresh tokens (``po_``,
``pr_``, stored by django-oauth-toolkit), session tokens (``pt_``) and API tokens (``pf_``).
A string that is not a well-formed token of ours is inactive without a query; any other
costs one indexed SELECT. Nothing is written: introspecting is not using.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from ctfy_auth import crypto
from ctfy_auth.constants import TokenKind
from ctfy_auth.models import Token
from ctfy_auth.oauth.scopes import scope_string

__all__ = ["INACTIVE", "introspect"]

#: The whole answer for a token that is unknown, revoked, expired or whose owner is disabled.
INACTIVE: dict[str, Any] = {"active": False}


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(calendar.timegm(moment.utctimetuple()))


def _person(user: Any) -> dict[str, Any]:
    if user is None:
        return {}
    return {"sub": str(user.pk), "username": user.get_username() or str(user.pk)}


def introspect(plaintext: str) -> dict[str, Any]:
    """The RFC 7662 answer for ``plaintext``: ``{"active": false}`` or the token's claims.

    Claims: ``active``, ``scope``, ``client_id`` (OAuth tokens), ``sub`` and ``username``
    (when a person holds it), ``exp``, ``iat``, ``token_type``; and ctfy_auth's extensions
    ``ctfy_kind`` (``session``, ``api_token``, ``oauth_access``, ``oauth_refresh``) and, for
    API tokens, ``resource_access`` / ``resource_ids`` (the resource selection).
    """
    kind = crypto.parse_kind(plaintext)
    if kind is None:
        return dict(INACTIVE)
    if kind == crypto.OAUTH_ACCESS_TOKEN:
        return _access_token(plaintext)
    if kind == crypto.OAUTH_REFRESH_TOKEN:
        return _refresh_token(plaintext)
    return _token_row(plaintext, kind)


def _access_token(plaintext: str) -> dict[str, Any]:
    token = (
        get_access_token_model()
        .objects.select_related("user", "application")
        .filter(token_checksum=crypto.digest(plaintext))
        .first()
    )
    if token is None or token.is_expired():
        return dict(INACTIVE)
    if token.user is not None and not token.user.is_active:
        return dict(INACTIVE)
    data: dict[str, Any] = {
        "active": True,
        "scope": token.scope,
        "exp": _epoch(token.expires),
        "iat": _epoch(token.created),
        "token_type": "Bearer",
        "ctfy_kind": "oauth_access",
    }
    if token.application is not None:
        data["client_id"] = token.application.client_id
    data.update(_person(token.user))
    if token.resource:
        data["aud"] = token.resource
    return data


def _refresh_token(plaintext: str) -> dict[str, Any]:
    # Several rows may share a checksum (DOT's uniqueness is checksum + revoked): the live one.
    token = (
        get_refresh_token_model()
        .objects.select_related("user", "application", "access_token")
        .filter(token_checksum=crypto.digest(plaintext))
        .order_by(F("revoked").desc(nulls_first=True))
        .first()
    )
    # A live refresh token is paired with its access token (DOT rejects an orphan).
    if token is None or token.revoked is not None or token.access_token is None:
        return dict(INACTIVE)
    if not token.user.is_active:
        return dict(INACTIVE)
    return {
        "active": True,
        "scope": token.access_token.scope,
        "client_id": token.application.client_id,
        "iat": _epoch(token.created),
        "token_type": "refresh_token",
        "ctfy_kind": "oauth_refresh",
        **_person(token.user),
    }


def _token_row(plaintext: str, kind: str) -> dict[str, Any]:
    token = Token.objects.select_related("user").filter(digest=crypto.digest(plaintext)).first()
    now = timezone.now()
    if token is None or token.kind != kind or not token.is_live(now) or not token.user.is_active:
        return dict(INACTIVE)
    data: dict[str, Any] = {
        "active": True,
        "exp": _epoch(token.expires_at),
        "iat": _epoch(token.created_at),
        "token_type": "Bearer",
        **_person(token.user),
    }
    if token.kind == TokenKind.SESSION:
        data.update(scope="", ctfy_kind="session", full_account=True)
    else:
        data.update(
            scope=scope_string(dict(token.permissions or {})),
            ctfy_kind="api_token",
            resource_access=token.resource_access,
            resource_ids=[str(i) for i in token.resource_ids or ()],
        )
    return {k: v for k, v in data.items() if v is not None}
