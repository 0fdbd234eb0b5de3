"""Bodies of the device authorization flow (ctfy wire §5)."""

from __future__ import annotations

from rest_framework import serializers

from ctfy_auth.api.fields import StrictCharField, UTCDateTimeField
from ctfy_auth.models import DeviceRequest

__all__ = [
    "DeviceInfoSerializer",
    "DeviceTokenRequestSerializer",
    "UserCodeSerializer",
]


class DeviceTokenRequestSerializer(serializers.Serializer):
    device_code = StrictCharField(min_length=1, max_length=512, trim_whitespace=False)


class UserCodeSerializer(serializers.Serializer):
    user_code = StrictCharField(min_length=1, max_length=64, trim_whitespace=False)


class DeviceInfoSerializer(serializers.ModelSerializer):
    """``DeviceInfoResponse``: what is asking, and the request's state for this person."""

    status = serializers.SerializerMethodField()
    requested_at = UTCDateTimeField(source="created_at")

    class Meta:
        model = DeviceRequest
        fields = ("status", "requested_at", "requester_ip", "requester_user_agent")
        read_only_fields = fields

    def get_status(self, row: DeviceRequest) -> str:
        # The device taking its token is not the person's business: still "approved" to them.
        status = row.public_status()
        return "approved" if status == "consumed" else status
