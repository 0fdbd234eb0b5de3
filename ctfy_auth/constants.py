"""Closed vocabularies shared by every layer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ADMIN_ROLES",
    "CLIENT_KINDS",
    "FULL_ACCOUNT_KINDS",
    "PASSWORD_PROVIDER",
    "CredentialKind",
    "Role",
    "TokenKind",
]


class Role(models.TextChoices):
    USER = "user", _("User")
    ADMIN = "admin", _("Admin")
    SUPER_ADMIN = "super_admin", _("Super admin")


#: Roles that may use Django admin and the admin API.
ADMIN_ROLES = frozenset({Role.ADMIN, Role.SUPER_ADMIN})


class TokenKind(models.TextChoices):
    """What a ``Token`` row is. The value is stored and is the wire ``kind`` (ctfy's words).

    ``SESSION`` is a session token (``pt_``), ``API_TOKEN`` a fine-grained API token
    (``pf_``); see ``docs/glossary.md``.
    """

    SESSION = "user", _("Session")
    API_TOKEN = "fine_grained", _("Fine-grained API token")


class CredentialKind(models.TextChoices):
    """What authenticated a request (see :class:`ctfy_auth.principal.Principal`).

    Wider than :class:`TokenKind`: an OAuth access token is a credential but no ``Token``
    row. Never stored, never on the wire.
    """

    SESSION = "session", _("Session token")
    API_TOKEN = "api_token", _("API token")
    OAUTH = "oauth", _("OAuth access token")
    OAUTH_CLIENT = "oauth_client", _("OAuth client token")


#: Credential kinds that carry the whole account. A positive set: a kind that
#: is added later is *not* in it, so it fails closed everywhere.
FULL_ACCOUNT_KINDS = frozenset({CredentialKind.SESSION})

#: Credential kinds held by an OAuth client acting for itself (the client-credentials grant),
#: with no person behind them. A positive set too: only views that say they serve clients
#: (``serves_oauth_clients = True``, ``require_scope(..., clients=True)``) admit them.
CLIENT_KINDS = frozenset({CredentialKind.OAUTH_CLIENT})

#: Provider name under which the password appears in the identities list.
PASSWORD_PROVIDER = "password"
