"""Sign-in identities at external providers (GitHub, Google, OIDC issuers)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctfy_auth.models._ids import new_id

__all__ = ["Identity"]


class Identity(models.Model):
    """One account at one provider, bound to a user.

    The password is a sign-in method too, but it lives where Django keeps it
    (``User.password``); the identities list shows it as ``provider="password"``.
    """

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="identities",
        verbose_name=_("user"),
    )
    provider = models.CharField(_("provider"), max_length=32)
    provider_user_id = models.CharField(_("provider user id"), max_length=255)
    email = models.EmailField(_("provider email"), max_length=254, blank=True)
    email_verified = models.BooleanField(_("email verified by provider"), default=False)
    login = models.CharField(_("provider login"), max_length=255, blank=True)
    display_name = models.CharField(_("display name"), max_length=255, blank=True)
    avatar_url = models.CharField(_("avatar URL"), max_length=2048, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        ordering = ("provider", "created_at")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=("provider", "provider_user_id"),
                name="ctfy_auth_identity_provider_uid_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.login or self.email or self.provider_user_id}"
