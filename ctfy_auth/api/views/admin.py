"""The admin API (ctfy wire §7.3): users, roles, token trace and revocation.

Every route needs a user session first (a fine-grained token gets the
user-session 403), then a role: ``admin`` or ``super_admin`` to read users,
``super_admin`` for everything that changes state or resolves a secret.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyAPIView, CtfyViewSet
from ctfy_auth.api.pagination import paginate
from ctfy_auth.api.serializers.admin import (
    TRACE_NOT_FOUND,
    AdminRevocationSerializer,
    AdminUserInfoSerializer,
    RoleChangeSerializer,
    TokenTraceRequestSerializer,
    TokenTraceSerializer,
    UserListQuerySerializer,
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
        # An action missing from the dict is a KeyError, never an open door.
        return [permission() for permission in self.permissions_by_action[self.action]]

    def _info(self, user: Any) -> dict[str, Any]:
        return dict(AdminUserInfoSerializer(user).data)

    def list(self, request: Request) -> Response:
        query = self.validated(UserListQuerySerializer, request.query_params)
        users = admin.search_users(
            q=query["q"],
            role=query["role"],
            sort=query["sort"],
            descending=query["dir"] == "desc",
        )
        return Response(paginate(request, users, self._info))

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._info(admin.get_user(pk)))

    def set_role(self, request: Request, pk: str) -> Response:
        data = self.validated(RoleChangeSerializer)
        return Response(self._info(admin.change_role(self.principal.user, pk, data["role"])))


@method_decorator(sensitive_post_parameters(), name="dispatch")
class TokenTraceView(CtfyAPIView):
    """``POST /admin/token-trace {token}``: whose is this leaked secret? Never a 404."""

    permission_classes = [IsUserSession, IsSuperAdmin]

    def post(self, request: Request) -> Response:
        data = self.validated(TokenTraceRequestSerializer)
        trace = admin.trace_token(data["token"])
        if trace is None:
            return Response(dict(TRACE_NOT_FOUND))
        context = {"traced_id": trace.token.pk, "now": timezone.now()}
        return Response(TokenTraceSerializer(trace, context=context).data)


class AdminTokenRevokeView(CtfyAPIView):
    """``POST /admin/tokens/{token_id}/revoke``: revoke anyone's token; idempotent."""

    permission_classes = [IsUserSession, IsSuperAdmin]

    def post(self, request: Request, token_id: str) -> Response:
        revocation = admin.admin_revoke_token(self.principal.user, token_id)
        return Response(AdminRevocationSerializer(revocation).data)
