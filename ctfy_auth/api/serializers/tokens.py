"""``TokenInfo``: every field emitted, dense permissions in catalog order, ``null`` datetimes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ctfy_auth import scopes
from ctfy_auth.api.fields import UTCDateTimeField
from ctfy_auth.models import Token

__all__ = ["TokenInfoSerializer"]


class TokenInfoSerializer(serializers.ModelSerializer):
    created_at = UTCDateTimeField()
    last_used_at = UTCDateTimeField()
    expires_at = UTCDateTimeField()
    is_current = serializers.SerializerMethodField()
    competition_access = serializers.CharField(source="resource_access", read_only=True)
    competition_ids = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    rotated_from = serializers.SerializerMethodField()
    template = serializers.SerializerMethodField()

    class Meta:
        model = Token
        fields = (
            "id",
            "kind",
            "label",
            "created_at",
            "last_used_at",
            "expires_at",
            "ip_address",
            "user_agent",
            "is_current",
            "competition_access",
            "competition_ids",
            "permissions",
            "rotated_from",
            "template",
        )
        read_only_fields = fields

    def get_is_current(self, token: Token) -> bool:
        return bool(token.id == self.context.get("current_token_id"))

    def get_competition_ids(self, token: Token) -> list[str]:
        return [str(i) for i in token.resource_ids or []]

    def get_permissions(self, token: Token) -> dict[str, str]:
        return scopes.dense(token.permissions)

    def get_rotated_from(self, token: Token) -> str:
        return token.rotated_from_id or ""

    def get_template(self, token: Token) -> str:
        return ""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return dict(super().to_representation(instance))
