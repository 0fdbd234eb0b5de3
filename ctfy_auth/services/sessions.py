"""Session tokens (``pt_``): the full-account credential a sign-in mints.

Every sign-in path (password, provider, the device flow's hand-over, the
``ctfy_auth_create_token`` command) ends in :func:`mint_session`. Ending a
session is revocation, shared with API tokens: :mod:`ctfy_auth.services.revocation`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ctfy_auth import crypto, signals
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import TokenKind
from ctfy_auth.models import Token
from ctfy_auth.services._common import send_on_commit

__all__ = ["mint_session"]


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
