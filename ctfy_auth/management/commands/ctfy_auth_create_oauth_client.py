"""``manage.py ctfy_auth_create_oauth_client``: register an OAuth client with its policy.

Prints ``{"client_id": ..., "client_secret": ...}`` as one line of JSON on stdout (the secret
is shown this once and stored only as a hash; ``null`` for a public client); every human
message goes to stderr.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ctfy_auth.models import OAuthGrantType
from ctfy_auth.services.oauth_clients import ClientSpec, create_client

#: ``--grant`` words and the grant types they name.
_GRANTS = {
    "authorization_code": OAuthGrantType.AUTHORIZATION_CODE,
    "client_credentials": OAuthGrantType.CLIENT_CREDENTIALS,
    "password": OAuthGrantType.PASSWORD,
    "device_code": OAuthGrantType.DEVICE_CODE,
}


class Command(BaseCommand):
    help = (
        "Register an OAuth client and print its credentials as JSON on stdout: "
        '{"client_id": ..., "client_secret": ...} (the secret is shown once; null for --public).'
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--name", required=True, help="What people and admins call it.")
        parser.add_argument(
            "--redirect-uri",
            action="append",
            default=[],
            metavar="URI",
            help="An exact redirect URI (authorization code grant); repeat for more.",
        )
        parser.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            default=[],
            metavar="URI",
            help="Where RP-initiated logout may send the browser back to; repeat for more.",
        )
        parser.add_argument(
            "--grant",
            action="append",
            choices=sorted(_GRANTS),
            required=True,
            help="A grant type the client may use; repeat for more. Served today: "
            "client_credentials, authorization_code (code exchange); refresh_token follows "
            "from authorization_code.",
        )
        parser.add_argument(
            "--public",
            action="store_true",
            help="A public client (no secret, e.g. a native app); PKCE protects its codes.",
        )
        parser.add_argument(
            "--scopes",
            default="",
            metavar="'SCOPE SCOPE ...'",
            help="Space-separated scopes the client may be given (e.g. "
            "'challenges:read openid'); requests are clamped to them.",
        )
        parser.add_argument(
            "--skip-consent",
            action="store_true",
            help="Do not ask people to approve this client (first-party clients only).",
        )
        parser.add_argument(
            "--introspection",
            action="store_true",
            help="Let this client call the token introspection endpoint.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        spec = ClientSpec(
            name=options["name"],
            grant_types=[_GRANTS[g].value for g in options["grant"]],
            scopes=options["scopes"].split(),
            redirect_uris=options["redirect_uri"],
            post_logout_redirect_uris=options["post_logout_redirect_uri"],
            public=options["public"],
            skip_consent=options["skip_consent"],
            may_introspect=options["introspection"],
        )
        try:
            application, secret = create_client(spec)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(f"Registered OAuth client {application.name!r}.")
        self.stdout.write(json.dumps({"client_id": application.client_id, "client_secret": secret}))
