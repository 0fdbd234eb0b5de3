"""Helpers shared by the service modules only (private to ``ctfy_auth.services``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from ctfy_auth.conf import app_settings
from ctfy_auth.exceptions import ReauthenticationRequired
from ctfy_auth.principal import Principal


def send_on_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` once the surrounding transaction commits (at once outside one)."""
    send: Callable[[], Any] = lambda: signal.send(sender=sender, **kwargs)  # noqa: E731
    transaction.on_commit(send)


def require_sudo(principal: Principal) -> None:
    """Refuse with 409 unless the calling credential re-authenticated within the window."""
    window = app_settings.REAUTH_WINDOW_SECONDS
    if not principal.reauthenticated_within(window):
        raise ReauthenticationRequired(window_seconds=window)
