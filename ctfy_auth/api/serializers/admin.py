"""Admin API shapes: ``AdminUserInfo``, the user-list query, role changes, token trace/revoke.

No shape here ever carries a token digest; the trace request's secret is write-only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ctfy_auth.api.fields import StrictCharField, UTCDateTimeField
from ctfy_auth.api.schema import ErrorDoc, page_of
from ctfy_auth.api.serializers.me import AccountSerializer
from ctfy_auth.constants import Role
from ctfy_auth.models import Token
from ctfy_auth.services.admin import ASSIGNABLE_ROLES

__all__ = [
    "TRACE_NOT_FOUND",
    "AdminRevocationSerializer",
    "AdminUserInfoPageSerializer",
    "AdminUserInfoSerializer",
    "RoleChangeSerializer",
    "TokenTraceRequestSerializer",
    "TokenTraceSerializer",
    "UserListQuerySerializer",
]

#: Longest string the trace accepts; our tokens are 52 characters.
TRACE_MAX_LENGTH = 512


class AdminUserInfoSerializer(AccountSerializer):
    """``AdminUserInfo`` without the ctfy platform's own fields (solves, affiliations, ...)."""

    providers = serializers.SerializerMethodField()
    last_active_at = UTCDateTimeField(source="last_login")
    is_active = serializers.BooleanField()

    def get_providers(self, user: Any) -> list[str]:
        # ``identities`` is prefetched by services.admin.admin_users(): no query per row.
        return sorted({identity.provider for identity in user.identities.all()})


class UserListQuerySerializer(serializers.Serializer):
    """``GET /admin/users`` query; ``offset``/``limit`` are the pager's. An unknown sort is
    ``last_active`` (as ctfy); an unknown role or direction is a 422."""

    #: The 422 of these parameters, for ``api.schema.errors`` (the schema adds the pager's).
    invalid: ClassVar[ErrorDoc] = ErrorDoc(
        422, "validation_error", "an unknown `role` or `dir`, or a `q` or `sort` too long"
    )

    q = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(
        choices=Role.values, required=False, allow_blank=True, default=""
    )
    sort = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    dir = serializers.ChoiceField(choices=("asc", "desc"), required=False, default="desc")


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ASSIGNABLE_ROLES)


@extend_schema_serializer(component_name="TokenTraceSecret")
class TokenTraceRequestSerializer(serializers.Serializer):
    """The secret to trace; it travels in the body, never the URL, and is never echoed."""

    token = StrictCharField(
        max_length=TRACE_MAX_LENGTH, allow_blank=True, write_only=True, trim_whitespace=True
    )


#: The answer for a secret that is not ours: the same keys, empty (never a 404).
TRACE_NOT_FOUND: dict[str, Any] = {
    "found": False,
    "token_id": "",
    "owner_user_id": "",
    "owner_display_name": "",
    "chain": [],
}


@extend_schema_serializer(component_name="TraceLink")
class _TraceLinkSerializer(serializers.ModelSerializer):
    created_at = UTCDateTimeField()
    last_used_at = UTCDateTimeField()
    expires_at = UTCDateTimeField()
    revoked_at = UTCDateTimeField()
    rotated_from = serializers.SerializerMethodField()
    is_traced = serializers.SerializerMethodField()
    live = serializers.SerializerMethodField()

    class Meta:
        model = Token
        # An explicit list: the digest is never a field here.
        fields = (
            "id",
            "kind",
            "label",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "rotated_from",
            "is_traced",
            "live",
        )
        read_only_fields = fields

    def get_rotated_from(self, token: Token) -> str:
        return token.rotated_from_id or ""

    def get_is_traced(self, token: Token) -> bool:
        return bool(token.pk == self.context.get("traced_id"))

    def get_live(self, token: Token) -> bool:
        return token.is_live(self.context.get("now") or timezone.now())


class TokenTraceSerializer(serializers.Serializer):
    """Shapes a found :class:`ctfy_auth.services.admin.TokenTrace`; see :data:`TRACE_NOT_FOUND`.

    Context: ``traced_id`` (the link whose secret was sent) and ``now`` (for ``live``).
    """

    found = serializers.SerializerMethodField()
    token_id = serializers.CharField(source="token.id")
    owner_user_id = serializers.CharField(source="owner.pk")
    owner_display_name = serializers.CharField(source="owner.display_name")
    chain = _TraceLinkSerializer(many=True)

    def get_found(self, trace: Any) -> bool:
        return True


class AdminRevocationSerializer(serializers.Serializer):
    """Shapes a :class:`ctfy_auth.services.admin.AdminRevocation`."""

    token_id = serializers.CharField(source="token.id")
    owner_user_id = serializers.CharField(source="token.user_id")
    owner_display_name = serializers.CharField(source="token.user.display_name")
    kind = serializers.CharField(source="token.kind")
    label = serializers.CharField(source="token.label")  # type: ignore[assignment]
    already_revoked = serializers.BooleanField()
    revoked_at = UTCDateTimeField(source="token.revoked_at")


# --- answers (documentation only) ---------------------------------------------------------

AdminUserInfoPageSerializer = page_of(AdminUserInfoSerializer, "AdminUserInfoPage")
