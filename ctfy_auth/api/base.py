"""Base class for every ctfy_auth view: our authentication, permissions and envelope.

Views inherit the policy here instead of reading the host's ``REST_FRAMEWORK``
defaults, so installing ctfy_auth never changes the host's other views and the
host's settings never loosen ours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSetMixin

from ctfy_auth.api.exception_handler import exception_handler
from ctfy_auth.api.parsers import DepthLimitedJSONParser
from ctfy_auth.authentication import BearerTokenAuthentication
from ctfy_auth.permissions import IsUserSession, get_principal
from ctfy_auth.principal import Principal
from ctfy_auth.throttling import check_rate

__all__ = ["CtfyAPIView", "CtfyViewSet"]


class CtfyAPIView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsUserSession]
    parser_classes = [DepthLimitedJSONParser]
    renderer_classes = [JSONRenderer]
    throttle_classes: list[Any] = []

    def get_exception_handler(self) -> Callable[..., Any]:
        return exception_handler

    @property
    def principal(self) -> Principal:
        principal = get_principal(self.request)
        assert principal is not None, "permission classes let an anonymous request through"
        return principal

    def check_rate(self, bucket: str) -> None:
        """Spend quota in ``bucket``; views call it after validation (ctfy's order)."""
        check_rate(self.request._request, bucket)

    def validated(self, serializer_class: type, data: Any = None) -> dict[str, Any]:
        request: Request = self.request
        serializer = serializer_class(data=request.data if data is None else data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class CtfyViewSet(ViewSetMixin, CtfyAPIView):
    """A ViewSet with the same policy."""
