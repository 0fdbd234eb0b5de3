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

        log_redaction.install()
        self._connect_credential_cache()

    def _connect_credential_cache(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

        from ctfy_auth import credential_cache
        from ctfy_auth.models import Token

        uid = "ctfy_auth.credential_cache."
        post_save.connect(credential_cache.token_saved, sender=Token, dispatch_uid=uid + "ts")
        post_delete.connect(credential_cache.token_deleted, sender=Token, dispatch_uid=uid + "td")
        post_save.connect(
            credential_cache.user_saved, sender=get_user_model(), dispatch_uid=uid + "us"
        )
        # The first tombstones go before the write, which they refuse when Redis is unreachable.
        pre_save.connect(credential_cache.token_saving, sender=Token, dispatch_uid=uid + "tps")
        pre_delete.connect(credential_cache.token_deleting, sender=Token, dispatch_uid=uid + "tpd")
        pre_save.connect(
            credential_cache.user_saving, sender=get_user_model(), dispatch_uid=uid + "ups"
        )
