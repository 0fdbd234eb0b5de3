"""``MeResponse``: the signed-in account's own view of itself, and the fields it shares."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ctfy_auth.api.fields import UTCDateTimeField
from ctfy_auth.constants import PASSWORD_PROVIDER
from ctfy_auth.models import Identity

__all__ = ["AccountSerializer", "MeSerializer"]


class AccountSerializer(serializers.Serializer):
    """What every view of an account shows: ``/me`` and the admin API's ``AdminUserInfo``."""

    id = serializers.CharField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField()
    created_at = UTCDateTimeField()
    email = serializers.SerializerMethodField()
    role = serializers.CharField()
    email_verified = serializers.BooleanField()
    email_verified_at = UTCDateTimeField()

    def get_email(self, user: Any) -> str:
        return user.email or ""


class MeSerializer(AccountSerializer):
    is_admin = serializers.BooleanField()
    providers = serializers.SerializerMethodField()
    token_kind = serializers.SerializerMethodField()
    deletion_proof = serializers.SerializerMethodField()

    def get_providers(self, user: Any) -> list[str]:
        """Bound sign-in methods, ``password`` included when the account holds one (as ctfy)."""
        names = set(Identity.objects.filter(user=user).values_list("provider", flat=True))
        if user.has_usable_password():
            names.add(PASSWORD_PROVIDER)
        return sorted(names)

    def get_deletion_proof(self, user: Any) -> str:
        """The proof ``POST /me/reauthenticate`` takes: ``password``, else ``none`` (no codes)."""
        return PASSWORD_PROVIDER if user.has_usable_password() else "none"

    def get_token_kind(self, user: Any) -> str:
        return str(self.context["token_kind"])
