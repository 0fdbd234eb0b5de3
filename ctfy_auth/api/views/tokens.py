"""The caller's tokens: list, mint, update, renew, rotate, revoke; the scope catalog."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth import scopes
from ctfy_auth.api.base import CtfyAPIView, CtfyViewSet
from ctfy_auth.api.pagination import paginate
from ctfy_auth.api.serializers.tokens import (
    CreatedTokenSerializer,
    ExpirySerializer,
    MintTokenSerializer,
    TokenInfoSerializer,
    UpdateTokenSerializer,
)
from ctfy_auth.models import Token
from ctfy_auth.services import api_tokens, tokens

__all__ = ["TokenCatalogView", "TokenViewSet"]


class TokenViewSet(CtfyViewSet):
    def _info(self, token: Token) -> dict[str, Any]:
        context = {"current_token_id": self.principal.token_id}
        return dict(TokenInfoSerializer(token, context=context).data)

    def _created(self, token: Token, plaintext: str) -> Response:
        context = {"current_token_id": self.principal.token_id, "plaintext": plaintext}
        return Response(CreatedTokenSerializer(token, context=context).data)

    def _require_body(self, request: Request) -> None:
        """ctfy requires a JSON body on renew/rotate (``{}`` is enough)."""
        if not request._request.body:
            raise serializers.ValidationError({"body": ["Field required"]}, code="missing")

    def list(self, request: Request) -> Response:
        """Unrevoked tokens of every kind, expired included, oldest first."""
        queryset = (
            Token.objects.unrevoked().filter(user=self.principal.user).order_by("created_at", "id")
        )
        return Response(paginate(request, queryset, self._info))

    def create(self, request: Request) -> Response:
        data = self.validated(MintTokenSerializer)
        self.check_rate("token_create")
        token, plaintext = api_tokens.mint_api_token(
            self.principal,
            label=data.get("label") or "",
            expires_in_days=data.get("expires_in_days"),
            template=data.get("template"),
            resource_access=data.get("resource_access"),
            resource_ids=data.get("resource_ids"),
            permissions=data.get("permissions"),
        )
        return self._created(token, plaintext)

    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = UpdateTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.check_rate("auth_mutation")
        token = api_tokens.update_api_token(self.principal, pk, serializer.changes())
        return Response(self._info(token))

    def renew(self, request: Request, pk: str) -> Response:
        self._require_body(request)
        data = self.validated(ExpirySerializer)
        self.check_rate("auth_mutation")
        token = api_tokens.renew_api_token(self.principal, pk, data["expires_in_days"])
        return Response(self._info(token))

    def rotate(self, request: Request, pk: str) -> Response:
        self._require_body(request)
        data = self.validated(ExpirySerializer)
        self.check_rate("token_create")
        token, plaintext = api_tokens.rotate_api_token(self.principal, pk, data["expires_in_days"])
        return self._created(token, plaintext)

    def destroy(self, request: Request, pk: str) -> Response:
        self.check_rate("auth_mutation")
        tokens.revoke(self.principal, pk)
        return Response({"status": "ok"})

    def destroy_others(self, request: Request) -> Response:
        self.check_rate("auth_mutation")
        count = tokens.revoke_others(self.principal)
        return Response({"status": "ok", "revoked": count})


class TokenCatalogView(CtfyAPIView):
    """``GET /auth/tokens/scopes`` and ``/auth/tokens/templates``: static and unauthenticated."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    what = "scopes"

    def get(self, request: Request) -> Response:
        if self.what == "templates":
            return Response(
                {
                    "templates": [
                        {
                            "name": t["name"],
                            "competition_access": t["resource_access"],
                            "permissions": t["permissions"],
                            "expires_in_days": t["expires_in_days"],
                        }
                        for t in scopes.templates()
                    ]
                }
            )
        return Response(
            {
                "categories": [
                    {
                        "key": c["key"],
                        "label": str(c.get("label", c["key"])),
                        "description": str(c.get("description", "")),
                        "competition_scoped": bool(c.get("resource_scoped")),
                        "max_level": c.get("max_level", "write"),
                    }
                    for c in scopes.catalog()
                ],
                "levels": list(scopes.LEVELS),
            }
        )
