"""Bodies of the device authorization flow (ctfy wire §5)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ctfy_auth.api.fields import StrictCharField, UTCDateTimeField
from ctfy_auth.models import DeviceRequest

__all__ = [
    "DeviceCodeSerializer",
    "DeviceInfoSerializer",
    "DeviceTokenRequestSerializer",
    "DeviceTokenSerializer",
    "UserCodeSerializer",
]


@extend_schema_serializer(component_name="DevicePoll")
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


# --- answers (documentation only: the views build these dicts themselves) ------------------


class DeviceCodeSerializer(serializers.Serializer):
    """``DeviceCodeResponse``: the device's secret, and what the person types where."""

    device_code = serializers.CharField(read_only=True, help_text="Shown this once.")
    user_code = serializers.CharField(read_only=True, help_text="`XXXX-XXXX`.")
    verification_uri = serializers.URLField(read_only=True)
    verification_uri_complete = serializers.URLField(read_only=True)
    expires_in = serializers.IntegerField(read_only=True, help_text="Seconds.")
    interval = serializers.IntegerField(read_only=True, help_text="Seconds between polls.")


class DeviceTokenSerializer(serializers.Serializer):
    """``DeviceTokenResponse``: ``token`` is ``""`` except once, with ``approved``."""

    status = serializers.CharField(
        read_only=True, help_text="`pending`, `approved`, `denied` or `expired`."
    )
    token = serializers.CharField(read_only=True, help_text='A session token (`pt_…`), or `""`.')
