"""One trivial DRF endpoint, authenticated by each scheme under comparison.

The views differ only in ``authentication_classes`` and ``permission_classes``; the body is the
same small JSON document naming the authenticated user, so every variant does identical work
apart from authenticating.
"""

from __future__ import annotations

from typing import Any

from knox.auth import TokenAuthentication as KnoxTokenAuthentication  # type: ignore[import-untyped]
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.authentication import TokenAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ctfy_auth.authentication import BearerTokenAuthentication
from ctfy_auth.permissions import HasScopes

__all__ = [
    "AnonymousView",
    "DRFTokenView",
    "KnoxTokenView",
    "OAuth2TokenView",
    "ScopedTokenView",
    "SessionTokenView",
]


class _TrivialView(APIView):
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    throttle_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response({"user": getattr(request.user, "pk", None)})


class AnonymousView(_TrivialView):
    """The floor: no authentication at all, so the others' extra cost is their authentication."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class DRFTokenView(_TrivialView):
    """(a) ``Authorization: Token <key>``: DRF's ``rest_framework.authtoken``."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]


class KnoxTokenView(_TrivialView):
    """(b) ``Authorization: Token <token>``: django-rest-knox (hashed, expiring)."""

    authentication_classes = [KnoxTokenAuthentication]
    permission_classes = [IsAuthenticated]


class OAuth2TokenView(_TrivialView):
    """(c) ``Authorization: Bearer <access token>``: django-oauth-toolkit."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [IsAuthenticated]


class SessionTokenView(_TrivialView):
    """(d) ``Authorization: Bearer pt_…``: a ctfy_auth session token."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated]


class ScopedTokenView(_TrivialView):
    """(e) ``Authorization: Bearer pf_…``: a ctfy_auth API token, checked by ``HasScopes``."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasScopes]
    required_scopes = {"profile": "read"}
