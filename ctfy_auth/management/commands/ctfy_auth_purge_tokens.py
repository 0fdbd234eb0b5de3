"""``manage.py ctfy_auth_purge_tokens``: delete tokens dead for longer than the retention.

Run it from cron. Live tokens are never touched; revoked tokens are kept for
the retention period after their revocation, so a leaked secret stays traceable.
Device-authorization requests that expired before the same cutoff go too, and
every expired sign-in/link flow (they hold nothing worth keeping once expired).
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ctfy_auth.conf import app_settings
from ctfy_auth.models import OAuthFlow
from ctfy_auth.services import admin, devices, provider_sign_in


class Command(BaseCommand):
    help = (
        "Delete tokens revoked, or expired, more than --retention-days ago "
        "(default: CTFY_AUTH['TOKEN_RETENTION_DAYS']), in batches, and device requests "
        "expired as long ago, and expired sign-in/link flows. Live tokens are never deleted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--retention-days",
            type=int,
            metavar="N",
            help="Keep dead tokens this many days (default: TOKEN_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            metavar="N",
            help="Rows deleted per transaction (default: 1000).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["retention_days"]
        if days is None:
            days = app_settings.TOKEN_RETENTION_DAYS
        if days < 0:
            raise CommandError("--retention-days must be 0 or more.")
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        cutoff = timezone.now() - timedelta(days=days)
        if options["dry_run"]:
            count = admin.purgeable_tokens(cutoff).count()
            self.stdout.write(f"Would delete {count} token(s) dead since before {cutoff:%Y-%m-%d}.")
            count = devices.purgeable(cutoff).count()
            self.stdout.write(f"Would delete {count} device request(s) expired before then.")
            count = OAuthFlow.objects.filter(expires_at__lt=timezone.now()).count()
            self.stdout.write(f"Would delete {count} expired sign-in/link flow(s).")
            return
        count = admin.purge_tokens(cutoff, batch_size=batch_size)
        self.stdout.write(f"Deleted {count} token(s) dead since before {cutoff:%Y-%m-%d}.")
        count = devices.purge_expired(cutoff, batch_size=batch_size)
        self.stdout.write(f"Deleted {count} device request(s) expired before then.")
        count = provider_sign_in.purge_expired_flows(timezone.now())
        self.stdout.write(f"Deleted {count} expired sign-in/link flow(s).")
