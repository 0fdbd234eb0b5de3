from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest

from ctfy_auth.conf import app_settings
from ctfy_auth.exceptions import ReauthenticationRequired
from ctfy_auth.principal import Principal
from ctfy_auth.throttling import client_ip


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who is calling, as stored on a minted session."""

    ip: str = ""
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest | None) -> ClientInfo:
        if request is None:
            return cls()
        ua = str(request.META.get("HTTP_USER_AGENT", ""))[: app_settings.USER_AGENT_MAX_LENGTH]
        return cls(ip=client_ip(request), user_agent=ua)


def send_on_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` once the surrounding transaction commits (at once outside one)."""
    send: Callable[[], Any] = lambda: signal.send(sender=sender, **kwargs)  # noqa: E731
    transaction.on_commit(send)


def require_sudo(principal: Principal) -> None:
    """Refuse with 409 unless the calling credential re-authenticated within the window."""
    window = app_settings.REAUTH_WINDOW_SECONDS
    if not principal.reauthenticated_within(window):
        raise ReauthenticationRequired(window_seconds=window)
