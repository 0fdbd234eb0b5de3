"""``GET /auth/providers``: which sign-in methods this deployment offers."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.api.schema import CtfyAutoSchema
from ctfy_auth.api.serializers.providers import ProvidersSerializer
from ctfy_auth.conf import app_settings
from ctfy_auth.providers import listed_providers

__all__ = ["ProvidersView"]


class ProvidersView(CtfyAPIView):
    schema = CtfyAutoSchema()
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="providers",
        summary="The sign-in methods on offer",
        description=(
            "GitHub and Google are always listed, `enabled` once configured; other configured "
            "providers follow. Link-only providers appear only in `link_providers`."
        ),
        responses={200: ProvidersSerializer},
    )
    def get(self, request: Request) -> Response:
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
