"""Registration, password sign-in, password management and re-authentication."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ctfy_auth import signals
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import Role, TokenKind
from ctfy_auth.exceptions import (
    AccountEmailMissing,
    EmailBelongsToOAuth,
    EmailTaken,
    InvalidCredentials,
    LastSignInMethod,
    PasswordAuthDisabled,
    PasswordNotSet,
    ReauthProofRequired,
    TokenRevokedDuringRequest,
    WeakPassword,
    WrongCurrentPassword,
)
from ctfy_auth.models import RegistrationLock, Token
from ctfy_auth.models.users import normalize_email
from ctfy_auth.principal import Principal
from ctfy_auth.services import revocation, sessions
from ctfy_auth.services._common import require_sudo, send_on_commit
from ctfy_auth.services.identities import has_sign_in_identity, lock_user
from ctfy_auth.throttling import Attempt, spend

__all__ = [
    "check_credentials",
    "check_password_length",
    "check_password_strength",
    "password_attempt",
    "reauthenticate",
    "register",
    "remove_password",
    "set_password",
    "sign_in_with_password",
]

_dummy_hashes: dict[tuple[Any, ...], str] = {}


def _ensure_enabled() -> None:
    if not app_settings.PASSWORD_AUTH_ENABLED:
        raise PasswordAuthDisabled()


def _dummy_verify(password: str) -> None:
    """One verify with the configured hasher: an unknown email costs what a wrong password does."""
    hasher = get_hasher()
    key = (
        hasher.algorithm,
        *(
            getattr(hasher, a, None)
            for a in ("time_cost", "memory_cost", "parallelism", "iterations")
        ),
    )
    encoded = _dummy_hashes.get(key)
    if encoded is None:
        # First time in this process: making the dummy hash is the one Argon2 run, so this
        # attempt costs what a verify does (hash and verify run the same KDF once).
        _dummy_hashes.setdefault(key, make_password(secrets.token_urlsafe(24)))
        return
    check_password(password, encoded)


def password_attempt(*, email: str | None = None, user: Any = None) -> Attempt:
    """Take one unit of the account's ``password_check`` budget, before a password is checked.

    Every door that checks a password (``POST /auth/login``, the ``/device`` page's
    sign-in, the throttled admin login, ``POST /auth/password``,
    ``POST /me/reauthenticate``) spends the same per-account budget
    (``THROTTLE_RATES["password_check"]``), whichever client calls. Sign-in doors
    name the account by ``email``, normalised, so an unknown address has a budget
    exactly like a known one and the answer never tells them apart; doors that
    already know the account pass ``user`` and land on the same counter. The caller
    refunds the unit when the password was right, so only wrong ones stay counted;
    the unit is taken first (incr-then-compare), so concurrent guesses never get
    past the budget. Past it: 429 ``rate_limited``; throttle cache unreachable: 503
    ``rate_limit_unavailable`` (a password is a secret: this budget fails closed).
    """
    if user is not None:
        email = user.email or None
        subject = f"email:{normalize_email(email)}" if email else f"user:{user.pk}"
    else:
        subject = f"email:{normalize_email(email or '')}"
    rate = (
        app_settings.THROTTLE_RATES.get("password_check") if app_settings.THROTTLE_ENABLED else ""
    )
    return spend(
        [("password_check", subject, rate or "")],
        message="Too many password attempts for this account",
    )


def _revoke_other_credentials(user: Any, principal: Principal) -> None:
    """After a password change: sign out the account's other sessions (and API tokens if asked).

    The calling token stays valid. Runs inside the caller's transaction, so the
    change and the revocation commit together.
    """
    kinds = []
    if app_settings.REVOKE_SESSIONS_ON_PASSWORD_CHANGE:
        kinds.append(TokenKind.SESSION)
    if app_settings.REVOKE_API_TOKENS_ON_PASSWORD_CHANGE:
        kinds.append(TokenKind.API_TOKEN)
    if kinds:
        revocation.revoke_all(user, except_token_id=principal.token_id, by=user, kinds=kinds)


def check_password_length(password: str, *, minimum: int | None = None) -> None:
    """The length rule of every password ctfy_auth is given, wherever it comes from.

    ``minimum`` defaults to ``PASSWORD_MIN_LENGTH`` (a new password); a door that
    checks an existing password passes its own (login takes any non-empty one, so
    raising the setting never locks anybody out). The maximum is always
    ``PASSWORD_MAX_LENGTH``: it bounds the hashing work a request can ask for.
    Raises Django's ``ValidationError`` with code ``too_short`` or ``too_long`` and
    params ``n`` (the bound crossed), ``low`` and ``high``.
    """
    low = app_settings.PASSWORD_MIN_LENGTH if minimum is None else minimum
    high = app_settings.PASSWORD_MAX_LENGTH
    params = {"low": low, "high": high}
    if len(password) < low:
        raise DjangoValidationError(
            "Password too short", code="too_short", params={**params, "n": low}
        )
    if len(password) > high:
        raise DjangoValidationError(
            "Password too long", code="too_long", params={**params, "n": high}
        )


def check_password_strength(password: str, user: Any = None) -> None:
    """ctfy's common passwords, then ``AUTH_PASSWORD_VALIDATORS``: 422 ``weak_password``."""
    if password.lower() in app_settings.COMMON_PASSWORDS:
        raise WeakPassword(rule="common_password")
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        rule = next((e.code for e in exc.error_list if e.code), "password_validator")
        raise WeakPassword(" ".join(exc.messages), rule=rule) from None


def _take_registration_lock() -> None:
    """Serialise first-user bootstrap: an UPDATE takes the row lock (the write lock on SQLite)."""
    if not RegistrationLock.objects.filter(pk=1).update(id=1):
        RegistrationLock.objects.get_or_create(pk=1)
        RegistrationLock.objects.filter(pk=1).update(id=1)


def register(
    *, email: str, password: str, display_name: str, client: ClientInfo
) -> tuple[Any, str]:
    """Create a password account and sign it in; returns ``(user, session plaintext)``.

    The first person to register becomes ``super_admin``; the decision and the
    insert run under the registration lock, so concurrent first registrations
    yield exactly one. Registration never merges into an existing account.
    """
    _ensure_enabled()
    email = normalize_email(email)
    User = get_user_model()
    check_password_strength(password, User(email=email, display_name=display_name))
    with transaction.atomic():
        _take_registration_lock()
        existing = User.objects.filter(email=email).first()
        if existing is not None:
            if existing.has_usable_password():
                raise EmailTaken()
            raise EmailBelongsToOAuth()
        first = app_settings.FIRST_USER_IS_SUPER_ADMIN and not User.objects.exists()
        user = User(
            email=email,
            display_name=display_name or email,
            role=Role.SUPER_ADMIN if first else Role.USER,
        )
        user.set_password(password)
        user.password_changed_at = user.last_login = timezone.now()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # a concurrent writer outside the lock (e.g. admin) took it
            raise EmailTaken() from None
        _token, plaintext = sessions.mint_session(user, client)
        send_on_commit(signals.user_registered, User, user=user, method="password")
        send_on_commit(signals.user_logged_in, User, user=user, method="password")
    return user, plaintext


def sign_in_with_password(*, email: str, password: str, client: ClientInfo) -> tuple[Any, str]:
    """Verify the password and mint a session; one identical 401 for every refusal."""
    user = check_credentials(email=email, password=password)
    User = type(user)
    with transaction.atomic():
        _token, plaintext = sessions.mint_session(user, client)
        send_on_commit(signals.user_logged_in, User, user=user, method="password")
    return user, plaintext


def check_credentials(*, email: str, password: str) -> Any:
    """The active user with this email and password, or one identical 401 for every refusal.

    An unknown email (or an account without a password) spends one dummy verify
    with the configured hasher, so timing does not reveal which accounts exist.
    Stale hashes are upgraded by Django's ``check_password`` on success, and
    ``last_login`` is stamped. Used by the API's sign-in and by the pages that
    sign a person in with Django's session (the device approval page).
    """
    _ensure_enabled()
    email = normalize_email(email)
    attempt = password_attempt(email=email)
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None or not user.has_usable_password():
        _dummy_verify(password)
        ok = False
    else:
        ok = user.check_password(password) and user.is_active
    if not ok or user is None:
        send_on_commit(signals.login_failed, User, email=email)
        raise InvalidCredentials()
    attempt.refund()
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=now)
    user.last_login = now
    return user


def set_password(principal: Principal, *, new_password: str, current_password: str) -> bool:
    """Change the password (proof: the current one) or attach a first one (proof: the sudo window).

    Returns ``True`` when this was the account's first password.
    """
    _ensure_enabled()
    check_password_strength(new_password, principal.user)
    with transaction.atomic():
        user = lock_user(principal.user)
        first_time = not user.has_usable_password()
        if not first_time:
            if not current_password:
                raise WrongCurrentPassword()
            attempt = password_attempt(user=user)
            if not check_password(current_password, user.password):
                raise WrongCurrentPassword()
            attempt.refund()
        else:
            # A first password is a second way in: a stolen session must not mint one.
            require_sudo(principal)
            if not user.email:
                raise AccountEmailMissing()
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        _revoke_other_credentials(user, principal)
        send_on_commit(signals.password_changed, type(user), user=user, first_time=first_time)
    return first_time


def remove_password(principal: Principal) -> None:
    """Remove the password, never the last way in (checked under the user row lock)."""
    _ensure_enabled()
    with transaction.atomic():
        user = lock_user(principal.user)
        if not user.has_usable_password():
            raise PasswordNotSet()
        if not has_sign_in_identity(user):
            raise LastSignInMethod()
        require_sudo(principal)  # after the account-fact refusals, as ctfy does
        user.set_unusable_password()
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        _revoke_other_credentials(user, principal)
        send_on_commit(signals.password_removed, type(user), user=user)


def reauthenticate(principal: Principal, *, current_password: str) -> int:
    """Prove the password again and open the sudo window on the calling token only.

    Returns the window length in seconds. An account without a password has no
    proof to give here (ctfy would open the window unproved); it signs in
    again instead, which opens the window on the new session.
    """
    user = principal.user
    if not user.has_usable_password():
        raise ReauthProofRequired(
            "This account has no password. Sign in again to confirm it is you."
        )
    if not current_password:
        raise ReauthProofRequired()
    attempt = password_attempt(user=user)
    if not user.check_password(current_password):
        raise WrongCurrentPassword()
    attempt.refund()
    with transaction.atomic():
        stamped = Token.objects.filter(pk=principal.token_id, revoked_at__isnull=True).update(
            reauthenticated_at=timezone.now()
        )
        if not stamped:
            raise TokenRevokedDuringRequest()
        send_on_commit(signals.reauthenticated, type(user), user=user, token_id=principal.token_id)
    return app_settings.REAUTH_WINDOW_SECONDS
