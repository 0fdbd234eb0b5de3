"""Password registration and sign-in, and the caller's password."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ctfy_auth.api.base import CtfyAPIView, CtfyPublicAPIView
from ctfy_auth.api.schema import PASSWORD_BUDGET, ErrorDoc, errors
from ctfy_auth.api.serializers.accounts import (
    AuthTokenSerializer,
    LoginSerializer,
    RegisterSerializer,
    SetPasswordSerializer,
    StatusSerializer,
)
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.exceptions import (
    AccountEmailMissing,
    EmailBelongsToOAuth,
    EmailTaken,
    InvalidCredentials,
    LastSignInMethod,
    PasswordAuthDisabled,
    PasswordNotSet,
    ReauthenticationRequired,
    WeakPassword,
    WrongCurrentPassword,
)
from ctfy_auth.services import accounts

__all__ = ["LoginView", "PasswordView", "RegisterView"]

_sensitive = method_decorator(sensitive_post_parameters(), name="dispatch")
_OK = {"status": "ok"}


@_sensitive
class RegisterView(CtfyPublicAPIView):
    rate_buckets = {"post": "register"}

    @extend_schema(
        operation_id="register",
        request=RegisterSerializer,
        responses={
            200: OpenApiResponse(AuthTokenSerializer, "A session token for the new account."),
            **errors(PasswordAuthDisabled, EmailTaken, EmailBelongsToOAuth, WeakPassword),
        },
    )
    def post(self, request: Request) -> Response:
        """Register with an email and a password.

        Creates the account and signs it in: a new session token, whose sudo window is open.
        The first person to register becomes `super_admin`.
        """
        data = self.validated(RegisterSerializer)
        self.check_rate()
        _user, plaintext = accounts.register(
            email=data["email"],
            password=data["password"],
            display_name=data["display_name"],
            client=ClientInfo.from_request(request._request),
        )
        return Response({"token": plaintext, "redirect_to": "/"})


@_sensitive
class LoginView(CtfyPublicAPIView):
    rate_buckets = {"post": "login"}

    @extend_schema(
        operation_id="login",
        request=LoginSerializer,
        responses={
            200: OpenApiResponse(AuthTokenSerializer, "A new session token."),
            **errors(InvalidCredentials, PasswordAuthDisabled, *PASSWORD_BUDGET),
        },
    )
    def post(self, request: Request) -> Response:
        """Sign in with an email and a password.

        Answers a new session token.
        """
        data = self.validated(LoginSerializer)
        self.check_rate()
        _user, plaintext = accounts.sign_in_with_password(
            email=data["email"],
            password=data["password"],
            client=ClientInfo.from_request(request._request),
        )
        return Response({"token": plaintext, "redirect_to": "/"})


@_sensitive
class PasswordView(CtfyAPIView):
    """``POST`` sets or changes the password; ``DELETE`` removes it."""

    rate_buckets = {"post": "password_change", "delete": "auth_mutation"}

    @extend_schema(
        operation_id="set_password",
        request=SetPasswordSerializer,
        responses={
            200: StatusSerializer,
            **errors(
                ErrorDoc.of(AccountEmailMissing, "first password only"),
                WrongCurrentPassword,
                PasswordAuthDisabled,
                ErrorDoc.of(ReauthenticationRequired, "first password only"),
                WeakPassword,
                *PASSWORD_BUDGET,
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Change the password, or set a first one.

        Changes the password (the current one is the proof), or attaches a first one to an
        account that has none (the sudo window must be open).
        """
        data = self.validated(SetPasswordSerializer)
        self.check_rate()
        accounts.set_password(
            self.principal,
            new_password=data["new_password"],
            current_password=data["current_password"],
        )
        return Response(_OK)

    @extend_schema(
        operation_id="remove_password",
        responses={
            200: StatusSerializer,
            **errors(
                PasswordAuthDisabled, PasswordNotSet, LastSignInMethod, ReauthenticationRequired
            ),
        },
    )
    def delete(self, request: Request) -> Response:
        """Remove the password.

        Removes the password, never the account's last way to sign in.
        """
        self.check_rate()
        accounts.remove_password(self.principal)
        return Response(_OK)
