"""The Principal: what any credential on a request resolves to, in exactly one place.

Every permission check in ctfy_auth (DRF permission classes, the view
decorator, the admin endpoints) asks :meth:`Principal.allows`. Effective
permission is what the owner may do intersected with the credential's
*permissions* (its category -> level map; the words are in ``docs/glossary.md``).
A view reads the request's Principal with :func:`ctfy_auth.get_principal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from ctfy_auth.constants import CLIENT_KINDS, FULL_ACCOUNT_KINDS, CredentialKind
from ctfy_auth.scopes import LEVEL_RANKS, resource_scoped_keys

if TYPE_CHECKING:
    from ctfy_auth.models import Token

__all__ = ["Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated credential and the authority it carries.

    ``permissions`` is the credential's category -> level map (an API token's
    clamped ``Token.permissions``; ignored for full-account kinds, whose owner's
    role decides); ``resource_access`` and ``resource_ids`` are its resource
    selection.

    ``client_id`` names the OAuth client an OAuth access token was issued to (``None`` for
    session and API tokens). A client-credentials token (:attr:`acts_as_client`) has no person
    behind it: its ``user`` is an ``AnonymousUser``, and only views that serve OAuth clients
    admit it (``docs/oauth.md``, "What a client token reaches").
    """

    user: Any
    credential_kind: CredentialKind
    token: Token | None = None
    permissions: Mapping[str, str] = field(default_factory=dict)
    resource_access: str = "none"
    resource_ids: frozenset[str] = frozenset()
    reauthenticated_at: datetime | None = None
    client_id: str | None = None

    @property
    def token_id(self) -> str | None:
        return self.token.id if self.token is not None else None

    @property
    def is_full_account(self) -> bool:
        """True for credentials that carry the whole account (sessions); a positive test."""
        return self.credential_kind in FULL_ACCOUNT_KINDS

    @property
    def acts_as_client(self) -> bool:
        """True for an OAuth client acting for itself (client credentials); a positive test."""
        return self.credential_kind in CLIENT_KINDS

    @property
    def holder_is_active(self) -> bool:
        """Whether whoever holds the credential may act: the person's ``is_active``.

        A client token has no person; its client is live while the token resolves (deleting
        the client deletes its tokens).
        """
        if self.acts_as_client:
            return True
        return bool(self.user.is_active)

    def allows(self, category: str, level: str, resource_id: str | None = None) -> bool:
        """May this credential act on ``category`` at ``level`` (for ``resource_id``)?"""
        if not self.holder_is_active:
            return False
        if self.is_full_account:
            return True
        if LEVEL_RANKS.get(self.permissions.get(category, "none"), 0) < LEVEL_RANKS[level]:
            return False
        return self.resource_allowed(category, resource_id)

    def resource_allowed(self, category: str, resource_id: str | None) -> bool:
        """The resource gate for resource-scoped categories (``all`` / ``selected`` / ``none``)."""
        if self.is_full_account:
            return True
        if category not in resource_scoped_keys():
            return True
        if self.resource_access == "all":
            return True
        if self.resource_access == "selected":
            return bool(resource_id) and resource_id in self.resource_ids
        return False

    def reauthenticated_within(self, seconds: int, now: datetime | None = None) -> bool:
        """Is the sudo window open? A missing stamp is "never"; a future stamp counts as closed."""
        if self.reauthenticated_at is None:
            return False
        age = (now or timezone.now()) - self.reauthenticated_at
        return timedelta(0) <= age <= timedelta(seconds=seconds)
