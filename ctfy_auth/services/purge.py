"""Deleting dead rows: the one routine behind ``manage.py ctfy_auth_purge_tokens``.

Three kinds of row die and are only deleted by that command (never on the request
path, DESIGN §4): tokens revoked or expired longer ago than the retention, device
requests expired as long ago, and sign-in/link flows that have expired (nothing in
them is worth keeping once they can no longer be redeemed). Each kind is a query of
what may go; :func:`purge` deletes any of them by the same batching rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from ctfy_auth.models import DeviceRequest, OAuthFlow, Token

__all__ = ["DEFAULT_BATCH_SIZE", "dead_tokens", "expired_device_requests", "expired_flows", "purge"]

#: Rows deleted per transaction when the caller names no batch size.
DEFAULT_BATCH_SIZE = 1000


def dead_tokens(cutoff: datetime) -> QuerySet[Token]:
    """Tokens dead since before ``cutoff``; live tokens never match.

    A revoked row counts from its revocation (even if it had expired earlier),
    so a token revoked after a leak stays traceable for the whole retention.
    """
    return Token.objects.filter(
        Q(revoked_at__lt=cutoff) | Q(revoked_at__isnull=True, expires_at__lt=cutoff)
    )


def expired_device_requests(cutoff: datetime) -> QuerySet[DeviceRequest]:
    """Device requests that expired before ``cutoff``, whatever their outcome."""
    return DeviceRequest.objects.filter(expires_at__lt=cutoff)


def expired_flows(now: datetime) -> QuerySet[OAuthFlow]:
    """Sign-in/link flows past their expiry: they can no longer be redeemed."""
    return OAuthFlow.objects.filter(expires_at__lt=now)


def purge(rows: Callable[[], QuerySet[Any]], *, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Delete what ``rows()`` selects, ``batch_size`` rows at a time; returns how many went.

    The rule, for every kind of row: select up to ``batch_size`` primary keys in key
    order, then delete those among them that ``rows()`` still selects (the condition
    is applied again, so a row that changed in between is left alone and is not
    selected again: every round makes progress), until a selection comes back empty.
    Each round is its own short statement, so a large purge never holds locks for
    long. Only rows of the selected model are counted, not the rows a deletion
    cascades to.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    deleted = 0
    while True:
        ids = list(rows().order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        query = rows().filter(pk__in=ids)
        _total, per_model = query.delete()
        deleted += per_model.get(query.model._meta.label, 0)
