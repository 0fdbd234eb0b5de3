"""``manage.py ctfy_auth_create_token <email>``: mint a token for a user, as an operator.

The plaintext is the only thing written to stdout (so ``TOKEN=$(manage.py ...)``
works) and is never logged; every human message goes to stderr.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ctfy_auth import scopes
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.conf import app_settings
from ctfy_auth.exceptions import CtfyError
from ctfy_auth.models import ResourceAccess
from ctfy_auth.models.users import normalize_email
from ctfy_auth.services import api_tokens, sessions

#: Longest label an API token may carry (the model's ``max_length``).
_LABEL_MAX = 64


def _error_text(exc: CtfyError) -> str:
    if isinstance(exc.payload, dict):
        context = ", ".join(f"{k}={v}" for k, v in exc.payload.items() if k != "message")
        return f"{exc.payload.get('message', '')} ({context})" if context else str(exc)
    return str(exc.payload)


class Command(BaseCommand):
    help = (
        "Mint a token for the user with EMAIL and print its plaintext once, alone on stdout. "
        "By default a fine-grained API token (pf_): --template or --scope set its authority; "
        "with neither it gets the server's default profile (BROAD_TOKEN_TEMPLATE), as "
        "POST /auth/tokens does. --session mints a full-account session (pt_) instead. "
        "This is an operator command: the per-user token cap and the re-authentication "
        "window do not apply."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email", help="The owner's email address.")
        parser.add_argument("--label", default="", help="API token label (up to 64 characters).")
        authority = parser.add_mutually_exclusive_group()
        authority.add_argument("--template", help="A token template name, e.g. read_only.")
        authority.add_argument(
            "--scope",
            action="append",
            metavar="CATEGORY:LEVEL",
            help="Grant one category a level (none|read|write); repeat for more.",
        )
        parser.add_argument(
            "--resource-access",
            choices=ResourceAccess.values,
            help="Which resources resource-scoped categories reach (default: the template's, "
            "or none).",
        )
        parser.add_argument(
            "--resource-id",
            action="append",
            metavar="ID",
            help="A resource the token may reach with --resource-access selected; repeatable.",
        )
        parser.add_argument(
            "--expires-in-days",
            type=int,
            metavar="N",
            help="Lifetime in days; 0 never expires (default: the template's, or the server's).",
        )
        parser.add_argument(
            "--session",
            action="store_true",
            help="Mint a full-account session token (pt_) instead of an API token.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["email"])
        if options["session"]:
            api_only = ("template", "scope", "resource_access", "resource_id", "expires_in_days")
            given = [f"--{o.replace('_', '-')}" for o in api_only if options[o] is not None]
            if options["label"]:
                given.append("--label")
            if given:
                raise CommandError(f"{', '.join(given)} cannot be used with --session.")
            token, plaintext = sessions.mint_session(user, ClientInfo())
            self.stderr.write(f"Minted session token {token.id} for {user.email}.")
        else:
            token, plaintext = self._mint_api_token(user, options)
            granted = ", ".join(f"{k}:{v}" for k, v in token.permissions.items() if v != "none")
            self.stderr.write(
                f"Minted API token {token.id} for {user.email}: {granted or 'no permissions'}; "
                f"resources {token.resource_access}; "
                f"expires {token.expires_at.isoformat() if token.expires_at else 'never'}."
            )
        self.stdout.write(plaintext)

    def _user(self, email: str) -> Any:
        user = get_user_model()._default_manager.filter(email=normalize_email(email)).first()
        if user is None:
            raise CommandError(f"No user with the email address {email!r}.")
        if not user.is_active:
            raise CommandError(f"The account {email!r} is disabled; its tokens would be refused.")
        return user

    def _permissions(self, pairs: list[str] | None) -> dict[str, str] | None:
        if pairs is None:
            return None
        keys, permissions = scopes.catalog_keys(), {}
        for pair in pairs:
            category, _sep, level = pair.partition(":")
            if category not in keys:
                raise CommandError(
                    f"Unknown scope category {category!r}; known: {', '.join(keys) or 'none'}."
                )
            if level not in scopes.LEVELS:
                raise CommandError(
                    f"Unknown level {level!r} in {pair!r}; use {'|'.join(scopes.LEVELS)}."
                )
            permissions[category] = level
        return permissions

    def _mint_api_token(self, user: Any, options: dict[str, Any]) -> tuple[Any, str]:
        label = options["label"]
        if len(label) > _LABEL_MAX:
            raise CommandError(f"--label is longer than {_LABEL_MAX} characters.")
        template = options["template"]
        tpl = scopes.template(template) if template is not None else None
        if template is not None and tpl is None:
            names = ", ".join(scopes.template_names()) or "none configured"
            raise CommandError(f"Unknown template {template!r}; known: {names}.")
        days = options["expires_in_days"]
        if days is not None and not 0 <= days <= app_settings.API_TOKEN_MAX_LIFETIME_DAYS:
            raise CommandError(
                f"--expires-in-days must be 0..{app_settings.API_TOKEN_MAX_LIFETIME_DAYS}."
            )
        default_days = (
            tpl["expires_in_days"] if tpl else app_settings.API_TOKEN_DEFAULT_LIFETIME_DAYS
        )
        if options["resource_id"] and options["resource_access"] != "selected":
            raise CommandError("--resource-id needs --resource-access selected.")
        try:
            authority = api_tokens.validate_authority(
                api_tokens.resolve_authority(
                    template=template,
                    resource_access=options["resource_access"],
                    resource_ids=options["resource_id"],
                    permissions=self._permissions(options["scope"]),
                )
            )
        except CtfyError as exc:
            raise CommandError(_error_text(exc)) from None
        with transaction.atomic():
            return api_tokens.create_api_token(
                user,
                label=label,
                authority=authority,
                expires_at=api_tokens.expiry_from(
                    days, default_days=default_days, now=timezone.now()
                ),
            )
