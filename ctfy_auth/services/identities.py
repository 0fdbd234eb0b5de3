"""Sign-in identities: listing the ways in, and unlinking one without losing the last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from ctfy_auth import signals
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import PASSWORD_PROVIDER
from ctfy_auth.exceptions import IdentityNotFound, LastSignInMethod
from ctfy_auth.models import Identity, looks_like_id
from ctfy_auth.principal import Principal
from ctfy_auth.services._common import require_sudo, send_on_commit

__all__ = [
    "SignInMethod",
    "delete_identity",
    "has_sign_in_identity",
    "list_sign_in_methods",
    "lock_user",
    "unlink",
]


@dataclass(frozen=True, slots=True)
class SignInMethod:
    """One row of the identities list: an external identity, or the password."""

    id: str
    provider: str
    provider_email: str = ""
    provider_display_name: str = ""
    provider_user_id: str = ""
    provider_login: str = ""
    avatar_url: str = ""
    created_at: datetime | None = None
    last_used_at: datetime | None = None


def _link_only_providers() -> list[str]:
    return [name for name, cfg in app_settings.PROVIDERS.items() if cfg.get("link_only")]


def lock_user(user: Any) -> Any:
    """Re-read ``user`` with its row locked, for checks that must not race a concurrent write."""
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def has_sign_in_identity(user: Any, *, excluding: str | None = None) -> bool:
    """Does ``user`` keep an external identity that can sign in (link-only ones never count)?"""
    qs = Identity.objects.filter(user=user).exclude(provider__in=_link_only_providers())
    if excluding is not None:
        qs = qs.exclude(pk=excluding)
    return qs.exists()


def list_sign_in_methods(user: Any) -> list[SignInMethod]:
    """External identities ordered by provider, then the password when one is set."""
    rows = [
        SignInMethod(
            id=i.id,
            provider=i.provider,
            provider_email=i.email,
            provider_display_name=i.display_name,
            provider_user_id=i.provider_user_id,
            provider_login=i.login,
            avatar_url=i.avatar_url,
            created_at=i.created_at,
            last_used_at=i.last_used_at,
        )
        for i in Identity.objects.filter(user=user).order_by("provider", "created_at")
    ]
    if user.has_usable_password():
        rows.append(
            SignInMethod(
                id=PASSWORD_PROVIDER,
                provider=PASSWORD_PROVIDER,
                provider_email=user.email or "",
                provider_display_name=user.display_name,
                created_at=user.password_changed_at or user.created_at,
                last_used_at=user.last_login,
            )
        )
    return rows


def unlink(principal: Principal, identity_id: str) -> None:
    """Unlink one of the caller's external identities, never the last way in."""
    if not looks_like_id(identity_id):
        raise IdentityNotFound()
    with transaction.atomic():
        user = lock_user(principal.user)
        identity = Identity.objects.filter(pk=identity_id, user=user).first()
        if identity is None:
            raise IdentityNotFound()
        if not user.has_usable_password() and not has_sign_in_identity(user, excluding=identity.pk):
            raise LastSignInMethod()
        require_sudo(principal)
        delete_identity(identity)


def delete_identity(identity: Identity) -> None:
    """Delete ``identity`` and send ``identity_unlinked`` once the transaction commits.

    The one way an identity goes, for the self-service unlink and for operators; the
    caller decides whether the last way in may go.
    """
    user, identity_id, provider = identity.user, identity.pk, identity.provider
    identity.delete()
    send_on_commit(
        signals.identity_unlinked,
        type(user),
        user=user,
        identity_id=identity_id,
        provider=provider,
    )
