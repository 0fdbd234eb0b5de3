"""``TokenInfo``: every field emitted, dense permissions in catalog order, ``null`` datetimes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ctfy_auth import scopes
from ctfy_auth.api.fields import StrictCharField, UTCDateTimeField
from ctfy_auth.api.schema import page_of
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import TokenKind
from ctfy_auth.models import Token

__all__ = [
    "CreatedTokenSerializer",
    "ExpirySerializer",
    "MintTokenSerializer",
    "RevokedOthersSerializer",
    "ScopeCategorySerializer",
    "TokenInfoPageSerializer",
    "TokenInfoSerializer",
    "TokenScopesSerializer",
    "TokenTemplateSerializer",
    "TokenTemplatesSerializer",
    "UpdateTokenSerializer",
    "token_info",
]


_UTC = UTCDateTimeField()  # formats only; to_representation keeps no state


def token_info(token: Token, current_token_id: str | None) -> dict[str, Any]:
    """``TokenInfo`` of ``token``, the fields :class:`TokenInfoSerializer` declares, in order.

    Rendered directly: instantiating a serializer deep-copies all its fields for every token,
    which was a tenth of ``GET /auth/tokens`` (benchmarks/, part 6).
    """
    return {
        "id": token.id,
        "kind": token.kind,
        "label": token.label,
        "created_at": _UTC.to_representation(token.created_at),
        "last_used_at": token.last_used_at and _UTC.to_representation(token.last_used_at),
        "expires_at": token.expires_at and _UTC.to_representation(token.expires_at),
        "ip_address": token.ip_address,
        "user_agent": token.user_agent,
        "is_current": token.id == current_token_id,
        "competition_access": token.resource_access,
        "competition_ids": [str(i) for i in token.resource_ids or []],
        "permissions": scopes.dense(token.permissions),
        "rotated_from": token.rotated_from_id or "",
        "template": (
            scopes.template_for(token.permissions) if token.kind == TokenKind.API_TOKEN else ""
        ),
    }


class TokenInfoSerializer(serializers.Serializer):
    # The schema of TokenInfo; token_info() renders it (a test keeps the two in step).

    id = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=TokenKind.choices, read_only=True)
    # The metaclass moves declared fields off the class, so this never shadows Field.label.
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    created_at = UTCDateTimeField()
    last_used_at = UTCDateTimeField(allow_null=True)
    expires_at = UTCDateTimeField(allow_null=True)
    ip_address = serializers.CharField(read_only=True)
    user_agent = serializers.CharField(read_only=True)
    is_current = serializers.BooleanField(read_only=True)
    competition_access = serializers.CharField(read_only=True)
    competition_ids = serializers.ListField(child=serializers.CharField(), read_only=True)
    permissions = serializers.DictField(child=serializers.CharField(), read_only=True)
    rotated_from = serializers.CharField(read_only=True)
    template = serializers.CharField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return token_info(instance, self.context.get("current_token_id"))


class CreatedTokenSerializer(TokenInfoSerializer):
    """``CreateFineGrainedTokenResponse``: TokenInfo plus the plaintext, shown this once."""

    token = serializers.CharField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {**super().to_representation(instance), "token": str(self.context["plaintext"])}


class _ExpiresInDays(serializers.IntegerField):
    """0..API_TOKEN_MAX_LIFETIME_DAYS (read at call time); 0 is "never", null the default."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", None)
        super().__init__(min_value=0, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        value = int(super().to_internal_value(data))
        if value > app_settings.API_TOKEN_MAX_LIFETIME_DAYS:
            self.fail("max_value", max_value=app_settings.API_TOKEN_MAX_LIFETIME_DAYS)
        return value


class _TemplateName(StrictCharField):
    default_error_messages = {"unknown": "Input should be one of: {names}"}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        names = scopes.template_names()
        if value not in names:  # refused, never defaulted to something broader
            self.fail("unknown", names=", ".join(repr(n) for n in names))
        return value


class _ScopeFields(serializers.Serializer):
    """The scope fields shared by mint and PATCH; wire names kept, model names inside."""

    template = _TemplateName(required=False, allow_null=True)
    competition_access = StrictCharField(
        max_length=32, required=False, allow_null=True, source="resource_access"
    )
    competition_ids = serializers.ListField(
        child=StrictCharField(max_length=128, allow_blank=True),
        max_length=1000,
        required=False,
        allow_null=True,
        source="resource_ids",
    )
    permissions = serializers.DictField(
        child=StrictCharField(max_length=32, allow_blank=True),
        required=False,
        allow_null=True,
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # The wire field ``label`` would shadow ``Field.label`` (the serializer's own label)
        # as a class attribute, so it is declared here, first as before.
        label = StrictCharField(max_length=64, allow_blank=True, required=False, allow_null=True)
        return {"label": label, **super().get_fields()}


class MintTokenSerializer(_ScopeFields):
    expires_in_days = _ExpiresInDays()


class UpdateTokenSerializer(_ScopeFields):
    """PATCH: a field counts only when present and not null (``{}`` is a valid no-op)."""

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.validated_data.items() if v is not None}


class ExpirySerializer(serializers.Serializer):
    expires_in_days = _ExpiresInDays()


# --- answers (documentation only: the views build these dicts themselves) ------------------

TokenInfoPageSerializer = page_of(TokenInfoSerializer, "TokenInfoPage")


class RevokedOthersSerializer(serializers.Serializer):
    """``DELETE /auth/tokens/others``: how many tokens were revoked."""

    status = serializers.ChoiceField(choices=["ok"], read_only=True)
    revoked = serializers.IntegerField(read_only=True)


class ScopeCategorySerializer(serializers.Serializer):
    """One category of ``SCOPE_CATALOG``."""

    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    description = serializers.CharField(read_only=True)
    competition_scoped = serializers.BooleanField(read_only=True)
    max_level = serializers.CharField(read_only=True, help_text="`none`, `read` or `write`.")


class TokenScopesSerializer(serializers.Serializer):
    """The scope catalog."""

    categories = ScopeCategorySerializer(many=True, read_only=True)
    levels = serializers.ListField(child=serializers.CharField(), read_only=True)


class TokenTemplateSerializer(serializers.Serializer):
    """One of ``TOKEN_TEMPLATES``; permissions dense, in catalog order."""

    name = serializers.CharField(read_only=True)
    competition_access = serializers.CharField(
        read_only=True, help_text="`none`, `all` or `selected`."
    )
    permissions = serializers.DictField(child=serializers.CharField(), read_only=True)
    expires_in_days = serializers.IntegerField(read_only=True)


class TokenTemplatesSerializer(serializers.Serializer):
    """The token templates."""

    templates = TokenTemplateSerializer(many=True, read_only=True)
