"""``GET /auth/providers`` (documentation only: the view builds these dicts itself)."""

from __future__ import annotations

from rest_framework import serializers

__all__ = ["FeatureSerializer", "ProviderInfoSerializer", "ProvidersSerializer"]


class ProviderInfoSerializer(serializers.Serializer):
    """``OAuthProviderInfo``: one sign-in provider."""

    name = serializers.CharField(read_only=True)
    enabled = serializers.BooleanField(read_only=True, help_text="Configured with a client id.")
    authorize_path = serializers.CharField(read_only=True, help_text="Where a sign-in starts.")
    display_name = serializers.CharField(read_only=True)
    link_only = serializers.BooleanField(read_only=True)
    available_at = serializers.CharField(read_only=True)


class FeatureSerializer(serializers.Serializer):
    """Whether a sign-in method is on offer."""

    enabled = serializers.BooleanField(read_only=True)


class ProvidersSerializer(serializers.Serializer):
    """``ProvidersResponse``: the sign-in methods this deployment offers."""

    providers = ProviderInfoSerializer(
        many=True, read_only=True, help_text="Providers that can sign in (not link-only)."
    )
    link_providers = ProviderInfoSerializer(
        many=True, read_only=True, help_text="Every provider, link-only ones included."
    )
    password_auth = FeatureSerializer(read_only=True)
    email_code_auth = FeatureSerializer(read_only=True)
