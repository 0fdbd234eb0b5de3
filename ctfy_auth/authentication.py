"""Bearer authentication: one resolver shared by the DRF class and the middleware.

Resolution order (ctfy wire §1.4): parse the header (401 when missing or
malformed) → checksum (403, no query) → one indexed SELECT of the token joined
with its user (403 when unknown, revoked, expired or the user is inactive) →
``last_used_at`` touched at most once a minute. The result is cached on the
request, so the middleware and DRF never resolve twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AND, NOT, OR
from rest_framework.request import Request

from ctfy_auth import credential_cache, crypto
from ctfy_auth.api.exception_handler import DATABASE_ERRORS, database_unavailable
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import RESOLUTION_ATTR, CredentialKind, TokenKind
from ctfy_auth.exceptions import InvalidToken, NotAuthenticated, TokenExpired, TokenScopeRequired
from ctfy_auth.models import Token
from ctfy_auth.principal import Principal

__all__ = ["BearerTokenAuthentication", "bearer_credential", "resolve_request"]

_CACHE_ATTR = RESOLUTION_ATTR
_KEYWORD = "bearer"
_CREDENTIAL_KINDS = {
    TokenKind.SESSION: CredentialKind.SESSION,
    TokenKind.API: CredentialKind.API_TOKEN,
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
    token, store = credential_cache.lookup(crypto.digest(plaintext))
    if token is None or token.revoked_at is not None or token.kind != kind:
        raise InvalidToken()
    now = timezone.now()
    if token.is_expired(now):
        raise TokenExpired()
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
        grants=dict(token.permissions or {}),
        resource_access=token.resource_access,
        resource_ids=frozenset(str(i) for i in token.resource_ids or ()),
        reauthenticated_at=token.reauthenticated_at,
    )


def _touch(token: Token, now: Any) -> None:
    """Record use at most once per ``LAST_USED_UPDATE_SECONDS``; a no-op (no query) otherwise."""
    threshold = now - timedelta(seconds=app_settings.LAST_USED_UPDATE_SECONDS)
    if token.last_used_at is not None and token.last_used_at > threshold:
        return
    # Conditional, so concurrent requests in other processes write at most once.
    Token.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now


def resolve_request(request: HttpRequest | Request) -> Principal | None:
    """The request's :class:`Principal`, ``None`` when it carries no bearer credential.

    Raises the same ctfy_auth error every time for a bad credential; the
    outcome is computed once per request.
    """
    http_request: HttpRequest = getattr(request, "_request", request)
    cached = http_request.__dict__.get(_CACHE_ATTR)
    if cached is None:
        try:
            plaintext = bearer_credential(http_request)
            cached = (_principal_for(plaintext) if plaintext else None, None)
        except (NotAuthenticated, InvalidToken, TokenExpired) as exc:
            cached = (None, exc)
        http_request.__dict__[_CACHE_ATTR] = cached
    principal, error = cached
    if error is not None:
        raise error
    return principal


def _view_decides_scoped_tokens(request: Request) -> bool:
    """Whether the view's permissions include one that rules on API tokens.

    Those are ctfy_auth's :class:`~ctfy_auth.permissions.HasScopes`,
    :class:`~ctfy_auth.permissions.IsFullAccount` and
    :class:`~ctfy_auth.permissions.IsUserSession` (marked
    ``decides_scoped_tokens = True``), alone, inside ``&``, or first in ``|``.
    A view guarded only by, say, ``IsAuthenticated`` has not declared scopes,
    so an API token must not get through it.
    """
    view = (getattr(request, "parser_context", None) or {}).get("view")
    get_permissions = getattr(view, "get_permissions", None)
    if get_permissions is None:
        return False
    return any(_decides_scoped_tokens(permission) for permission in get_permissions())


def _decides_scoped_tokens(permission: Any) -> bool:
    """Whether ``permission`` can never admit an API token it has not ruled on.

    Our marked classes never return ``False`` for an API token: they admit it
    or raise. DRF evaluates ``a | b`` as ``a or b``, so an OR rules only when
    its first operand does (``IsAuthenticated | HasScopes`` would admit any
    token at ``IsAuthenticated``); ``a & b`` rules when either operand does;
    a negation never does.
    """
    # The stubs leave out the operands DRF keeps in op1 / op2.
    if isinstance(permission, OR):
        return _decides_scoped_tokens(getattr(permission, "op1", None))
    if isinstance(permission, AND):
        first, second = getattr(permission, "op1", None), getattr(permission, "op2", None)
        return _decides_scoped_tokens(first) or _decides_scoped_tokens(second)
    if isinstance(permission, NOT):
        return False
    return bool(getattr(permission, "decides_scoped_tokens", False))


class BearerTokenAuthentication(BaseAuthentication):
    """DRF authentication for ctfy_auth tokens: ``Authorization: Bearer pt_…`` or ``pf_…``.

    ``request.user`` is the token's owner and ``request.auth`` the
    :class:`~ctfy_auth.principal.Principal`. Returns ``None`` for other schemes
    so it composes with the host's other authentication classes.

    An API token (``pf_``) is admitted only by a view whose permissions rule on
    API tokens (:class:`~ctfy_auth.permissions.HasScopes`, ``IsFullAccount``,
    ``IsUserSession``); any other view answers 403 ``token_scope_required``, so
    a view that declares no scopes is never an open door.
    """

    def authenticate(self, request: Request) -> tuple[Any, Principal] | None:
        try:
            principal = resolve_request(request)
        except DATABASE_ERRORS as exc:  # the 503 of every entry point, whatever the view's handler
            view = (getattr(request, "parser_context", None) or {}).get("view")
            raise database_unavailable(exc, type(view).__name__) from exc
        if principal is None:
            return None
        if not principal.is_full_account and not _view_decides_scoped_tokens(request):
            # The view never said what an API token may do here: refuse, never admit.
            raise TokenScopeRequired()
        return (principal.user, principal)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
