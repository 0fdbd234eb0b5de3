"""The admin API (ctfy wire §7.3): users, roles, token trace and revocation.

Every route needs a user session first (a fine-grained token gets the
user-session 403), then a role: ``admin`` or ``super_admin`` to read users,
``super_admin`` for everything that changes state or resolves a secret. A role
change and a revocation also need the session's sudo window (409), as minting does.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyAPIView, CtfyViewSet
from ctfy_auth.api.pagination import paginate
from ctfy_auth.api.schema import ErrorDoc, errors
from ctfy_auth.api.serializers.admin import (
    TRACE_NOT_FOUND,
    AdminRevocationSerializer,
    AdminUserInfoPageSerializer,
    AdminUserInfoSerializer,
    RoleChangeSerializer,
    TokenTraceRequestSerializer,
    TokenTraceSerializer,
    UserListQuerySerializer,
)
from ctfy_auth.exceptions import (
    CannotChangeOwnRole,
    ReauthenticationRequired,
    SuperAdminRoleLocked,
    TokenNotFound,
    UserNotFound,
)
from ctfy_auth.permissions import IsAdmin, IsSuperAdmin, IsUserSession
from ctfy_auth.services import admin

__all__ = [
    "AdminTokenRevokeView",
    "AdminUserViewSet",
    "TokenTraceView",
]

# --- views ------------------------------------------------------------------------------


class AdminUserViewSet(CtfyViewSet):
    """``GET /admin/users``, ``GET /admin/users/{id}``, ``PATCH /admin/users/{id}/role``."""

    permissions_by_action: ClassVar[dict[str, list[type[BasePermission]]]] = {
        "list": [IsUserSession, IsAdmin],
        "retrieve": [IsUserSession, IsAdmin],
        "set_role": [IsUserSession, IsSuperAdmin],
    }

    def get_permissions(self) -> list[BasePermission]:
        # A method the route does not map (TRACE, say) has no action: 405, never an open door.
        permissions = self.permissions_by_action.get(self.action or "")
        if permissions is None:
            raise MethodNotAllowed(self.request.method or "")
        return [permission() for permission in permissions]

    def _info(self, user: Any) -> dict[str, Any]:
        return dict(AdminUserInfoSerializer(user).data)

    @extend_schema(
        operation_id="admin_list_users",
        parameters=[UserListQuerySerializer],
        responses={200: AdminUserInfoPageSerializer, **errors(UserListQuerySerializer.invalid)},
    )
    def list(self, request: Request) -> Response:
        """Every account.

        `q` is a case-insensitive substring of the display name, the email or the id; `sort`
        is `name`, `email`, `created` or `last_active` (anything else sorts by `last_active`).
        """
        query = self.validated(UserListQuerySerializer, request.query_params)
        users = admin.search_users(
            q=query["q"],
            role=query["role"],
            sort=query["sort"],
            descending=query["dir"] == "desc",
        )
        return Response(paginate(request, users, self._info))

    @extend_schema(
        operation_id="admin_get_user",
        responses={
            200: AdminUserInfoSerializer,
            **errors(
                UserNotFound,
                ErrorDoc(405, "http_405", "an id of the form `<id>/role` (another route)"),
            ),
        },
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        """One account."""
        return Response(self._info(admin.get_user(pk)))

    @extend_schema(
        operation_id="admin_set_role",
        request=RoleChangeSerializer,
        responses={
            200: AdminUserInfoSerializer,
            **errors(
                CannotChangeOwnRole, SuperAdminRoleLocked, UserNotFound, ReauthenticationRequired
            ),
        },
    )
    def set_role(self, request: Request, pk: str) -> Response:
        """Promote to admin, or demote to user.

        Setting the role a person already has is a 200 that changes nothing. The sudo window
        must be open.
        """
        data = self.validated(RoleChangeSerializer)
        return Response(self._info(admin.change_role(self.principal, pk, data["role"])))


@method_decorator(sensitive_post_parameters(), name="dispatch")
class TokenTraceView(CtfyAPIView):
    """``POST /admin/token-trace {token}``: whose is this leaked secret? Never a 404."""

    permission_classes = [IsUserSession, IsSuperAdmin]

    @extend_schema(
        operation_id="admin_token_trace",
        request=TokenTraceRequestSerializer,
        responses={200: TokenTraceSerializer},
    )
    def post(self, request: Request) -> Response:
        """Whose is this leaked secret?

        Whose token a secret is, and every token of its rotation lineage. A secret that is
        not ours is a 200 with `found: false` and empty values, never a 404.
        """
        data = self.validated(TokenTraceRequestSerializer)
        trace = admin.trace_token(data["token"])
        if trace is None:
            return Response(dict(TRACE_NOT_FOUND))
        context = {"traced_id": trace.token.pk, "now": timezone.now()}
        return Response(TokenTraceSerializer(trace, context=context).data)


class AdminTokenRevokeView(CtfyAPIView):
    """``POST /admin/tokens/{token_id}/revoke``: revoke anyone's token; idempotent."""

    permission_classes = [IsUserSession, IsSuperAdmin]

    @extend_schema(
        operation_id="admin_revoke_token",
        responses={
            200: AdminRevocationSerializer,
            **errors(TokenNotFound, ReauthenticationRequired),
        },
    )
    def post(self, request: Request, token_id: str) -> Response:
        """Revoke anyone's token.

        No body. Idempotent: a token already revoked answers 200 with `already_revoked: true`
        and its original `revoked_at`. The sudo window must be open.
        """
        revocation = admin.admin_revoke_token(self.principal, token_id)
        return Response(AdminRevocationSerializer(revocation).data)
