"""``/me``: the account behind the credential, and re-authentication."""

from __future__ import annotations

from typing import Any

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth import scopes
from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.api.schema import PASSWORD_BUDGET, errors
from ctfy_auth.api.serializers.accounts import ReauthenticateSerializer, ReauthWindowSerializer
from ctfy_auth.api.serializers.me import MeSerializer
from ctfy_auth.exceptions import (
    ReauthProofRequired,
    TokenRevokedDuringRequest,
    WrongCurrentPassword,
)
from ctfy_auth.permissions import HasScopes, IsFullAccount
from ctfy_auth.services import accounts

__all__ = ["MeView", "ReauthenticateView"]


class MeView(CtfyAPIView):
    """The account behind the credential.

    An API token reads it with ``profile:read`` (ctfy's rule); when the host's
    catalog has no ``profile`` category, only full-account credentials do.
    """

    required_scopes = {"profile": "read"}

    def get_permissions(self) -> list[Any]:
        if "profile" in scopes.catalog_keys():
            return [HasScopes()]
        return [IsFullAccount()]

    @extend_schema(operation_id="me", responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        """The account behind the credential."""
        principal = self.principal
        token_kind = principal.token.kind if principal.token is not None else "user"
        return Response(MeSerializer(principal.user, context={"token_kind": token_kind}).data)


@method_decorator(sensitive_post_parameters(), name="dispatch")
class ReauthenticateView(CtfyAPIView):
    rate_buckets = {"post": "account_reauthenticate"}

    @extend_schema(
        operation_id="reauthenticate",
        request=ReauthenticateSerializer,
        responses={
            200: ReauthWindowSerializer,
            **errors(
                ReauthProofRequired,
                WrongCurrentPassword,
                TokenRevokedDuringRequest,
                *PASSWORD_BUDGET,
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Prove the password again: open the sudo window.

        Opens the sudo window on the calling token only. `code` is accepted for
        compatibility with ctfy's email-code proof and ignored.
        """
        data = self.validated(ReauthenticateSerializer)
        self.check_rate()
        # `code` (a mailed code, wire §3.10) is accepted and not used yet: no account has one.
        window = accounts.reauthenticate(self.principal, current_password=data["current_password"])
        return Response({"window_seconds": window})
