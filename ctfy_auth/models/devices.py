"""Device authorization requests (RFC 8628): a CLI asks, a person approves in a browser."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctfy_auth.models._ids import new_id

__all__ = ["DeviceRequest", "DeviceStatus"]


class DeviceStatus(models.TextChoices):
    """Stored states. ``expired`` is also *derived* for a pending row past ``expires_at``."""

    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    #: The approved request's token was handed to the device; any later poll answers ``expired``.
    CONSUMED = "consumed", _("Consumed")
    #: Written when a pending row past its expiry is found, to free its user code.
    EXPIRED = "expired", _("Expired")


class DeviceRequest(models.Model):
    """One device-authorization request.

    The device code is a bearer secret for the polling client, so only its
    SHA-256 ``device_code_digest`` is stored. The ``user_code`` is what a person
    types: 8 characters of :data:`ctfy_auth.crypto.USER_CODE_ALPHABET`, stored
    without the hyphen, unique among pending requests (a partial unique
    constraint; expired pending rows are marked ``expired`` before a new code is
    drawn, so a code is never live twice).
    """

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    device_code_digest = models.CharField(
        _("device code digest"), max_length=64, unique=True, editable=False
    )
    user_code = models.CharField(_("user code"), max_length=8, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.PENDING
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    consumed_at = models.DateTimeField(_("consumed at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ctfy_device_requests",
        verbose_name=_("decided by"),
        help_text=_("The person who approved or denied the request."),
    )
    token = models.ForeignKey(
        "ctfy_auth.Token",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minted token"),
    )
    requester_ip = models.CharField(_("requester IP"), max_length=45, blank=True)
    requester_user_agent = models.CharField(_("requester user agent"), max_length=512, blank=True)

    class Meta:
        verbose_name = _("device request")
        verbose_name_plural = _("device requests")
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user_code"],
                condition=models.Q(status="pending"),
                name="ctfy_auth_device_user_code_pending_uniq",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["expires_at"], name="ctfy_auth_device_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.display_user_code} ({self.status})"

    @property
    def display_user_code(self) -> str:
        """The user code as people read it: ``XXXX-XXXX``."""
        return f"{self.user_code[:4]}-{self.user_code[4:]}"

    def is_expired(self, now: datetime | None = None) -> bool:
        """Past its expiry (the boundary instant counts as expired, as for tokens)."""
        return (now or timezone.now()) >= self.expires_at

    def public_status(self, now: datetime | None = None) -> str:
        """The status the wire shows: pending requests past expiry read ``expired``."""
        if self.status == DeviceStatus.PENDING and self.is_expired(now):
            return DeviceStatus.EXPIRED
        return str(self.status)
