"""The device authorization flow over REST (ctfy wire §5).

``/auth/device/code`` and ``/auth/device/token`` are the device's side (no
credential); ``approve``, ``deny`` and ``info`` are the person's side and take
a user session only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth import crypto
from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.api.serializers.devices import (
    DeviceInfoSerializer,
    DeviceTokenRequestSerializer,
    UserCodeSerializer,
)
from ctfy_auth.conf import app_settings
from ctfy_auth.services import devices
from ctfy_auth.services._common import ClientInfo
from ctfy_auth.throttling import claim_interval

__all__ = [
    "DeviceApproveView",
    "DeviceCodeView",
    "DeviceDenyView",
    "DeviceInfoView",
    "DeviceTokenView",
    "verification_uri",
]

#: Where the approval page lives when the host has not mounted ``ctfy_auth.pages.urls``.
_DEFAULT_PAGE_PATH = "/device"


def verification_uri(request: Request) -> str:
    """``<origin>/device``: the origin from ``DEVICE_VERIFICATION_ORIGIN``, else this request's."""
    try:
        path = reverse("ctfy_auth_pages:device")
    except NoReverseMatch:
        path = _DEFAULT_PAGE_PATH
    origin = app_settings.DEVICE_VERIFICATION_ORIGIN.rstrip("/")
    if not origin:
        origin = request.build_absolute_uri("/").rstrip("/")
    return origin + path


class DeviceCodeView(CtfyAPIView):
    """``POST /auth/device/code``: open a request; no credential, no body."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def post(self, request: Request) -> Response:
        self.check_rate("device_code")
        row, device_code = devices.start(ClientInfo.from_request(request._request))
        uri = verification_uri(request)
        query = urlencode({"user_code": row.display_user_code})
        return Response(
            {
                "device_code": device_code,
                "user_code": row.display_user_code,
                "verification_uri": uri,
                "verification_uri_complete": f"{uri}?{query}",
                "expires_in": app_settings.DEVICE_CODE_LIFETIME_SECONDS,
                "interval": app_settings.DEVICE_POLL_INTERVAL_SECONDS,
            }
        )


class DeviceTokenView(CtfyAPIView):
    """``POST /auth/device/token {device_code}``: the device polls; always 200.

    A poll that comes sooner than ``interval`` after the previous one for the
    same device code answers ``pending`` without looking (docs/device.md): the
    device simply asks again, and other clients are not affected.
    """

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def post(self, request: Request) -> Response:
        data = self.validated(DeviceTokenRequestSerializer)
        self.check_rate("device_token")
        device_code = data["device_code"]
        spacing = max(1, app_settings.DEVICE_POLL_INTERVAL_SECONDS - 1)  # one second of jitter
        if not claim_interval("device_poll:" + crypto.digest(device_code), spacing):
            return Response({"status": "pending", "token": ""})
        result = devices.poll(device_code, ClientInfo.from_request(request._request))
        return Response({"status": result.status, "token": result.token})


class _DecisionView(CtfyAPIView):
    approve: bool

    def post(self, request: Request) -> Response:
        data = self.validated(UserCodeSerializer)
        self.check_rate("device_approve")
        row = devices.decide(self.principal.user, data["user_code"], approve=self.approve)
        return Response(DeviceInfoSerializer(row).data)


class DeviceApproveView(_DecisionView):
    """``POST /auth/device/approve {user_code}``: hand the device a session for the caller."""

    approve = True


class DeviceDenyView(_DecisionView):
    """``POST /auth/device/deny {user_code}``: refuse the device."""

    approve = False


class DeviceInfoView(CtfyAPIView):
    """``GET /auth/device/info?user_code=``: what is asking, before the person decides."""

    def get(self, request: Request) -> Response:
        data = self.validated(UserCodeSerializer, request.query_params)
        row = devices.info(self.principal.user, data["user_code"])
        return Response(DeviceInfoSerializer(row).data)
