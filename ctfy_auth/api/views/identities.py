"""The caller's sign-in identities."""

from __future__ import annotations

from dataclasses import asdict

from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyViewSet
from ctfy_auth.api.pagination import paginate
from ctfy_auth.api.serializers.identities import LinkedIdentitySerializer
from ctfy_auth.services import identities

__all__ = ["IdentityViewSet"]


class IdentityViewSet(CtfyViewSet):
    def list(self, request: Request) -> Response:
        rows = identities.list_sign_in_methods(self.principal.user)
        return Response(paginate(request, rows, lambda r: LinkedIdentitySerializer(asdict(r)).data))

    def destroy(self, request: Request, pk: str) -> Response:
        self.check_rate("auth_mutation")
        identities.unlink(self.principal, pk)
        return Response({"status": "ok"})
