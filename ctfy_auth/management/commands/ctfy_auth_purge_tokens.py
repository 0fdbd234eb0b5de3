"""``manage.py ctfy_auth_purge_tokens``: delete tokens dead for longer than the retention.

Run it from cron. Live tokens are never touched; revoked tokens are kept for
the retention period after their revocation, so a leaked secret stays traceable.
Device-authorization requests that expired before the same cutoff go too, and
every expired sign-in/link flow (they hold nothing worth keeping once expired).
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet
from django.utils import timezone

from ctfy_auth.conf import app_settings
from ctfy_auth.services import purge


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
            default=purge.DEFAULT_BATCH_SIZE,
            metavar="N",
            help=f"Rows deleted per transaction (default: {purge.DEFAULT_BATCH_SIZE}).",
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
        now = timezone.now()
        cutoff = now - timedelta(days=days)
        kinds: list[tuple[str, Callable[[], QuerySet[Any]]]] = [
            (f"token(s) dead since before {cutoff:%Y-%m-%d}", lambda: purge.dead_tokens(cutoff)),
            (
                "device request(s) expired before then",
                lambda: purge.expired_device_requests(cutoff),
            ),
            ("expired sign-in/link flow(s)", lambda: purge.expired_flows(now)),
        ]
        for what, rows in kinds:
            if options["dry_run"]:
                self.stdout.write(f"Would delete {rows().count()} {what}.")
            else:
                self.stdout.write(f"Deleted {purge.purge(rows, batch_size=batch_size)} {what}.")
