"""Minting and revoking tokens."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ctfy_auth import crypto, signals
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import TokenKind
from ctfy_auth.exceptions import CannotRevokeCurrentToken, TokenNotFound
from ctfy_auth.models import Token
from ctfy_auth.models._ids import looks_like_id
from ctfy_auth.principal import Principal
from ctfy_auth.services._common import ClientInfo, send_on_commit

__all__ = ["mint_session", "revoke", "revoke_all", "revoke_others"]


def mint_session(
    user: Any, client: ClientInfo, *, reauthenticated: bool = True
) -> tuple[Token, str]:
    """Mint a ``pt_`` session for ``user``; returns ``(row, plaintext)``, the plaintext once.

    A sign-in is a proof of identity, so the new token's sudo window opens now,
    on this token only. A hand-over that proves no secret (the device flow gives a
    CLI the session a browser approved) passes ``reauthenticated=False``: the new
    token starts with its window closed.
    """
    now = timezone.now()
    plaintext = crypto.generate(TokenKind.SESSION)
    with transaction.atomic():
        token = Token.objects.create(
            user=user,
            kind=TokenKind.SESSION,
            label=app_settings.SESSION_TOKEN_LABEL,
            digest=crypto.digest(plaintext),
            created_at=now,
            expires_at=now + timedelta(seconds=app_settings.SESSION_TOKEN_LIFETIME_SECONDS),
            ip_address=client.ip,
            user_agent=client.user_agent,
            reauthenticated_at=now if reauthenticated else None,
        )
        send_on_commit(signals.token_created, Token, token=token)
    return token, plaintext


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
