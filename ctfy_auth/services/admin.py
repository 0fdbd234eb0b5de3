"""Operator actions: the admin API, Django admin actions and management commands call these.

Role checks (admin / super-admin) belong to the caller (the API's permission
classes); these functions enforce the rules that hold whoever calls them.

``actor`` is the acting credential (a :class:`~ctfy_auth.principal.Principal`, from the
REST admin API), whose sudo window must be open for a change, or the acting user when the
caller has checked its own proof (Django admin requires a recent sign-in of its session,
see :mod:`ctfy_auth.admin`; management commands run as the operator of the host).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from ctfy_auth import crypto, signals
from ctfy_auth.constants import Role
from ctfy_auth.exceptions import (
    CannotChangeOwnRole,
    SuperAdminRoleLocked,
    TokenNotFound,
    UserNotFound,
)
from ctfy_auth.models import Identity, Token, looks_like_id
from ctfy_auth.models.users import normalize_email
from ctfy_auth.principal import Principal
from ctfy_auth.services._common import require_sudo, send_on_commit
from ctfy_auth.services.identities import delete_identity

__all__ = [
    "ASSIGNABLE_ROLES",
    "USER_SORTS",
    "AdminRevocation",
    "TokenTrace",
    "admin_revoke_token",
    "admin_users",
    "change_role",
    "delete_identities",
    "get_user",
    "revoke_tokens",
    "search_users",
    "trace_token",
]


def _operator(actor: Any) -> Any:
    """The acting user; a credential must have its sudo window open (409 otherwise)."""
    if isinstance(actor, Principal):
        require_sudo(actor)
        return actor.user
    return actor


# --- users ------------------------------------------------------------------------------

#: Roles ``PATCH /admin/users/{id}/role`` may set; super-admin comes from bootstrap or config.
ASSIGNABLE_ROLES: tuple[str, ...] = (Role.ADMIN, Role.USER)

#: ``sort`` query values → the ordering key; anything else sorts by last activity.
USER_SORTS: dict[str, Any] = {
    "name": Lower("display_name"),
    "email": F("email"),
    "created": F("created_at"),
    "last_active": F("last_login"),
}


def admin_users() -> QuerySet[Any]:
    """Every user, with the providers of their identities prefetched (one query per page)."""
    providers = Identity.objects.only("id", "user_id", "provider")
    users = get_user_model().objects
    return users.prefetch_related(Prefetch("identities", queryset=providers))  # type: ignore[misc]


def search_users(
    *, q: str = "", role: str = "", sort: str = "last_active", descending: bool = True
) -> QuerySet[Any]:
    """The admin user list: substring search over name/email/id, a role filter, a stable order.

    Missing values (no email, never signed in) sort last in both directions, on
    every database.
    """
    users = admin_users()
    if q:
        users = users.filter(
            Q(display_name__icontains=q)
            | Q(email__icontains=normalize_email(q))  # a look-alike spelling finds the address
            | Q(id__icontains=q)
        )
    if role:
        users = users.filter(role=role)
    key = USER_SORTS.get(sort, USER_SORTS["last_active"])
    first = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
    return users.order_by(first, "id")


def get_user(user_id: str) -> Any:
    """One user for the admin view; 404 ``user_not_found`` (without a query for a malformed id)."""
    user = admin_users().filter(pk=user_id).first() if looks_like_id(user_id) else None
    if user is None:
        raise UserNotFound()
    return user


def change_role(actor: Any, user_id: str, role: str) -> Any:
    """Set ``role`` (``admin`` or ``user``) on another person; returns the target.

    Refusals, in order: a credential whose sudo window is closed (409), unknown
    target (404), the actor themself (400), a super-admin target (403). The same
    role is a no-op. The target's row is
    locked so two concurrent changes serialise and the checks see the role that
    is written over.
    """
    if role not in ASSIGNABLE_ROLES:  # serializers refuse first; never assign super_admin here
        raise ValueError(f"unassignable role {role!r}")
    actor = _operator(actor)
    if not looks_like_id(user_id):
        raise UserNotFound()
    with transaction.atomic():
        target = get_user_model().objects.select_for_update().filter(pk=user_id).first()
        if target is None:
            raise UserNotFound()
        if target.pk == actor.pk:
            raise CannotChangeOwnRole()
        if target.role == Role.SUPER_ADMIN:
            raise SuperAdminRoleLocked()
        if target.role != role:
            target.role = role
            target.save(update_fields=["role", "updated_at"])
    return get_user(target.pk)


# --- tokens -----------------------------------------------------------------------------

#: A guard against a corrupted (cyclic or absurdly long) rotation lineage.
_MAX_CHAIN = 1000


@dataclass(frozen=True, slots=True)
class TokenTrace:
    """Who a leaked secret belongs to, and its rotation lineage (oldest first, revoked kept)."""

    token: Token
    owner: Any
    chain: list[Token]


def _lineage(token: Token) -> list[Token]:
    """Back through ``rotated_from`` to the root, then forward through ``rotated_to``.

    Rotations are linear (a rotated token is revoked, and a revoked token cannot
    be rotated again), so each step has at most one successor.
    """
    chain, seen = [token], {token.pk}
    current = token
    while current.rotated_from_id and current.rotated_from_id not in seen:
        parent = Token.objects.filter(pk=current.rotated_from_id).first()
        if parent is None or len(chain) >= _MAX_CHAIN:
            break
        chain.insert(0, parent)
        seen.add(parent.pk)
        current = parent
    current = token
    while len(chain) < _MAX_CHAIN:
        child = (
            Token.objects.filter(rotated_from=current)
            .exclude(pk__in=seen)
            .order_by("created_at", "id")
            .first()
        )
        if child is None:
            break
        chain.append(child)
        seen.add(child.pk)
        current = child
    return chain


def trace_token(secret: str) -> TokenTrace | None:
    """Find the token a plaintext secret belongs to; ``None`` when it is not one of ours.

    A string that cannot be a token of ours is refused without a query.
    """
    if crypto.parse_kind(secret) not in crypto.PREFIXES.values():
        return None  # not ours, or an OAuth token (no Token row)
    token = Token.objects.select_related("user").filter(digest=crypto.digest(secret)).first()
    if token is None:
        return None
    return TokenTrace(token=token, owner=token.user, chain=_lineage(token))


@dataclass(frozen=True, slots=True)
class AdminRevocation:
    token: Token
    already_revoked: bool


def admin_revoke_token(actor: Any, token_id: str) -> AdminRevocation:
    """Revoke any user's token. Idempotent: a revoked row keeps its original timestamp.

    The row is locked, so of two concurrent revocations exactly one stamps it
    and sends ``token_revoked``. A credential needs its sudo window open (409).
    """
    actor = _operator(actor)
    if not looks_like_id(token_id):
        raise TokenNotFound()
    with transaction.atomic():
        token = (
            Token.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=token_id)
            .first()
        )
        if token is None:
            raise TokenNotFound()
        if token.revoked_at is not None:
            return AdminRevocation(token=token, already_revoked=True)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        send_on_commit(
            signals.token_revoked, Token, token_ids=[token.id], user=token.user, by=actor
        )
    return AdminRevocation(token=token, already_revoked=False)


def revoke_tokens(token_ids: Iterable[str], *, by: Any) -> int:
    """Revoke the given tokens that are not revoked yet, in one transaction; returns how many.

    ``token_revoked`` is sent once per owner, after commit. ``by`` is the actor (see
    the module docstring): a credential needs its sudo window open (409).
    """
    by = _operator(by)
    ids = [i for i in dict.fromkeys(str(i) for i in token_ids) if looks_like_id(i)]
    if not ids:
        return 0
    with transaction.atomic():
        rows = list(
            Token.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk__in=ids, revoked_at__isnull=True)
            .order_by("pk")
        )
        if not rows:
            return 0
        Token.objects.filter(pk__in=[t.pk for t in rows]).update(revoked_at=timezone.now())
        by_owner: dict[Any, list[Token]] = defaultdict(list)
        for token in rows:
            by_owner[token.user_id].append(token)
        for owned in by_owner.values():
            send_on_commit(
                signals.token_revoked,
                Token,
                token_ids=[t.id for t in owned],
                user=owned[0].user,
                by=by,
            )
    return len(rows)


def delete_identities(identities: Iterable[Identity]) -> int:
    """Unlink sign-in identities as an operator (Django admin); returns how many went.

    Unlike the self-service unlink this does not protect the last way in: an
    operator may mean to lock someone out. ``identity_unlinked`` is sent for each.
    """
    deleted = 0
    with transaction.atomic():
        for identity in Identity.objects.select_related("user").filter(
            pk__in=[i.pk for i in identities]
        ):
            delete_identity(identity)
            deleted += 1
    return deleted
