"""Signing in, signing up and linking identities through an external provider (wire §4.5).

Start: a server-side :class:`~ctfy_auth.models.OAuthFlow` keeps the PKCE
verifier, the OIDC nonce, the exact ``redirect_uri`` and, for a link, the
session that asked; the provider only sees a signed, expiring ``state`` naming
the flow. Every flow, sign-in and link alike, is also bound to the browser that
started it by a cookie: a URL handed to someone else cannot be finished in
their browser (login CSRF for a sign-in; for a link, the victim's provider
identity attached to the attacker's account). Starting a link needs the sudo
window.

Callback: verify the state, redeem the flow once (compare-and-set), exchange
the code, refuse unverified addresses, then, in one transaction, one of

* **link**: the session that asked must still be live; an identity held by
  someone else is 409 ``identity_already_linked`` (a link never becomes a
  sign-in as another person); a link never grants a role;
* **sign-in**: a known identity signs its owner in;
* **merge**: an unknown identity whose provider-verified email belongs to an
  account that already has a sign-in identity joins that account; an account
  with no sign-in identity (its address never proved) is 409
  ``email_belongs_to_password_account``;
* **sign-up**: otherwise a new account, never a bootstrap super-admin.

``SUPER_ADMIN_EMAILS`` counts only on a sign-in (sign-up, merge) whose address
the provider itself proved: never on a link, never through a link-only
provider, never for an address trusted only by configuration
(:attr:`~ctfy_auth.providers.Profile.email_vouched`).

Every branch ends with a new session (``pt_``) for the account.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from ctfy_auth import signals
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import Role, TokenKind
from ctfy_auth.exceptions import (
    AccountDisabled,
    EmailBelongsToPasswordAccount,
    IdentityAlreadyLinked,
    OAuthLinkSessionExpired,
    OAuthLinkTargetMissing,
    OAuthProviderLinkOnly,
    OAuthProviderNotConfigured,
    OAuthStateInvalid,
    OAuthStateMismatch,
    ProviderEmailUnverified,
    ProviderFailed,
)
from ctfy_auth.models import Identity, OAuthFlow, OAuthFlowKind, Token
from ctfy_auth.models.users import email_lookalike_problem, normalize_email
from ctfy_auth.principal import Principal
from ctfy_auth.providers import Profile, Provider, ProviderError, configured_provider
from ctfy_auth.services._common import require_sudo, send_on_commit
from ctfy_auth.services.identities import has_sign_in_identity, lock_user
from ctfy_auth.services.sessions import mint_session

__all__ = [
    "MAX_FLOW_LIFETIME_SECONDS",
    "Finished",
    "Started",
    "finish",
    "require_provider",
    "start_link",
    "start_login",
]

STATE_SALT = "ctfy_auth.oauth.state"
#: ctfy caps a state's lifetime at 15 minutes, whatever the setting says.
MAX_FLOW_LIFETIME_SECONDS = 900
_MAX_STATE_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class Started:
    authorize_url: str
    #: The secret the starting browser keeps in a cookie; the callback must present it.
    browser_key: str


@dataclass(frozen=True, slots=True)
class Finished:
    user: Any
    token_plaintext: str
    redirect_to: str


def require_provider(name: str) -> Provider:
    provider = configured_provider(name)
    if provider is None:
        raise OAuthProviderNotConfigured(name)
    return provider


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _lifetime() -> int:
    return max(1, min(app_settings.OAUTH_FLOW_LIFETIME_SECONDS, MAX_FLOW_LIFETIME_SECONDS))


def _open_flow(provider: Provider, **fields: Any) -> Started:
    """Store a flow bound to a new browser key and build the provider URL.

    Nothing is stored if the provider fails.
    """
    browser_key = secrets.token_urlsafe(32)
    flow = OAuthFlow(
        provider=provider.name,
        code_verifier=secrets.token_urlsafe(64),  # 86 characters, within RFC 7636's 43..128
        nonce=secrets.token_urlsafe(24),
        expires_at=timezone.now() + timedelta(seconds=_lifetime()),
        browser_key_digest=_digest(browser_key),
        **fields,
    )
    state = signing.dumps({"f": flow.pk, "p": provider.name}, salt=STATE_SALT)
    try:
        url = provider.authorize_url(
            redirect_uri=flow.redirect_uri,
            state=state,
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
        )
    except ProviderError as exc:  # OIDC discovery failed
        raise ProviderFailed(str(exc)) from None
    flow.save(force_insert=True)
    return Started(authorize_url=url, browser_key=browser_key)


def start_login(name: str, *, redirect_to: str, redirect_uri: str) -> Started:
    """A sign-in (or sign-up) at ``name``; ``redirect_to`` must already be a safe path."""
    provider = require_provider(name)
    if provider.link_only:
        raise OAuthProviderLinkOnly(name)
    return _open_flow(
        provider, kind=OAuthFlowKind.LOGIN, redirect_uri=redirect_uri, redirect_to=redirect_to
    )


def start_link(principal: Principal, name: str, *, redirect_uri: str) -> Started:
    """A link grant for the calling session (link-only providers included).

    It needs the sudo window: a linked identity is a permanent way in that
    outlives a password change, so a stale stolen session must not add one.
    The grant is bound to the browser that receives ``Started.browser_key``
    (the caller sets it as a cookie on the response to the starting request).
    """
    provider = require_provider(name)
    require_sudo(principal)
    return _open_flow(
        provider,
        kind=OAuthFlowKind.LINK,
        redirect_uri=redirect_uri,
        redirect_to=app_settings.OAUTH_LINK_LANDING_PATH,
        user=principal.user,
        token_id=principal.token_id,
    )


def _read_state(state: str) -> dict[str, Any]:
    if len(state) > _MAX_STATE_LENGTH or state.count(":") != 2:
        raise OAuthStateInvalid(OAuthStateInvalid.malformed)
    try:
        payload = signing.loads(state, salt=STATE_SALT, max_age=_lifetime())
    except signing.SignatureExpired:
        raise OAuthStateInvalid(OAuthStateInvalid.expired) from None
    except signing.BadSignature:
        raise OAuthStateInvalid(OAuthStateInvalid.bad_signature) from None
    except ValueError:  # signed but not our JSON
        raise OAuthStateInvalid(OAuthStateInvalid.malformed) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("f"), str):
        raise OAuthStateInvalid(OAuthStateInvalid.malformed)
    return payload


def _redeem(name: str, state: str, browser_key: str) -> tuple[Provider, OAuthFlow]:
    """Verify the state, check the flow belongs here, and consume it (once, ever)."""
    provider = require_provider(name)
    payload = _read_state(state)
    if payload.get("p") != name:
        raise OAuthStateMismatch(name)
    flow = OAuthFlow.objects.filter(pk=payload["f"]).first()
    if flow is None or flow.provider != name:
        raise OAuthStateInvalid(OAuthStateInvalid.expired)
    link = flow.kind == OAuthFlowKind.LINK
    if not link and provider.link_only:  # before the code is spent: never a sign-in
        raise OAuthProviderLinkOnly(name)
    # Before the code is spent or the grant consumed. A link started before links were
    # bound to a browser has no digest and matches no key: it fails closed.
    if not (
        browser_key
        and flow.browser_key_digest
        and constant_time_compare(_digest(browser_key), flow.browser_key_digest)
    ):
        raise OAuthStateInvalid(
            OAuthStateInvalid.other_browser_link if link else OAuthStateInvalid.other_browser
        )
    now = timezone.now()
    taken = OAuthFlow.objects.filter(
        pk=flow.pk, consumed_at__isnull=True, expires_at__gt=now
    ).update(consumed_at=now)
    if not taken:
        raise OAuthLinkSessionExpired() if link else OAuthStateInvalid(OAuthStateInvalid.expired)
    return provider, flow


def finish(name: str, *, code: str, state: str, browser_key: str, client: ClientInfo) -> Finished:
    """Complete the callback: sign in, sign up, merge or link, then mint a session."""
    provider, flow = _redeem(name, state, browser_key)
    try:
        profile = provider.profile_for_code(
            code=code,
            redirect_uri=flow.redirect_uri,
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
        )
    except ProviderError as exc:
        raise ProviderFailed(str(exc)) from None
    if not profile.email_verified:
        raise ProviderEmailUnverified(name)
    email = normalize_email(profile.email)
    if email and email_lookalike_problem(email):
        # A proved address that could pass for another (mixed scripts, a dotless i) is
        # refused at every other door: here the account simply gets no address from it.
        email = ""
    profile = replace(profile, email=email)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                link = flow.kind == OAuthFlowKind.LINK
                user = _link(flow, provider, profile) if link else _sign_in(provider, profile)
                _refresh_user(user, provider, profile, grants_role=not link)
                _token, plaintext = mint_session(user, client)
                get_user_model().objects.filter(pk=user.pk).update(last_login=timezone.now())
                send_on_commit(signals.user_logged_in, type(user), user=user, method=name)
            return Finished(user=user, token_plaintext=plaintext, redirect_to=flow.redirect_to)
        except IntegrityError:
            # A concurrent callback created the same identity or account first; the second
            # attempt finds it and takes the sign-in (or link refusal) branch instead.
            if attempt == 2:
                raise IdentityAlreadyLinked(name) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _link(flow: OAuthFlow, provider: Provider, profile: Profile) -> Any:
    """Attach the identity to the account whose live session started the link."""
    token = Token.objects.filter(pk=flow.token_id).first()
    if token is None or token.kind != TokenKind.SESSION or not token.is_live():
        raise OAuthLinkSessionExpired()
    user = lock_user(flow.user)
    if not user.is_active:
        raise OAuthLinkTargetMissing()
    existing = _identity(profile, lock=True)
    if existing is not None and existing.user_id != user.pk:
        raise IdentityAlreadyLinked(provider.name)
    if existing is not None:
        _refresh_identity(existing, profile)
    else:
        _attach(user, profile, how="link")
    return user


def _sign_in(provider: Provider, profile: Profile) -> Any:
    existing = _identity(profile, lock=True)
    if existing is not None:
        user = lock_user(existing.user)
        if not user.is_active:
            raise AccountDisabled()
        _refresh_identity(existing, profile)
        return user
    User = get_user_model()
    target = (
        User.objects.select_for_update().filter(email=profile.email).first()
        if profile.email
        else None
    )
    if target is not None:
        if not has_sign_in_identity(target):
            raise EmailBelongsToPasswordAccount()
        if not target.is_active:
            raise AccountDisabled()
        _attach(target, profile, how="merge")
        return target
    user = User(
        email=profile.email or None,
        display_name=(profile.display_name or profile.login or profile.email)[:120],
        avatar_url=profile.avatar_url,
        role=Role.USER,  # a provider never bootstraps a super-admin (wire §6.2)
    )
    user.set_unusable_password()
    with transaction.atomic():
        user.save()
    send_on_commit(signals.user_registered, User, user=user, method=provider.name)
    _attach(user, profile, how="sign_in")
    return user


def _identity(profile: Profile, *, lock: bool) -> Identity | None:
    qs = Identity.objects.select_related("user").filter(
        provider=profile.provider, provider_user_id=profile.provider_user_id
    )
    return (qs.select_for_update(of=("self",)) if lock else qs).first()


def _profile_fields(profile: Profile) -> dict[str, Any]:
    return {
        "email": profile.email,
        "email_verified": profile.email_verified and bool(profile.email),
        "login": profile.login[:255],
        "display_name": profile.display_name[:255],
        "avatar_url": profile.avatar_url[:2048],
        "last_used_at": timezone.now(),
    }


def _attach(user: Any, profile: Profile, *, how: str) -> Identity:
    with transaction.atomic():
        identity = Identity.objects.create(
            user=user,
            provider=profile.provider,
            provider_user_id=profile.provider_user_id,
            **_profile_fields(profile),
        )
    send_on_commit(signals.identity_linked, type(user), user=user, identity=identity, how=how)
    return identity


def _refresh_identity(identity: Identity, profile: Profile) -> None:
    fields = _profile_fields(profile)
    if not fields["login"]:
        fields.pop("login")  # keep a login learnt earlier
    for key, value in fields.items():
        setattr(identity, key, value)
    identity.save(update_fields=list(fields))


def _refresh_user(user: Any, provider: Provider, profile: Profile, *, grants_role: bool) -> None:
    """Profile fields from the provider, and what its proved address entitles (wire §4.5 step 8).

    The account's address is marked verified only when it *is* the proved one
    (not whatever the primary happens to be: wire §7.4). A listed super-admin
    address counts only on a sign-in (``grants_role``; never on a link, unlike
    ctfy), through a provider that is not link-only, when the provider itself
    proved it (not an address trusted by configuration alone); nobody is
    demoted here (a bootstrap super-admin who links an unlisted provider keeps
    the role).
    """
    changed: set[str] = set()
    proved = profile.email if profile.email_verified and not provider.link_only else ""
    User = get_user_model()
    if not user.email and proved and not User.objects.filter(email=proved).exists():
        user.email = proved
        changed.add("email")
    for field, value in (
        ("display_name", profile.display_name[:120]),
        ("avatar_url", profile.avatar_url),
    ):
        if value and getattr(user, field) != value:
            setattr(user, field, value)
            changed.add(field)
    if proved and user.email == proved and user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        changed.add("email_verified_at")
    if (
        grants_role
        and proved
        and not profile.email_vouched
        and proved in app_settings.SUPER_ADMIN_EMAILS
        and user.role != Role.SUPER_ADMIN
    ):
        user.role = Role.SUPER_ADMIN
        changed.add("role")
    if changed:
        user.save(update_fields=sorted(changed))
