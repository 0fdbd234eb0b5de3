"""Who is calling: the client address and user agent a write path records.

Views build a :class:`ClientInfo` from the request and hand it to the services
(a sign-in stores it on the session it mints); management commands and tests pass
``ClientInfo()``. A value, so the services never see the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from ctfy_auth.conf import app_settings
from ctfy_auth.throttling import client_ip

__all__ = ["ClientInfo"]


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who is calling, as stored on a minted session: ``ip`` and ``user_agent`` ("" unknown)."""

    ip: str = ""
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest | None) -> ClientInfo:
        """The client of ``request`` (``NUM_PROXIES`` decides the address; the agent is cut
        to ``USER_AGENT_MAX_LENGTH``); ``ClientInfo()`` without a request."""
        if request is None:
            return cls()
        ua = str(request.META.get("HTTP_USER_AGENT", ""))[: app_settings.USER_AGENT_MAX_LENGTH]
        return cls(ip=client_ip(request), user_agent=ua)
