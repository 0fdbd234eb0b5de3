"""``MeResponse``: the signed-in account's own view of itself."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ctfy_auth.api.fields import UTCDateTimeField
from ctfy_auth.models import Identity

__all__ = ["MeSerializer"]


class MeSerializer(serializers.Serializer):
    id = serializers.CharField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField()
    created_at = UTCDateTimeField()
    email = serializers.SerializerMethodField()
    role = serializers.CharField()
    is_admin = serializers.BooleanField()
    email_verified = serializers.BooleanField()
    email_verified_at = UTCDateTimeField()
    providers = serializers.SerializerMethodField()
    token_kind = serializers.SerializerMethodField()

    def get_providers(self, user: Any) -> list[str]:
        return sorted(set(Identity.objects.filter(user=user).values_list("provider", flat=True)))

    def get_email(self, user: Any) -> str:
        return user.email or ""

    def get_token_kind(self, user: Any) -> str:
        return str(self.context["token_kind"])
