"""Password registration and sign-in, and the caller's password."""

from __future__ import annotations

from typing import Any

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.api.serializers.accounts import (
    LoginSerializer,
    RegisterSerializer,
    SetPasswordSerializer,
)
from ctfy_auth.services import accounts
from ctfy_auth.services._common import ClientInfo

__all__ = ["LoginView", "PasswordView", "RegisterView"]

_sensitive = method_decorator(sensitive_post_parameters(), name="dispatch")
_OK = {"status": "ok"}


@_sensitive
class RegisterView(CtfyAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def post(self, request: Request) -> Response:
        data = self.validated(RegisterSerializer)
        self.check_rate("register")
        _user, plaintext = accounts.register(
            email=data["email"],
            password=data["password"],
            display_name=data["display_name"],
            client=ClientInfo.from_request(request._request),
        )
        return Response({"token": plaintext, "redirect_to": "/"})


@_sensitive
class LoginView(CtfyAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def post(self, request: Request) -> Response:
        data = self.validated(LoginSerializer)
        self.check_rate("login")
        _user, plaintext = accounts.sign_in_with_password(
            email=data["email"],
            password=data["password"],
            client=ClientInfo.from_request(request._request),
        )
        return Response({"token": plaintext, "redirect_to": "/"})


@_sensitive
class PasswordView(CtfyAPIView):
    """``POST`` sets or changes the password; ``DELETE`` removes it."""

    def post(self, request: Request) -> Response:
        data = self.validated(SetPasswordSerializer)
        self.check_rate("password_change")
        accounts.set_password(
            self.principal,
            new_password=data["new_password"],
            current_password=data["current_password"],
        )
        return Response(_OK)

    def delete(self, request: Request) -> Response:
        self.check_rate("auth_mutation")
        accounts.remove_password(self.principal)
        return Response(_OK)
