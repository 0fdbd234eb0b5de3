"""Revoking tokens of every kind (sessions, API tokens, OAuth tokens), one or many at a time.

Revocation keeps a ``Token`` row (a leaked secret stays traceable) and announces the ids
with ``token_revoked`` after commit. OAuth tokens are django-oauth-toolkit's and revoked its
way (:func:`revoke_presented`): an access token is deleted with its refresh token revoked, a
refresh token is marked revoked with its access token deleted.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_refresh_token_model,
    revoke_access_token,
)

from ctfy_auth import crypto, signals
from ctfy_auth.exceptions import CannotRevokeCurrentToken, TokenNotFound
from ctfy_auth.models import Token, looks_like_id
from ctfy_auth.principal import Principal
from ctfy_auth.services._common import send_on_commit

__all__ = ["revoke", "revoke_all", "revoke_others", "revoke_presented"]


def revoke(principal: Principal, token_id: str) -> Token:
    """Revoke one of the caller's tokens. Idempotent: a revoked row keeps its timestamp.

    Missing and not-owned answer the same 404, so ownership cannot be probed.
    """
    if token_id == principal.token_id:
        raise CannotRevokeCurrentToken()
    if not looks_like_id(token_id):
        raise TokenNotFound()
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(pk=token_id, user=principal.user).first()
        if token is None:
            raise TokenNotFound()
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            send_on_commit(
                signals.token_revoked,
                Token,
                token_ids=[token.id],
                user=principal.user,
                by=principal.user,
            )
    return token


def _revoke_queryset(
    user: Any, exclude_id: str | None, by: Any, kinds: Collection[str] | None = None
) -> int:
    with transaction.atomic():
        qs = Token.objects.unrevoked().filter(user=user)
        if kinds is not None:
            qs = qs.filter(kind__in=list(kinds))
        if exclude_id is not None:
            qs = qs.exclude(pk=exclude_id)
        ids = list(qs.select_for_update().values_list("pk", flat=True))
        count = Token.objects.filter(pk__in=ids, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if ids:
            send_on_commit(signals.token_revoked, Token, token_ids=ids, user=user, by=by)
    return count


def revoke_others(principal: Principal) -> int:
    """Revoke every unrevoked token of the caller, of every kind, except the calling one."""
    return _revoke_queryset(principal.user, principal.token_id, principal.user)


def revoke_all(
    user: Any,
    *,
    except_token_id: str | None = None,
    by: Any = None,
    kinds: Collection[str] | None = None,
) -> int:
    """Revoke every unrevoked token of ``user`` (of ``kinds`` only, when given).

    E.g. on password change (sessions, and API tokens if the host asks), or by an admin.
    """
    return _revoke_queryset(user, except_token_id, by, kinds)


def revoke_presented(plaintext: str) -> bool:
    """Revoke the token whose plaintext this is, of any kind; ``True`` when one was live.

    Possession is the authority (RFC 7009, and GitHub's credential revocation API): whoever
    holds a leaked ``pt_``, ``pf_``, ``po_`` or ``pr_`` token may end it, because they could
    use it anyway. An unknown, malformed or already revoked token is a no-op (no query for a
    string that cannot be ours).
    """
    kind = crypto.parse_kind(plaintext)
    if kind is None:
        return False
    digest = crypto.digest(plaintext)
    if kind == crypto.OAUTH_ACCESS_TOKEN:
        access = get_access_token_model().objects.filter(token_checksum=digest).first()
        if access is None:
            return False
        revoke_access_token(access)  # DOT's one path: deletes it, revokes its refresh token
        return True
    if kind == crypto.OAUTH_REFRESH_TOKEN:
        refresh = (
            get_refresh_token_model()
            .objects.filter(token_checksum=digest, revoked__isnull=True)
            .first()
        )
        if refresh is None:
            return False
        refresh.revoke()  # DOT's: locks the row, deletes its access token
        return True
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(digest=digest, kind=kind).first()
        if token is None or token.revoked_at is not None:
            return False
        Token.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        send_on_commit(signals.token_revoked, Token, token_ids=[token.id], user=token.user, by=None)
    return True
