"""Revoking tokens of every kind (sessions and API tokens), one or many at a time.

Revocation keeps the row (a leaked secret stays traceable) and announces the ids
with ``token_revoked`` after commit.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone

from ctfy_auth import signals
from ctfy_auth.exceptions import CannotRevokeCurrentToken, TokenNotFound
from ctfy_auth.models import Token, looks_like_id
from ctfy_auth.principal import Principal
from ctfy_auth.services._common import send_on_commit

__all__ = ["revoke", "revoke_all", "revoke_others"]


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
