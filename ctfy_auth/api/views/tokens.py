"""The caller's tokens: list and revoke."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyViewSet
from ctfy_auth.api.pagination import paginate
from ctfy_auth.api.serializers.tokens import TokenInfoSerializer
from ctfy_auth.models import Token
from ctfy_auth.services import tokens

__all__ = ["TokenViewSet"]


class TokenViewSet(CtfyViewSet):
    def list(self, request: Request) -> Response:
        """Unrevoked tokens of every kind, expired included, oldest first."""
        principal = self.principal
        queryset = (
            Token.objects.unrevoked().filter(user=principal.user).order_by("created_at", "id")
        )
        context = {"current_token_id": principal.token_id}
        return Response(
            paginate(request, queryset, lambda t: TokenInfoSerializer(t, context=context).data)
        )

    def destroy(self, request: Request, pk: str) -> Response:
        self.check_rate("auth_mutation")
        tokens.revoke(self.principal, pk)
        return Response({"status": "ok"})

    def destroy_others(self, request: Request) -> Response:
        self.check_rate("auth_mutation")
        count = tokens.revoke_others(self.principal)
        return Response({"status": "ok", "revoked": count})
