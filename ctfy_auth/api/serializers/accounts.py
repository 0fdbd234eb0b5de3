"""Request bodies for registration, sign-in, passwords and re-authentication."""

from __future__ import annotations

from rest_framework import serializers

from ctfy_auth.api.fields import EmailAddressField, PasswordField, StrictCharField

__all__ = [
    "AuthTokenSerializer",
    "LoginSerializer",
    "ReauthWindowSerializer",
    "ReauthenticateSerializer",
    "RegisterSerializer",
    "SetPasswordSerializer",
    "StatusSerializer",
]


class RegisterSerializer(serializers.Serializer):
    email = EmailAddressField()
    password = PasswordField()
    display_name = StrictCharField(max_length=120, allow_blank=True, default="")


class LoginSerializer(serializers.Serializer):
    email = EmailAddressField()
    password = PasswordField(minimum=1)


class SetPasswordSerializer(serializers.Serializer):
    new_password = PasswordField()
    current_password = PasswordField(minimum=0, allow_blank=True, default="")


class ReauthenticateSerializer(serializers.Serializer):
    current_password = PasswordField(minimum=0, allow_blank=True, default="")
    code = StrictCharField(max_length=16, allow_blank=True, default="", write_only=True)


class AuthTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    redirect_to = serializers.CharField(default="/")


# --- answers (documentation only: the views build these dicts themselves) ------------------


class StatusSerializer(serializers.Serializer):
    """``{"status": "ok"}``."""

    status = serializers.ChoiceField(choices=["ok"], read_only=True)


class ReauthWindowSerializer(serializers.Serializer):
    """The sudo window just opened on the calling token."""

    window_seconds = serializers.IntegerField(read_only=True)
