"""Credentials: session tokens (``pt_``) and fine-grained API tokens (``pf_``) in one table."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctfy_auth.constants import TokenKind
from ctfy_auth.models._ids import new_id
from ctfy_auth.models.querysets import AnnouncedUpdateQuerySet

__all__ = ["ResourceAccess", "Token", "TokenQuerySet"]


class ResourceAccess(models.TextChoices):
    """Which resources (competitions, for ctfy) a fine-grained token may touch."""

    NONE = "none", _("None")
    ALL = "all", _("All")
    SELECTED = "selected", _("Selected")


class TokenQuerySet(AnnouncedUpdateQuerySet["Token"]):
    def unrevoked(self) -> TokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def live(self, now: datetime | None = None) -> TokenQuerySet:
        now = now or timezone.now()
        return self.unrevoked().filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def expired(self, now: datetime | None = None) -> TokenQuerySet:
        """Unrevoked tokens past their expiry (:meth:`Token.status` ``"expired"``)."""
        return self.unrevoked().filter(expires_at__lte=now or timezone.now())

    def revoked(self) -> TokenQuerySet:
        return self.filter(revoked_at__isnull=False)


class Token(models.Model):
    """A bearer credential. Only the SHA-256 ``digest`` of the plaintext is stored.

    Revoked rows are kept (a leaked secret stays attributable) until the purge
    command removes them after the retention period.
    """

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ctfy_tokens",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TokenKind.choices)
    label = models.CharField(_("label"), max_length=64, blank=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    reauthenticated_at = models.DateTimeField(_("re-authenticated at"), null=True, blank=True)
    rotated_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rotated_to",
        verbose_name=_("rotated from"),
    )
    # Fine-grained authority (empty for sessions, which carry the whole account).
    permissions = models.JSONField(_("permissions"), default=dict, blank=True)
    resource_access = models.CharField(
        _("resource access"),
        max_length=16,
        choices=ResourceAccess.choices,
        default=ResourceAccess.NONE,
    )
    resource_ids = models.JSONField(_("resource ids"), default=list, blank=True)

    objects: ClassVar[TokenQuerySet] = TokenQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("token")
        verbose_name_plural = _("tokens")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=("user", "created_at"), name="ctfy_auth_token_user_created"),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(kind__in=TokenKind.values),
                name="ctfy_auth_token_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(resource_access__in=ResourceAccess.values),
                name="ctfy_auth_token_resource_access_valid",
            ),
        ]

    def __str__(self) -> str:
        # Never the secret nor its digest.
        return f"{self.get_kind_display()} {self.id}" + (f" ({self.label})" if self.label else "")

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at

    def is_live(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and not self.is_expired(now)

    def status(self, now: datetime | None = None) -> str:
        """``"revoked"`` (whatever its expiry), ``"expired"`` or ``"live"``.

        :meth:`TokenQuerySet.revoked`, :meth:`~TokenQuerySet.expired` and
        :meth:`~TokenQuerySet.live` select the same three.
        """
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.is_expired(now) else "live"
