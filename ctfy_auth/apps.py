from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CtfyAuthConfig(AppConfig):
    name = "ctfy_auth"
    label = "ctfy_auth"
    verbose_name = _("ctfy auth")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ctfy_auth import (
            checks,  # noqa: F401  (registers the system checks)
            log_redaction,
        )
        from ctfy_auth.credentials import cache as credential_cache

        log_redaction.install()
        # The models announce their writes by signals (models/ imports nothing above it);
        # the credential cache listens, to invalidate what they change.
        credential_cache.connect()
