"""``LinkedIdentity`` rows (external identities and the password)."""

from __future__ import annotations

from rest_framework import serializers

from ctfy_auth.api.fields import UTCDateTimeField
from ctfy_auth.api.schema import page_of

__all__ = [
    "LinkStartSerializer",
    "LinkedIdentityPageSerializer",
    "LinkedIdentitySerializer",
    "OAuthCallbackQuerySerializer",
    "OAuthLoginQuerySerializer",
]


class LinkedIdentitySerializer(serializers.Serializer):
    id = serializers.CharField()
    provider = serializers.CharField()
    provider_email = serializers.CharField()
    provider_display_name = serializers.CharField()
    provider_user_id = serializers.CharField()
    provider_login = serializers.CharField()
    avatar_url = serializers.CharField()
    created_at = UTCDateTimeField()
    last_used_at = UTCDateTimeField()


# --- answers (documentation only: the views build these dicts themselves) ------------------

LinkedIdentityPageSerializer = page_of(LinkedIdentitySerializer, "LinkedIdentityPage")


class LinkStartSerializer(serializers.Serializer):
    """Where the person goes to approve the link at the provider."""

    authorize_url = serializers.URLField(read_only=True)


# --- query parameters (documentation only: the views read them, in ctfy's order) -----------


class OAuthLoginQuerySerializer(serializers.Serializer):
    redirect_to = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Where to land afterwards: a path on this site (anything else is `/`).",
    )


class OAuthCallbackQuerySerializer(serializers.Serializer):
    """Required for a sign-in to finish; without them the answer is ``oauth_missing_params``."""

    code = serializers.CharField(min_length=1)
    state = serializers.CharField(min_length=1)
    error = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The provider's refusal, named in the 400 when `code` is missing.",
    )
