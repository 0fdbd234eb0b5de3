"""Closed vocabularies shared by every layer."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "FULL_ACCOUNT_KINDS",
    "PASSWORD_PROVIDER",
    "RESOLUTION_ATTR",
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
    """What a ``Token`` row is; the value is the wire ``kind``."""

    SESSION = "user", _("Session")
    API = "fine_grained", _("Fine-grained API token")


class CredentialKind(models.TextChoices):
    """What authenticated a request (see :class:`ctfy_auth.principal.Principal`)."""

    SESSION = "session", _("Session token")
    API_TOKEN = "api_token", _("API token")
    OAUTH = "oauth", _("OAuth access token")


#: Credential kinds that carry the whole account. A positive set: a kind that
#: is added later is *not* in it, so it fails closed everywhere.
FULL_ACCOUNT_KINDS = frozenset({CredentialKind.SESSION})

#: Provider name under which the password appears in the identities list.
PASSWORD_PROVIDER = "password"

#: Where a request keeps its resolved bearer credential, ``(principal | None, error | None)``.
RESOLUTION_ATTR = "_ctfy_auth_resolution"
