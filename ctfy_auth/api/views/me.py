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
from ctfy_auth.api.schema import CtfyAutoSchema, errors, rate_limited
from ctfy_auth.api.serializers.accounts import ReauthenticateSerializer, ReauthWindowSerializer
from ctfy_auth.api.serializers.me import MeSerializer
from ctfy_auth.permissions import HasScopes, IsFullAccount
from ctfy_auth.services import accounts

__all__ = ["MeView", "ReauthenticateView"]


class MeView(CtfyAPIView):
    """The account behind the credential.

    An API token reads it with ``profile:read`` (ctfy's rule); when the host's
    catalog has no ``profile`` category, only full-account credentials do.
    """

    schema = CtfyAutoSchema()
    required_scopes = {"profile": "read"}

    def get_permissions(self) -> list[Any]:
        if "profile" in scopes.catalog_keys():
            return [HasScopes()]
        return [IsFullAccount()]

    @extend_schema(
        operation_id="me",
        summary="The account behind the credential",
        responses={200: MeSerializer},
    )
    def get(self, request: Request) -> Response:
        principal = self.principal
        token_kind = principal.token.kind if principal.token is not None else "user"
        return Response(MeSerializer(principal.user, context={"token_kind": token_kind}).data)


@method_decorator(sensitive_post_parameters(), name="dispatch")
class ReauthenticateView(CtfyAPIView):
    schema = CtfyAutoSchema()

    @extend_schema(
        operation_id="reauthenticate",
        summary="Prove the password again: open the sudo window",
        description=(
            "Opens the sudo window on the calling token only. `code` is accepted for "
            "compatibility with ctfy's email-code proof and ignored."
        ),
        request=ReauthenticateSerializer,
        responses={
            200: ReauthWindowSerializer,
            **errors(
                {
                    401: (
                        "`reauth_proof_required`: the account has no password, or "
                        "`current_password` is empty.\n\n`wrong_current_password`: the password "
                        "is wrong.\n\n`token_revoked`: the calling token was revoked during the "
                        "request."
                    ),
                    429: (
                        f"{rate_limited('account_reauthenticate')}\n\n`rate_limited`: this "
                        "account has spent its budget of password checks "
                        '(`THROTTLE_RATES["password_check"]`), shared with sign-in and password '
                        "change."
                    ),
                    503: (
                        "`rate_limit_unavailable`: the limits that guard passwords cannot be "
                        "counted (the throttle cache is unreachable), so no password is checked; "
                        "`Retry-After` says when to try again."
                    ),
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.validated(ReauthenticateSerializer)
        self.check_rate("account_reauthenticate")
        window = accounts.reauthenticate(
            self.principal, current_password=data["current_password"], code=data["code"]
        )
        return Response({"window_seconds": window})
