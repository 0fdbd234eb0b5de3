"""``LinkedIdentity`` rows (external identities and the password)."""

from __future__ import annotations

from rest_framework import serializers

from ctfy_auth.api.fields import UTCDateTimeField

__all__ = ["LinkedIdentitySerializer"]


class LinkedIdentitySerializer(serializers.Serializer):
    id = serializers.CharField()
    provider = serializers.CharField()
    provider_email = serializers.CharField()
    provider_display_name = serializers.CharField()
    provider_user_id = serializers.CharField()
    provider_login = serializers.CharField()
    avatar_url = serializers.CharField()
    created_at = UTCDateTimeField()
    last_used_at = UTCDateTimeField()
