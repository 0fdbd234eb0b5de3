"""Bearer resolution: the one place a request's ``Authorization`` header becomes a Principal.

Resolution order (ctfy wire §1.4): parse the header (401 when missing or malformed) → checksum
(403, no query) → for an OAuth access token (``po_``), one indexed SELECT of DOT's token
(:func:`ctfy_auth.credentials.oauth.oauth_principal`); otherwise one indexed SELECT of the
token joined with its user (:func:`ctfy_auth.credentials.lookup.token_with_user_by_digest`, or
the credential cache when
``CREDENTIAL_CACHE`` is set) (403 when unknown, revoked, expired or the user is inactive) →
``last_used_at`` touched at most once a minute. The outcome is kept on the request, so the DRF
authentication class, the middleware and the decorator never resolve twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from ctfy_auth import crypto
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import CredentialKind, TokenKind
from ctfy_auth.credentials.cache import lookup as cached_lookup
from ctfy_auth.credentials.lookup import token_with_user_by_digest
from ctfy_auth.credentials.oauth import oauth_principal
from ctfy_auth.exceptions import ExpiredToken, InvalidToken, NotAuthenticated
from ctfy_auth.models import Token
from ctfy_auth.principal import Principal

__all__ = ["bearer_credential", "resolve_request", "resolved_principal"]

#: Where a request keeps its outcome, ``(principal | None, error | None)``; read it through
#: :func:`resolved_principal`.
_RESOLUTION_ATTR = "_ctfy_auth_resolution"
_KEYWORD = "bearer"
_OAUTH_KINDS = frozenset(crypto.OAUTH_PREFIXES.values())
_CREDENTIAL_KINDS = {
    TokenKind.SESSION: CredentialKind.SESSION,
    TokenKind.API_TOKEN: CredentialKind.API_TOKEN,
}


def bearer_credential(request: HttpRequest) -> str | None:
    """The bearer credential of ``request``; ``None`` when there is no bearer header.

    Raises :class:`NotAuthenticated` (401) for ``Bearer`` with an empty or
    malformed credential.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, credential = header.strip().partition(" ")
    if scheme.lower() != _KEYWORD:
        return None
    credential = credential.strip()
    if not credential or len(credential.split(maxsplit=1)) != 1:  # empty, or several words
        raise NotAuthenticated()
    return credential


def _principal_for(plaintext: str) -> Principal:
    kind = crypto.parse_kind(plaintext)
    if kind is None:
        raise InvalidToken()  # refused before any query: typo, forgery or not ours
    if kind in _OAUTH_KINDS:
        if kind == crypto.OAUTH_ACCESS_TOKEN:
            return oauth_principal(plaintext)
        raise InvalidToken()  # a refresh token is no bearer credential
    digest = crypto.digest(plaintext)
    if app_settings.CREDENTIAL_CACHE:  # off: one setting read, and nothing of the cache runs
        token, store = cached_lookup(digest)
    else:
        token, store = token_with_user_by_digest(digest), None
    if token is None or token.revoked_at is not None or token.kind != kind:
        raise InvalidToken()
    now = timezone.now()
    if token.is_expired(now):
        raise ExpiredToken()
    user = token.user
    if not user.is_active:
        raise InvalidToken(_("This account is disabled."))
    credential_kind = _CREDENTIAL_KINDS.get(TokenKind(token.kind))
    if credential_kind is None:  # a kind this code does not know fails closed
        raise InvalidToken()
    _touch(token, now)
    if store is not None:
        store(token, now)
    return Principal(
        user=user,
        credential_kind=credential_kind,
        token=token,
        permissions=dict(token.permissions or {}),
        resource_access=token.resource_access,
        resource_ids=frozenset(str(i) for i in token.resource_ids or ()),
        reauthenticated_at=token.reauthenticated_at,
    )


def _touch(token: Token, now: datetime) -> None:
    """Record use at most once per ``LAST_USED_UPDATE_SECONDS``; a no-op (no query) otherwise."""
    threshold = now - timedelta(seconds=app_settings.LAST_USED_UPDATE_SECONDS)
    if token.last_used_at is not None and token.last_used_at > threshold:
        return
    # Conditional, so concurrent requests in other processes write at most once.
    Token.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now


def _http_request(request: HttpRequest | Request) -> HttpRequest:
    http_request: HttpRequest = getattr(request, "_request", request)
    return http_request


def resolve_request(request: HttpRequest | Request) -> Principal | None:
    """The request's :class:`Principal`, ``None`` when it carries no bearer credential.

    Raises the same ctfy_auth error every time for a bad credential; the
    outcome is computed once per request.
    """
    http_request = _http_request(request)
    outcome: Any = http_request.__dict__.get(_RESOLUTION_ATTR)
    if outcome is None:
        try:
            plaintext = bearer_credential(http_request)
            outcome = (_principal_for(plaintext) if plaintext else None, None)
        except (NotAuthenticated, InvalidToken, ExpiredToken) as exc:
            outcome = (None, exc)
        http_request.__dict__[_RESOLUTION_ATTR] = outcome
    principal, error = outcome
    if error is not None:
        raise error
    return principal


def resolved_principal(request: HttpRequest | Request) -> Principal | None:
    """The Principal this request has already resolved to; never resolves, never raises.

    ``None`` when the request has not been resolved yet (no entry point asked for its
    credential), carries no bearer credential, or its credential was refused. For code that
    must not spend a query on a credential nobody asked about, such as a rate limit's key.
    """
    outcome = _http_request(request).__dict__.get(_RESOLUTION_ATTR)
    if outcome is None:
        return None
    principal: Principal | None = outcome[0]
    return principal
