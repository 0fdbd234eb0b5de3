"""The device authorization flow over REST (ctfy wire §5).

``/auth/device/code`` and ``/auth/device/token`` are the device's side (no
credential); ``approve``, ``deny`` and ``info`` are the person's side and take
a user session only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth import crypto
from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.api.schema import CtfyAutoSchema, errors, rate_limited
from ctfy_auth.api.serializers.devices import (
    DeviceCodeSerializer,
    DeviceInfoSerializer,
    DeviceTokenRequestSerializer,
    DeviceTokenSerializer,
    UserCodeSerializer,
)
from ctfy_auth.conf import app_settings
from ctfy_auth.services import devices
from ctfy_auth.services._common import ClientInfo
from ctfy_auth.throttling import claim_interval, client_ip

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
_WRONG_CODES = (
    "`rate_limited`: this account, or this client address, has spent its budget of wrong user "
    "codes (`DEVICE_FAILED_ENTRY_LIMITS`)."
)
_BUDGET_UNAVAILABLE = (
    "`rate_limit_unavailable`: the budget of wrong user codes cannot be counted (the throttle "
    "cache is unreachable), so no code is looked up; `Retry-After` says when to try again."
)


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

    schema = CtfyAutoSchema()
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="device_code",
        summary="A device asks to be signed in",
        description=(
            "No body. The device's secret for polling, and the user code the person types on "
            "the verification page."
        ),
        request=None,
        responses={
            200: DeviceCodeSerializer,
            **errors(
                {
                    429: rate_limited("device_code"),
                    503: (
                        "`device_code_unavailable`: eight draws of a user code in a row all "
                        "collided with live requests."
                    ),
                }
            ),
        },
    )
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

    schema = CtfyAutoSchema()
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="device_token",
        summary="The device polls for its session",
        description=(
            "Always 200 for a well-formed body: `pending`, `denied`, `expired`, or once "
            "`approved` with a new session token. A poll sooner than `interval` after the "
            "previous one answers `pending` without looking."
        ),
        request=DeviceTokenRequestSerializer,
        responses={200: DeviceTokenSerializer, **errors({429: rate_limited("device_token")})},
    )
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
    schema = CtfyAutoSchema()
    approve: bool

    def post(self, request: Request) -> Response:
        data = self.validated(UserCodeSerializer)
        self.check_rate("device_approve")
        row = devices.decide(
            self.principal.user,
            data["user_code"],
            approve=self.approve,
            client_ip=client_ip(request._request),
        )
        return Response(DeviceInfoSerializer(row).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="device_approve",
        summary="Approve a device's request",
        description=(
            "Case, spaces and punctuation of the user code are ignored. The device's next poll "
            "gets a session for the caller."
        ),
        request=UserCodeSerializer,
        responses={
            200: OpenApiResponse(DeviceInfoSerializer, 'The request, now `"approved"`.'),
            **errors(
                {
                    404: (
                        '`device_code_invalid`: "Code not found, already used, or expired" '
                        "(counts as a wrong entry)."
                    ),
                    429: f"{_WRONG_CODES}\n\n{rate_limited('device_approve')}",
                    503: _BUDGET_UNAVAILABLE,
                }
            ),
        },
    )
)
class DeviceApproveView(_DecisionView):
    """``POST /auth/device/approve {user_code}``: hand the device a session for the caller."""

    approve = True


@extend_schema_view(
    post=extend_schema(
        operation_id="device_deny",
        summary="Deny a device's request",
        description="The device's polls answer `denied` from then on.",
        request=UserCodeSerializer,
        responses={
            200: OpenApiResponse(DeviceInfoSerializer, 'The request, now `"denied"`.'),
            **errors(
                {
                    404: (
                        '`device_code_invalid`: "Code not found, already used, or expired" '
                        "(counts as a wrong entry)."
                    ),
                    429: f"{_WRONG_CODES}\n\n{rate_limited('device_approve')}",
                    503: _BUDGET_UNAVAILABLE,
                }
            ),
        },
    )
)
class DeviceDenyView(_DecisionView):
    """``POST /auth/device/deny {user_code}``: refuse the device."""

    approve = False


class DeviceInfoView(CtfyAPIView):
    """``GET /auth/device/info?user_code=``: what is asking, before the person decides."""

    schema = CtfyAutoSchema()

    @extend_schema(
        operation_id="device_info",
        summary="What is asking to be signed in",
        description=(
            "A pending request is visible to any signed-in person; a decided one only to the "
            "person who decided it."
        ),
        parameters=[UserCodeSerializer],
        responses={
            200: DeviceInfoSerializer,
            **errors(
                {
                    404: (
                        '`device_code_invalid`: "Code not found or expired" (counts as a wrong '
                        "entry)."
                    ),
                    422: "`validation_error`: `user_code` is missing or too long.",
                    429: _WRONG_CODES,
                    503: _BUDGET_UNAVAILABLE,
                }
            ),
        },
    )
    def get(self, request: Request) -> Response:
        data = self.validated(UserCodeSerializer, request.query_params)
        row = devices.info(
            self.principal.user, data["user_code"], client_ip=client_ip(request._request)
        )
        return Response(DeviceInfoSerializer(row).data)
