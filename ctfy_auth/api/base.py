"""Base classes for every ctfy_auth view: our authentication, permissions, schema and envelope.

Views inherit the policy here instead of reading the host's ``REST_FRAMEWORK``
defaults, so installing ctfy_auth never changes the host's other views and the
host's settings never loosen ours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NoReturn

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSetMixin

from ctfy_auth import get_principal
from ctfy_auth.api.exception_handler import exception_handler
from ctfy_auth.api.parsers import DepthLimitedJSONParser
from ctfy_auth.api.schema import CtfyAutoSchema
from ctfy_auth.authentication import BearerTokenAuthentication
from ctfy_auth.exceptions import CtfyError
from ctfy_auth.permissions import IsUserSession, evaluate
from ctfy_auth.principal import Principal
from ctfy_auth.throttling import check_rate

__all__ = ["CtfyAPIView", "CtfyPublicAPIView", "CtfyViewSet"]


class CtfyAPIView(APIView):
    """Bearer authentication, :class:`IsUserSession` unless replaced, JSON, the ctfy envelope.

    A refusal by a ctfy_auth permission class, alone or inside ``&``, ``|``, ``~``,
    answers that class's error (:func:`ctfy_auth.permissions.evaluate`), with its code and
    context, as if it had been raised.
    """

    authentication_classes = [BearerTokenAuthentication]
    permission_classes: list[Any] = [IsUserSession]
    parser_classes = [DepthLimitedJSONParser]
    renderer_classes = [JSONRenderer]
    throttle_classes: list[Any] = []
    schema = CtfyAutoSchema()
    #: The rate bucket (``THROTTLE_RATES``) each handler spends, by handler name (``"post"``,
    #: or a viewset's action): :meth:`check_rate` spends it, the schema documents its 429.
    rate_buckets: ClassVar[Mapping[str, str]] = {}
    #: The handlers that refuse a request without a body, as ctfy does (``{}`` is enough):
    #: :meth:`validated` enforces it, the schema marks the body required and documents the 422.
    body_required: ClassVar[frozenset[str]] = frozenset()

    def get_exception_handler(self) -> Callable[..., Any]:
        return exception_handler

    def check_permissions(self, request: Request) -> None:
        for permission in self.get_permissions():
            verdict = evaluate(permission, request, self)
            if not verdict.admitted:
                self._refuse(request, permission, verdict.error)

    def _refuse(self, request: Request, permission: object, error: CtfyError | None) -> NoReturn:
        if error is not None:
            raise error
        # DRF's answer: 401 when no authenticator succeeded, else its generic 403.
        self.permission_denied(
            request,
            message=getattr(permission, "message", None),
            code=getattr(permission, "code", None),
        )

    @property
    def principal(self) -> Principal:
        principal = get_principal(self.request)
        assert principal is not None, "permission classes let an anonymous request through"
        return principal

    @property
    def _handler_name(self) -> str:
        """The handler serving this request: the viewset's action, else the method's name."""
        method = (self.request.method or "").lower()
        return getattr(self, "action", None) or ("get" if method == "head" else method)

    def check_rate(self) -> None:
        """Spend the handler's quota (``rate_buckets``).

        Handlers call it after authentication and validation, so a request that fails
        either spends none (ctfy's order).
        """
        bucket = self.rate_buckets.get(self._handler_name)
        if bucket is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.rate_buckets names no bucket for {self._handler_name!r}"
            )
        check_rate(self.request._request, bucket)

    def validated(self, serializer_class: type, data: Any = None) -> dict[str, Any]:
        """The request's body (or ``data``) validated by ``serializer_class``; 422 otherwise."""
        request: Request = self.request
        if data is None and self._handler_name in self.body_required and not request._request.body:
            raise serializers.ValidationError({"body": ["Field required"]}, code="missing")
        serializer = serializer_class(data=request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class CtfyPublicAPIView(CtfyAPIView):
    """A route that reads no credential (sign-in, registration, the device's side, catalogs).

    No authentication class at all, so a credential that is sent is not even parsed, and
    the schema documents ``security: []``.
    """

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = [AllowAny]


class CtfyViewSet(ViewSetMixin, CtfyAPIView):
    """A ViewSet with the same policy."""
