"""The device authorization flow over REST (ctfy wire §5).

``/auth/device/code`` and ``/auth/device/token`` are the device's side (no
credential); ``approve``, ``deny`` and ``info`` are the person's side and take
a user session only.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth import crypto
from ctfy_auth.api.base import CtfyAPIView, CtfyPublicAPIView
from ctfy_auth.api.schema import WRONG_USER_CODES, ErrorDoc, errors
from ctfy_auth.api.serializers.devices import (
    DeviceCodeSerializer,
    DeviceInfoSerializer,
    DeviceTokenRequestSerializer,
    DeviceTokenSerializer,
    UserCodeSerializer,
)
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.conf import app_settings
from ctfy_auth.exceptions import DeviceCodeInvalid, DeviceCodeUnavailable
from ctfy_auth.services import devices
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
#: What ``approve``, ``deny`` and ``info`` answer besides their own errors.
_USER_CODE_ERRORS = (DeviceCodeInvalid, *WRONG_USER_CODES)


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


class DeviceCodeView(CtfyPublicAPIView):
    """``POST /auth/device/code``: open a request; no credential, no body."""

    rate_buckets = {"post": "device_code"}

    @extend_schema(
        operation_id="device_code",
        responses={200: DeviceCodeSerializer, **errors(DeviceCodeUnavailable)},
    )
    def post(self, request: Request) -> Response:
        """A device asks to be signed in.

        No body. The device's secret for polling, and the user code the person types on the
        verification page.
        """
        self.check_rate()
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


class DeviceTokenView(CtfyPublicAPIView):
    """``POST /auth/device/token {device_code}``: the device polls; always 200.

    A poll that comes sooner than ``interval`` after the previous one for the
    same device code answers ``pending`` without looking (docs/device.md): the
    device simply asks again, and other clients are not affected.
    """

    rate_buckets = {"post": "device_token"}

    @extend_schema(
        operation_id="device_token",
        request=DeviceTokenRequestSerializer,
        responses={200: DeviceTokenSerializer},
    )
    def post(self, request: Request) -> Response:
        """The device polls for its session.

        Always 200 for a well-formed body: `pending`, `denied`, `expired`, or once `approved`
        with a new session token. A poll sooner than `interval` after the previous one
        answers `pending` without looking.
        """
        data = self.validated(DeviceTokenRequestSerializer)
        self.check_rate()
        device_code = data["device_code"]
        spacing = max(1, app_settings.DEVICE_POLL_INTERVAL_SECONDS - 1)  # one second of jitter
        if not claim_interval("device_poll:" + crypto.digest(device_code), spacing):
            return Response({"status": "pending", "token": ""})
        result = devices.poll(device_code, ClientInfo.from_request(request._request))
        return Response({"status": result.status, "token": result.token})


class _DecisionView(CtfyAPIView):
    approve: bool
    rate_buckets = {"post": "device_approve"}

    def _decide(self, request: Request, user_code: str) -> Response:
        row = devices.decide(
            self.principal.user,
            user_code,
            approve=self.approve,
            client_ip=client_ip(request._request),
        )
        return Response(DeviceInfoSerializer(row).data)


class DeviceApproveView(_DecisionView):
    """``POST /auth/device/approve {user_code}``: hand the device a session for the caller."""

    approve = True

    @extend_schema(
        operation_id="device_approve",
        request=UserCodeSerializer,
        responses={
            200: OpenApiResponse(DeviceInfoSerializer, 'The request, now `"approved"`.'),
            **errors(*_USER_CODE_ERRORS),
        },
    )
    def post(self, request: Request) -> Response:
        """Approve a device's request.

        Case, spaces and punctuation of the user code are ignored. The device's next poll
        gets a session for the caller.
        """
        data = self.validated(UserCodeSerializer)
        self.check_rate()
        return self._decide(request, data["user_code"])


class DeviceDenyView(_DecisionView):
    """``POST /auth/device/deny {user_code}``: refuse the device."""

    approve = False

    @extend_schema(
        operation_id="device_deny",
        request=UserCodeSerializer,
        responses={
            200: OpenApiResponse(DeviceInfoSerializer, 'The request, now `"denied"`.'),
            **errors(*_USER_CODE_ERRORS),
        },
    )
    def post(self, request: Request) -> Response:
        """Deny a device's request.

        The device's polls answer `denied` from then on.
        """
        data = self.validated(UserCodeSerializer)
        self.check_rate()
        return self._decide(request, data["user_code"])


class DeviceInfoView(CtfyAPIView):
    """``GET /auth/device/info?user_code=``: what is asking, before the person decides."""

    @extend_schema(
        operation_id="device_info",
        parameters=[UserCodeSerializer],
        responses={
            200: DeviceInfoSerializer,
            **errors(
                *_USER_CODE_ERRORS,
                ErrorDoc(422, "validation_error", "`user_code` is missing or too long"),
            ),
        },
    )
    def get(self, request: Request) -> Response:
        """What is asking to be signed in.

        A pending request is visible to any signed-in person; a decided one only to the
        person who decided it.
        """
        data = self.validated(UserCodeSerializer, request.query_params)
        row = devices.info(
            self.principal.user, data["user_code"], client_ip=client_ip(request._request)
        )
        return Response(DeviceInfoSerializer(row).data)
