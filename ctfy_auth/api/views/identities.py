"""The caller's sign-in identities."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyViewSet
from ctfy_auth.api.pagination import paginate
from ctfy_auth.api.schema import ErrorDoc, errors
from ctfy_auth.api.serializers.accounts import StatusSerializer
from ctfy_auth.api.serializers.identities import (
    LinkedIdentityPageSerializer,
    LinkedIdentitySerializer,
)
from ctfy_auth.exceptions import IdentityNotFound, LastSignInMethod, ReauthenticationRequired
from ctfy_auth.services import identities

__all__ = ["IdentityViewSet"]


class IdentityViewSet(CtfyViewSet):
    rate_buckets = {"destroy": "auth_mutation"}

    @extend_schema(operation_id="list_identities", responses={200: LinkedIdentityPageSerializer})
    def list(self, request: Request) -> Response:
        """List the caller's sign-in identities.

        External identities ordered by provider, then the password (`id` and `provider`
        `password`) when one is set.
        """
        rows = identities.list_sign_in_methods(self.principal.user)
        return Response(paginate(request, rows, lambda r: LinkedIdentitySerializer(asdict(r)).data))

    @extend_schema(
        operation_id="unlink_identity",
        responses={
            200: StatusSerializer,
            **errors(
                IdentityNotFound,
                ErrorDoc(405, "http_405", "an id of the form `link/<provider>` (another route)"),
                LastSignInMethod,
                ReauthenticationRequired,
            ),
        },
    )
    def destroy(self, request: Request, pk: str) -> Response:
        """Unlink one of the caller's external identities."""
        self.check_rate()
        identities.unlink(self.principal, pk)
        return Response({"status": "ok"})
