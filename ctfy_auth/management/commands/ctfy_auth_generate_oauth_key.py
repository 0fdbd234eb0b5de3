"""``manage.py ctfy_auth_generate_oauth_key``: print a new RS256 signing key (PEM) on stdout.

Give it to ``OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]`` (e.g. from a secrets file); to rotate,
move the old key to ``OIDC_RSA_PRIVATE_KEYS_INACTIVE`` so it stays published at
``{issuer}/jwks`` until the tokens it signed have expired.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ctfy_auth.oauth.keys import MIN_RSA_BITS, generate_pem


class Command(BaseCommand):
    help = "Generate an RSA private key for the OAuth server's RS256 signatures; PEM on stdout."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--bits",
            type=int,
            default=3072,
            help=f"RSA modulus size (default 3072; at least {MIN_RSA_BITS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bits = options["bits"]
        if bits < MIN_RSA_BITS:
            raise CommandError(f"--bits must be at least {MIN_RSA_BITS}.")
        self.stdout.write(generate_pem(bits), ending="")
