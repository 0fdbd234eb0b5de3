"""One sign-in or link at an external provider, from the redirect out to the callback back."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["OAuthFlow", "OAuthFlowKind"]


def new_flow_id() -> str:
    """256 random bits: a flow id is the authority a callback redeems."""
    return secrets.token_urlsafe(32)


class OAuthFlowKind(models.TextChoices):
    LOGIN = "login", _("Sign-in")
    LINK = "link", _("Link")


class OAuthFlow(models.Model):
    """Server-side half of an authorization-code flow; the signed ``state`` names its id.

    It keeps what must not travel through the browser: the PKCE ``code_verifier``,
    the OIDC ``nonce``, the exact ``redirect_uri``, where to land afterwards and,
    for a link (the wire's *link grant*), the account and the session that asked.
    Every flow, sign-in or link, is also bound to the browser that started it (a
    cookie whose SHA-256 is ``browser_key_digest``), so a callback URL cannot sign
    someone else's browser in, nor attach someone else's provider account to the
    account that started a link. The callback redeems a flow once, by
    compare-and-set on ``consumed_at``.
    """

    id = models.CharField(primary_key=True, max_length=64, default=new_flow_id, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=OAuthFlowKind.choices)
    provider = models.CharField(_("provider"), max_length=32)
    redirect_uri = models.CharField(_("redirect URI"), max_length=2048)
    redirect_to = models.CharField(_("landing path"), max_length=2048, default="/")
    code_verifier = models.CharField(_("PKCE code verifier"), max_length=128)
    nonce = models.CharField(_("OIDC nonce"), max_length=64)
    browser_key_digest = models.CharField(_("browser key digest"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ctfy_oauth_flows",
        verbose_name=_("linking user"),
    )
    token = models.ForeignKey(
        "ctfy_auth.Token",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="oauth_flows",
        verbose_name=_("linking session"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    consumed_at = models.DateTimeField(_("consumed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("OAuth flow")
        verbose_name_plural = _("OAuth flows")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["expires_at"], name="ctfy_auth_oauthflow_expires"),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(kind="login", user__isnull=True, token__isnull=True)
                | models.Q(kind="link", user__isnull=False, token__isnull=False),
                name="ctfy_auth_oauthflow_link_has_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} via {self.provider}"
