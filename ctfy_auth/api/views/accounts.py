"""Password registration and sign-in, and the caller's password."""

from __future__ import annotations

from typing import Any

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.api.schema import CtfyAutoSchema, errors, rate_limited
from ctfy_auth.api.serializers.accounts import (
    AuthTokenSerializer,
    LoginSerializer,
    RegisterSerializer,
    SetPasswordSerializer,
    StatusSerializer,
)
from ctfy_auth.services import accounts
from ctfy_auth.services._common import ClientInfo

__all__ = ["LoginView", "PasswordView", "RegisterView"]

_sensitive = method_decorator(sensitive_post_parameters(), name="dispatch")
_OK = {"status": "ok"}
_PASSWORD_AUTH_DISABLED = (
    "`password_auth_disabled`: password sign-in is off (`PASSWORD_AUTH_ENABLED`)."
)
_WEAK_PASSWORD = (
    "`weak_password`: a common password, or one refused by `AUTH_PASSWORD_VALIDATORS`; "
    "detail `{message, rule}`."
)
_PASSWORD_BUDGET = (
    "`rate_limited`: this account has spent its budget of password checks "
    '(`THROTTLE_RATES["password_check"]`), shared by every door that checks a password.'
)
_LIMIT_UNAVAILABLE = (
    "`rate_limit_unavailable`: the limits that guard passwords cannot be counted (the throttle "
    "cache is unreachable), so no password is checked; `Retry-After` says when to try again."
)
_REAUTH = (
    "`reauthentication_required`: the sudo window is closed; detail `{message, window_seconds}`."
)


@_sensitive
class RegisterView(CtfyAPIView):
    schema = CtfyAutoSchema()
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="register",
        summary="Register with an email and a password",
        description=(
            "Creates the account and signs it in: a new session token, whose sudo window is "
            "open. The first person to register becomes `super_admin`."
        ),
        request=RegisterSerializer,
        responses={
            200: OpenApiResponse(AuthTokenSerializer, "A session token for the new account."),
            **errors(
                {
                    404: _PASSWORD_AUTH_DISABLED,
                    409: (
                        "`email_taken`: an account with this email has a password.\n\n"
                        "`email_belongs_to_oauth`: an account with this email signs in with an "
                        "external provider only."
                    ),
                    422: _WEAK_PASSWORD,
                    429: rate_limited("register"),
                }
            ),
        },
    )
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
    schema = CtfyAutoSchema()
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="login",
        summary="Sign in with an email and a password",
        description="Answers a new session token.",
        request=LoginSerializer,
        responses={
            200: OpenApiResponse(AuthTokenSerializer, "A new session token."),
            **errors(
                {
                    401: (
                        "`invalid_credentials`: unknown email, no password, wrong password or "
                        "inactive account (one answer for all)."
                    ),
                    404: _PASSWORD_AUTH_DISABLED,
                    429: f"{rate_limited('login')}\n\n{_PASSWORD_BUDGET}",
                    503: _LIMIT_UNAVAILABLE,
                }
            ),
        },
    )
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

    schema = CtfyAutoSchema()

    @extend_schema(
        operation_id="set_password",
        summary="Change the password, or set a first one",
        description=(
            "Changes the password (the current one is the proof), or attaches a first one to an "
            "account that has none (the sudo window must be open)."
        ),
        request=SetPasswordSerializer,
        responses={
            200: StatusSerializer,
            **errors(
                {
                    400: "`account_email_missing`: first password only: the account has no email.",
                    401: (
                        "`wrong_current_password`: the account has a password and "
                        "`current_password` is empty or wrong."
                    ),
                    404: _PASSWORD_AUTH_DISABLED,
                    409: _REAUTH + " (first password only)",
                    422: _WEAK_PASSWORD,
                    429: f"{rate_limited('password_change')}\n\n{_PASSWORD_BUDGET}",
                    503: _LIMIT_UNAVAILABLE,
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.validated(SetPasswordSerializer)
        self.check_rate("password_change")
        accounts.set_password(
            self.principal,
            new_password=data["new_password"],
            current_password=data["current_password"],
        )
        return Response(_OK)

    @extend_schema(
        operation_id="remove_password",
        summary="Remove the password",
        description="Removes the password, never the account's last way to sign in.",
        responses={
            200: StatusSerializer,
            **errors(
                {
                    404: (
                        _PASSWORD_AUTH_DISABLED
                        + "\n\n`password_not_set`: the account has no password."
                    ),
                    409: (
                        "`last_sign_in_method`: no external sign-in identity would remain.\n\n"
                        + _REAUTH
                    ),
                    429: rate_limited("auth_mutation"),
                }
            ),
        },
    )
    def delete(self, request: Request) -> Response:
        self.check_rate("auth_mutation")
        accounts.remove_password(self.principal)
        return Response(_OK)
