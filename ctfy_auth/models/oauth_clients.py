"""ctfy_auth's policy for an OAuth client: a side table of django-oauth-toolkit's ``Application``.

DOT's stock models stay as they are (hosts already have their tables). What DOT's
``Application`` cannot say lives here, one row per client: the grant types it may use
(several; DOT's ``authorization_grant_type`` holds one), the scopes it may be given, and
whether it may call the introspection endpoint. A client without a policy row may do
nothing: no grant, no scope, no introspection (fail closed, e.g. for a client created in
DOT's own admin).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

__all__ = ["OAuthClientPolicy", "OAuthGrantType"]


class OAuthGrantType(models.TextChoices):
    """Grant types a client may be allowed, by their RFC 6749 / RFC 8628 names."""

    AUTHORIZATION_CODE = "authorization_code", _("Authorization code (with PKCE)")
    CLIENT_CREDENTIALS = "client_credentials", _("Client credentials")
    PASSWORD = "password", _("Resource owner password")
    DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code", _("Device code")


#: Grants that issue refresh tokens for a person; a client with one may use ``refresh_token``.
REFRESHING_GRANTS = frozenset(
    {OAuthGrantType.AUTHORIZATION_CODE, OAuthGrantType.PASSWORD, OAuthGrantType.DEVICE_CODE}
)


class OAuthClientPolicy(models.Model):
    """What one OAuth client may do. Written by ``ctfy_auth.services.oauth_clients``."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="ctfy_policy",
        verbose_name=_("application"),
    )
    grant_types = models.JSONField(_("grant types"), default=list, blank=True)
    scopes = models.JSONField(_("allowed scopes"), default=list, blank=True)
    may_introspect = models.BooleanField(
        _("may introspect"),
        default=False,
        help_text=_("Whether this client may call the token introspection endpoint."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    REFRESHING_GRANTS: ClassVar[frozenset[str]] = REFRESHING_GRANTS

    class Meta:
        verbose_name = _("OAuth client policy")
        verbose_name_plural = _("OAuth client policies")

    def __str__(self) -> str:
        return f"policy of OAuth client #{self.application_id}"

    def allows_grant(self, grant_type: str) -> bool:
        """Whether the client may use ``grant_type`` at the token endpoint."""
        allowed = set(self.grant_types or ())
        if grant_type == "refresh_token":
            return bool(allowed & self.REFRESHING_GRANTS)
        return grant_type in allowed
