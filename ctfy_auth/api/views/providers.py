"""``GET /auth/providers``: which sign-in methods this deployment offers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.urls import reverse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.conf import app_settings

__all__ = ["ProvidersView"]

#: Providers always listed (disabled until configured), in wire order.
_ALWAYS_LISTED = ("github", "google")
_DISPLAY_NAMES = {"github": "GitHub", "google": "Google"}


def _configured(cfg: dict[str, Any] | None) -> bool:
    return bool(cfg and cfg.get("client_id"))


class ProvidersView(CtfyAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        configured = app_settings.PROVIDERS
        base = reverse("ctfy_auth:providers").removesuffix("providers")
        names = list(_ALWAYS_LISTED) + [
            name
            for name in configured
            if name not in _ALWAYS_LISTED and _configured(configured[name])
        ]
        rows = []
        for name in names:
            cfg = configured.get(name) or {}
            display = cfg.get("display_name") or _DISPLAY_NAMES.get(name, "")
            if name == "oidc" and not display:
                display = (
                    app_settings.OIDC_DISPLAY_NAME or urlsplit(cfg.get("issuer", "")).hostname or ""
                )
            rows.append(
                {
                    "name": name,
                    "enabled": _configured(cfg),
                    "authorize_path": f"{base}login/{name}",
                    "display_name": display,
                    "link_only": bool(cfg.get("link_only", False)),
                    "available_at": "",
                }
            )
        return Response(
            {
                "providers": [r for r in rows if not r["link_only"]],
                "link_providers": rows,
                "password_auth": {"enabled": app_settings.PASSWORD_AUTH_ENABLED},
                "email_code_auth": {"enabled": False},
            }
        )
