"""``GET /auth/providers``: which sign-in methods this deployment offers."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyPublicAPIView
from ctfy_auth.api.serializers.providers import ProvidersSerializer
from ctfy_auth.conf import app_settings
from ctfy_auth.providers import listed_providers

__all__ = ["ProvidersView"]


class ProvidersView(CtfyPublicAPIView):
    @extend_schema(operation_id="providers", responses={200: ProvidersSerializer})
    def get(self, request: Request) -> Response:
        """The sign-in methods on offer.

        GitHub and Google are always listed, `enabled` once configured; other configured
        providers follow. Link-only providers appear only in `link_providers`.
        """
        rows = [
            {
                **row,
                "authorize_path": reverse(
                    "ctfy_auth:oauth-login", kwargs={"provider": row["name"]}
                ),
                "available_at": "",
            }
            for row in listed_providers()
        ]
        return Response(
            {
                "providers": [r for r in rows if not r["link_only"]],
                "link_providers": rows,
                "password_auth": {"enabled": app_settings.PASSWORD_AUTH_ENABLED},
                "email_code_auth": {"enabled": False},
            }
        )
