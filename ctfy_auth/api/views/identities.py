"""The caller's sign-in identities."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyViewSet
from ctfy_auth.api.pagination import _PageQuery, paginate
from ctfy_auth.api.schema import CtfyAutoSchema, errors, rate_limited
from ctfy_auth.api.serializers.accounts import StatusSerializer
from ctfy_auth.api.serializers.identities import (
    LinkedIdentityPageSerializer,
    LinkedIdentitySerializer,
)
from ctfy_auth.services import identities

__all__ = ["IdentityViewSet"]


class IdentityViewSet(CtfyViewSet):
    schema = CtfyAutoSchema()

    @extend_schema(
        operation_id="list_identities",
        summary="List the caller's sign-in identities",
        description=(
            "External identities ordered by provider, then the password (`id` and `provider` "
            "`password`) when one is set."
        ),
        parameters=[_PageQuery],
        responses={
            200: LinkedIdentityPageSerializer,
            **errors({422: "`validation_error`: `limit` or `offset` out of range."}),
        },
    )
    def list(self, request: Request) -> Response:
        rows = identities.list_sign_in_methods(self.principal.user)
        return Response(paginate(request, rows, lambda r: LinkedIdentitySerializer(asdict(r)).data))

    @extend_schema(
        operation_id="unlink_identity",
        summary="Unlink one of the caller's external identities",
        responses={
            200: StatusSerializer,
            **errors(
                {
                    404: (
                        "`identity_not_found`: no such identity, or not the caller's (the "
                        "`password` row cannot be unlinked here)."
                    ),
                    405: "`http_405`: an id of the form `link/<provider>` (another route).",
                    409: (
                        "`last_sign_in_method`: neither a password nor another sign-in identity "
                        "would remain.\n\n`reauthentication_required`: the sudo window is "
                        "closed; detail `{message, window_seconds}`."
                    ),
                    429: rate_limited("auth_mutation"),
                }
            ),
        },
    )
    def destroy(self, request: Request, pk: str) -> Response:
        self.check_rate("auth_mutation")
        identities.unlink(self.principal, pk)
        return Response({"status": "ok"})
