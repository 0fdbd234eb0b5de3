"""Fine-grained API tokens (``pf_``): mint, update, renew, rotate (ctfy wire §3.2-§3.4)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ctfy_auth import crypto, scopes, signals
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import TokenKind
from ctfy_auth.exceptions import (
    InvalidResourceAccess,
    ResourceScopeRequired,
    TokenExpired,
    TokenLimitReached,
    TokenNotAnApiToken,
    TokenNotFound,
    TokenRevoked,
    UnknownResourceId,
)
from ctfy_auth.models import ResourceAccess, Token, looks_like_id
from ctfy_auth.principal import Principal
from ctfy_auth.services._common import require_sudo, send_on_commit
from ctfy_auth.services.identities import lock_user

__all__ = [
    "Authority",
    "create_api_token",
    "expiry_from",
    "mint_api_token",
    "renew_api_token",
    "resolve_authority",
    "rotate_api_token",
    "update_api_token",
    "validate_authority",
]

#: Fields of PATCH /auth/tokens/{id}; a field counts only when present and not null.
PATCH_FIELDS = ("label", "template", "resource_access", "resource_ids", "permissions")


@dataclass(frozen=True, slots=True)
class Authority:
    """What an API token may do: its resource selection and its dense permissions.

    ``resource_access`` is ``none``/``all``/``selected``, ``resource_ids`` the
    selected ids, ``permissions`` the category -> level map (docs/glossary.md).
    """

    resource_access: str
    resource_ids: tuple[str, ...]
    permissions: dict[str, str]

    @classmethod
    def of(cls, token: Token) -> Authority:
        return cls(
            token.resource_access,
            tuple(str(i) for i in token.resource_ids or ()),
            scopes.dense(token.permissions),
        )


def _dedupe(ids: Iterable[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(i) for i in ids))


def expiry_from(
    expires_in_days: int | None, *, default_days: int, now: datetime
) -> datetime | None:
    """``None`` → the default; ``0`` → never; ``N`` → now + N days (never added to what is left)."""
    days = default_days if expires_in_days is None else expires_in_days
    return None if days == 0 else now + timedelta(days=days)


def resolve_authority(
    *,
    template: str | None,
    resource_access: str | None,
    resource_ids: Iterable[Any] | None,
    permissions: Mapping[str, Any] | None,
) -> Authority:
    """The mint's three arms: a template as a starting point, the broad default, or explicit."""
    ids = _dedupe(resource_ids or ())
    if template is not None:
        tpl = scopes.template(template)
        if tpl is None:  # serializers refuse unknown names first; never default to broad
            raise ValueError(f"unknown template {template!r}")
        perms = tpl["permissions"] if permissions is None else scopes.clamp(permissions)
        return Authority(resource_access or tpl["resource_access"], ids, perms)
    if resource_access is None and permissions is None and not ids:
        # Names no authority at all (an old client's ``mint_token(label)``). Naming only ids is
        # a scoped request and takes the explicit arm, never the broad profile.
        broad = app_settings.BROAD_TOKEN_TEMPLATE
        tpl = scopes.template(broad) if broad else None
        if tpl is not None:
            return Authority(ResourceAccess.ALL, (), tpl["permissions"])
        return Authority(ResourceAccess.NONE, (), scopes.clamp({}))
    return Authority(resource_access or ResourceAccess.NONE, ids, scopes.clamp(permissions or {}))


def validate_authority(authority: Authority) -> Authority:
    """Refuse an unknown access kind, ``selected`` without ids, or an id that does not exist."""
    if authority.resource_access not in ResourceAccess.values:
        raise InvalidResourceAccess()
    if authority.resource_access != ResourceAccess.SELECTED:
        return replace(authority, resource_ids=())
    if not authority.resource_ids:
        raise ResourceScopeRequired()
    exists = app_settings.RESOURCE_EXISTS
    for resource_id in authority.resource_ids:
        if not resource_id or (exists is not None and not exists(resource_id)):
            raise UnknownResourceId(competition_id=resource_id)
    return authority


def create_api_token(
    user: Any,
    *,
    label: str = "",
    authority: Authority,
    expires_at: datetime | None,
    rotated_from: Token | None = None,
) -> tuple[Token, str]:
    """Insert an API token row; returns ``(row, plaintext)``. Callers check caps and proofs."""
    plaintext = crypto.generate(TokenKind.API_TOKEN)
    token = Token.objects.create(
        user=user,
        kind=TokenKind.API_TOKEN,
        label=label,
        digest=crypto.digest(plaintext),
        expires_at=expires_at,
        resource_access=authority.resource_access,
        resource_ids=list(authority.resource_ids),
        permissions=dict(authority.permissions),
        rotated_from=rotated_from,
    )
    send_on_commit(signals.token_created, Token, token=token)
    return token, plaintext


def mint_api_token(
    principal: Principal,
    *,
    label: str = "",
    expires_in_days: int | None = None,
    template: str | None = None,
    resource_access: str | None = None,
    resource_ids: Iterable[Any] | None = None,
    permissions: Mapping[str, Any] | None = None,
) -> tuple[Token, str]:
    """Mint for the caller: the cap, then the sudo window, then the authority (ctfy's order).

    The owner's row is locked first, so concurrent mints cannot overshoot the cap.
    """
    with transaction.atomic():
        user = lock_user(principal.user)
        limit = app_settings.API_TOKEN_LIMIT
        held = Token.objects.unrevoked().filter(user=user, kind=TokenKind.API_TOKEN).count()
        if held >= limit:
            raise TokenLimitReached(limit=limit)
        require_sudo(principal)
        authority = validate_authority(
            resolve_authority(
                template=template,
                resource_access=resource_access,
                resource_ids=resource_ids,
                permissions=permissions,
            )
        )
        tpl = scopes.template(template) if template is not None else None
        default_days = (
            tpl["expires_in_days"] if tpl else app_settings.API_TOKEN_DEFAULT_LIFETIME_DAYS
        )
        expires_at = expiry_from(expires_in_days, default_days=default_days, now=timezone.now())
        return create_api_token(user, label=label, authority=authority, expires_at=expires_at)


def _owned_api_token(principal: Principal, token_id: str) -> Token:
    """The caller's API token, locked: 404 if missing or not owned, 409 if revoked or a session."""
    token = None
    if looks_like_id(token_id):
        token = Token.objects.select_for_update().filter(pk=token_id, user=principal.user).first()
    if token is None:
        raise TokenNotFound()
    if token.revoked_at is not None:
        raise TokenRevoked()
    if token.kind != TokenKind.API_TOKEN:  # a positive test: any other kind fails closed
        raise TokenNotAnApiToken(token_kind=token.kind)
    return token


def update_api_token(principal: Principal, token_id: str, changes: Mapping[str, Any]) -> Token:
    """PATCH semantics: only present, non-null fields move; a template re-seeds, explicit wins.

    Moving authority (either direction) needs the sudo window; a label-only change does not.
    """
    with transaction.atomic():
        token = _owned_api_token(principal, token_id)
        current = Authority.of(token)
        authority = current
        if changes.get("template") is not None:
            tpl = scopes.template(changes["template"])
            if tpl is None:
                raise ValueError(f"unknown template {changes['template']!r}")
            authority = Authority(tpl["resource_access"], (), tpl["permissions"])
        if changes.get("resource_access") is not None:
            authority = replace(authority, resource_access=changes["resource_access"])
        if changes.get("resource_ids") is not None:
            authority = replace(authority, resource_ids=_dedupe(changes["resource_ids"]))
        if changes.get("permissions") is not None:
            authority = replace(authority, permissions=scopes.clamp(changes["permissions"]))
        authority = validate_authority(authority)
        label = changes.get("label")
        fields = []
        if authority != current:
            require_sudo(principal)
            token.resource_access = authority.resource_access
            token.resource_ids = list(authority.resource_ids)
            token.permissions = dict(authority.permissions)
            fields += ["resource_access", "resource_ids", "permissions"]
            send_on_commit(signals.token_scope_changed, Token, token=token)
        if label is not None and label != token.label:
            token.label = label
            fields.append("label")
        if fields:
            token.save(update_fields=fields)
    return token


def renew_api_token(principal: Principal, token_id: str, expires_in_days: int | None) -> Token:
    """Push the expiry out from now, same secret. A lapsed token is rotated, never renewed.

    Needs the sudo window, as minting does: a stale credential must not turn a token
    into one that never expires.
    """
    with transaction.atomic():
        token = _owned_api_token(principal, token_id)
        require_sudo(principal)
        now = timezone.now()
        if token.is_expired(now):
            raise TokenExpired(token_id=token.id)
        token.expires_at = expiry_from(
            expires_in_days, default_days=app_settings.API_TOKEN_DEFAULT_LIFETIME_DAYS, now=now
        )
        token.save(update_fields=["expires_at"])
        send_on_commit(signals.token_renewed, Token, token=token)
    return token


def rotate_api_token(
    principal: Principal, token_id: str, expires_in_days: int | None
) -> tuple[Token, str]:
    """A new secret with the same label and authority, as a new row; the old one is revoked first.

    Revoke-first compare-and-set: a crash never leaves two live credentials, and of two
    concurrent rotations exactly one wins. Exempt from the cap (net zero), not from the
    sudo window (a new plaintext is as good as a new token); works on expired tokens
    (that is what it is for).
    """
    with transaction.atomic():
        old = _owned_api_token(principal, token_id)
        require_sudo(principal)
        now = timezone.now()
        won = Token.objects.filter(pk=old.pk, revoked_at__isnull=True).update(revoked_at=now)
        if not won:
            raise TokenRevoked()
        old.revoked_at = now
        new, plaintext = create_api_token(
            old.user,
            label=old.label,
            authority=Authority.of(old),
            expires_at=expiry_from(
                expires_in_days,
                default_days=app_settings.API_TOKEN_DEFAULT_LIFETIME_DAYS,
                now=now,
            ),
            rotated_from=old,
        )
        send_on_commit(signals.token_rotated, Token, token=new, previous=old)
        send_on_commit(
            signals.token_revoked, Token, token_ids=[old.id], user=old.user, by=principal.user
        )
    return new, plaintext
