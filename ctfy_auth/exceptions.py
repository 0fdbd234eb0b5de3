"""ctfy_auth's error vocabulary.

Every error a ctfy_auth view produces is one of these, rendered by
:mod:`ctfy_auth.errors` as the ctfy envelope
``{"code": ..., "detail": ..., "timestamp": ...}``. ``detail`` is the message,
or ``{"message": ..., **context}`` when the error carries context (the context
values keep their JSON types).

Each class is named after its code (``EmailBelongsToOAuth`` answers
``email_belongs_to_oauth``; tests/test_exceptions.py lists the few deliberate
exceptions) and says in ``when`` when it is answered: the OpenAPI error
descriptions are built from it (:func:`ctfy_auth.api.schema.errors`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException

from ctfy_auth.conf import app_settings

__all__ = [
    "AccountDisabled",
    "AccountEmailMissing",
    "AdminPrivilegesRequired",
    "CannotChangeOwnRole",
    "CannotRevokeCurrentToken",
    "ClientTokenRefused",
    "CredentialCacheUnavailable",
    "CtfyError",
    "DeviceCodeInvalid",
    "DeviceCodeUnavailable",
    "EmailBelongsToOAuth",
    "EmailBelongsToPasswordAccount",
    "EmailTaken",
    "ExpiredToken",
    "IdentityAlreadyLinked",
    "IdentityNotFound",
    "InvalidCredentials",
    "InvalidResourceAccess",
    "InvalidToken",
    "LastSignInMethod",
    "NotAuthenticated",
    "OAuthLinkSessionExpired",
    "OAuthLinkTargetMissing",
    "OAuthMissingParams",
    "OAuthProviderLinkOnly",
    "OAuthProviderNotConfigured",
    "OAuthStateInvalid",
    "OAuthStateMismatch",
    "PasswordAuthDisabled",
    "PasswordNotSet",
    "ProviderEmailUnverified",
    "ProviderFailed",
    "RateLimitUnavailable",
    "RateLimited",
    "ReauthProofRequired",
    "ReauthenticationRequired",
    "RequestBodyTooDeep",
    "RequestTooLarge",
    "ResourceScopeRequired",
    "ServiceUnavailable",
    "SuperAdminPrivilegesRequired",
    "SuperAdminRoleLocked",
    "TokenExpired",
    "TokenLimitReached",
    "TokenMissingScope",
    "TokenNotAnApiToken",
    "TokenNotFound",
    "TokenResourceForbidden",
    "TokenRevoked",
    "TokenRevokedDuringRequest",
    "TokenScopeRequired",
    "UnknownResourceId",
    "UserNotFound",
    "UserSessionRequired",
    "WeakPassword",
    "WrongCurrentPassword",
]


def _resource_type() -> str:
    """The host's name for what resource-scoped categories select (``CTFY_AUTH["RESOURCE_TYPE"]``).

    Only messages use it; the wire's field names and codes stay ``competition_*``.
    """
    return app_settings.RESOURCE_TYPE


class CtfyError(APIException):
    """Base class: a status, a stable ``code`` and a message with optional context."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code = "http_400"
    default_detail = _("Bad request")
    #: One line for the OpenAPI description: when this error is answered (``api.schema.errors``).
    when: str = "a request the server refuses"

    def __init__(self, message: Any = None, *, code: str | None = None, **context: Any) -> None:
        text = str(message if message is not None else self.default_detail)
        self.code: str = code or self.default_code
        self.payload: str | dict[str, Any] = {"message": text, **context} if context else text
        super().__init__(text, self.code)


# --- authentication (§1.4) -------------------------------------------------------------


class NotAuthenticated(CtfyError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "http_401"
    when = "no credential, or a malformed bearer"
    default_detail = _("Not authenticated")


class InvalidToken(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "http_403"
    when = "an unknown, revoked or mistyped token, or a disabled account"
    default_detail = _("Invalid or revoked token")


class ExpiredToken(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "http_403"
    when = "the token has expired"
    default_detail = _("Token has expired")


class UserSessionRequired(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "http_403"
    when = "an API token, where only a session token is accepted"
    default_detail = _("This operation requires a user session (logged-in OAuth token)")


class TokenScopeRequired(CtfyError):
    """A credential without full-account authority reached a view that declares no scopes."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "token_scope_required"
    when = "an API token, at a route that declares no scopes"
    default_detail = _("This endpoint does not accept scoped API tokens; use a user session.")

    def __init__(self, message: Any = None) -> None:
        super().__init__(message, error="token_scope_required")


class ClientTokenRefused(TokenScopeRequired):
    """An OAuth client token (client credentials, no person) reached a view that acts for one."""

    when = "an OAuth client token, at a route that does not serve OAuth clients"
    default_detail = _("This endpoint does not serve OAuth client tokens; it acts for a person.")


class RateLimited(CtfyError):
    status_code: int = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate_limited"
    when = "past a rate limit"
    default_detail = _("Rate limit exceeded")

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimitUnavailable(RateLimited):
    """503: a limit that guards a secret cannot be counted (the throttle cache is unreachable).

    Refused rather than let through, so an outage of the cache does not make guessing free.
    A subclass of :class:`RateLimited`: it carries ``Retry-After`` and ctfy's ``error`` key.
    """

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "rate_limit_unavailable"
    when = (
        "a limit that guards a secret cannot be counted (the throttle cache is unreachable), "
        "so nothing is checked; `Retry-After` says when to try again"
    )
    default_detail = _("Rate limiting is unavailable for a moment; try again shortly.")

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(str(message or self.default_detail), retry_after=retry_after)


class ServiceUnavailable(CtfyError):
    """503: the database is unreachable; every ctfy_auth entry point answers this one error."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    when = "the database is unreachable"
    default_detail = _("The service is temporarily unavailable.")


# --- request bodies ------------------------------------------------------------------------


class RequestTooLarge(CtfyError):
    """413: the body is larger than Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    when = "the body is larger than Django's `DATA_UPLOAD_MAX_MEMORY_SIZE`"
    default_detail = _("The request body is too large.")

    def __init__(self, *, max_bytes: int | None) -> None:
        super().__init__(max_bytes=max_bytes)


class RequestBodyTooDeep(CtfyError):
    """400 ``http_400`` (ctfy's answer to a body its JSON parser gives up on): nested too deeply."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "http_400"
    when = "the JSON body nests deeper than the parser allows"
    default_detail = _("The JSON body is nested too deeply.")

    def __init__(self, *, max_depth: int) -> None:
        super().__init__(max_depth=max_depth)


# --- accounts and passwords (§2.3, §4) --------------------------------------------------


class PasswordAuthDisabled(CtfyError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "password_auth_disabled"
    when = "password sign-in is off (`PASSWORD_AUTH_ENABLED`)"
    default_detail = _("Password sign-in is disabled on this server.")


class WeakPassword(CtfyError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "weak_password"
    when = (
        "a common password, or one refused by `AUTH_PASSWORD_VALIDATORS`; detail `{message, rule}`"
    )
    default_detail = _("That password is too easy to guess.")


class EmailTaken(CtfyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "email_taken"
    when = "an account with this email has a password"
    default_detail = _("Email already registered")


class EmailBelongsToOAuth(CtfyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "email_belongs_to_oauth"
    when = "an account with this email signs in with an external provider only"
    default_detail = _(
        "This email belongs to an account that signs in with an external provider. "
        "Sign in with that provider instead."
    )


class InvalidCredentials(CtfyError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "invalid_credentials"
    when = "unknown email, no password, wrong password or inactive account (one answer for all)"
    default_detail = _("Invalid email or password")


class WrongCurrentPassword(CtfyError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "wrong_current_password"
    when = "the account has a password and `current_password` is empty or wrong"
    default_detail = _("The current password is not right.")


class AccountEmailMissing(CtfyError):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "account_email_missing"
    when = "a first password for an account that has no email"
    default_detail = _("This account has no email address to attach a password to.")


class PasswordNotSet(CtfyError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "password_not_set"
    when = "the account has no password"
    default_detail = _("This account has no password.")


class LastSignInMethod(CtfyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "last_sign_in_method"
    when = "it is the account's last way to sign in"
    default_detail = _(
        "This is the account's last way to sign in. Add another sign-in method first."
    )


class IdentityNotFound(CtfyError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "identity_not_found"
    when = "no such identity, or not the caller's (the `password` row cannot be unlinked here)"
    default_detail = _("Identity not found")


# --- sudo window (§3.10) ----------------------------------------------------------------


class ReauthenticationRequired(CtfyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "reauthentication_required"
    when = "the sudo window is closed; detail `{message, window_seconds}`"
    default_detail = _(
        "Confirm it is you before making this change \u2014 POST /me/reauthenticate."
    )

    def __init__(self, *, window_seconds: int) -> None:
        super().__init__(window_seconds=window_seconds)


class ReauthProofRequired(CtfyError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "reauth_proof_required"
    when = "the account has no password, or `current_password` is empty"
    default_detail = _("Send your current password to confirm it is you.")


# --- tokens (§3.5) ----------------------------------------------------------------------


class TokenNotFound(CtfyError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "token_not_found"
    when = "no such token, or not the caller's"
    default_detail = _("Token not found")


class CannotRevokeCurrentToken(CtfyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "cannot_revoke_current_token"
    when = "the id is the calling token's"
    default_detail = _(
        "This is the token making the request. Sign out instead, or revoke it from another session."
    )


class TokenLimitReached(CtfyError):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "token_limit_reached"
    when = "the caller holds `API_TOKEN_LIMIT` API tokens; detail `{message, limit}`"
    default_detail = _("You hold the most API tokens allowed. Revoke one first.")

    def __init__(self, *, limit: int) -> None:
        super().__init__(limit=limit)


class TokenRevoked(CtfyError):
    status_code: int = status.HTTP_409_CONFLICT
    default_code = "token_revoked"
    when = "the token is revoked; revocation is final"
    default_detail = _("This token was revoked; revocation is final. Create a new token instead.")


class TokenRevokedDuringRequest(TokenRevoked):
    """401 ``token_revoked``: the calling token itself was revoked while the request ran."""

    status_code = status.HTTP_401_UNAUTHORIZED
    when = "the calling token was revoked during the request"
    default_detail = _("This token was revoked.")


class TokenNotAnApiToken(CtfyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "token_not_an_api_token"
    when = "it is a session token; detail `{message, token_kind}`"
    default_detail = _("Only API tokens can be renewed or rotated; this is a browser session.")

    def __init__(self, *, token_kind: str) -> None:
        super().__init__(token_kind=token_kind)


class TokenExpired(CtfyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "token_expired"
    when = "the token has expired; rotate it instead; detail `{message, token_id}`"
    default_detail = _(
        "This token has already expired; rotate it instead to get a new secret with the same scope."
    )

    def __init__(self, *, token_id: str) -> None:
        super().__init__(token_id=token_id)


class InvalidResourceAccess(CtfyError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "invalid_competition_access"
    when = "`competition_access` is not `none`, `all` or `selected`"
    default_detail = _("competition_access must be none|all|selected")


class ResourceScopeRequired(CtfyError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "competition_scope_required"
    when = "`selected` without any id"
    default_detail = _("competition_access 'selected' needs at least one id in competition_ids")


class UnknownResourceId(CtfyError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unknown_competition_id"
    when = "an id that `RESOURCE_EXISTS` refuses; detail `{message, competition_id}`"
    default_detail = _("No such competition")

    def __init__(self, *, competition_id: str) -> None:
        super().__init__(f"No such {_resource_type()}", competition_id=competition_id)


# --- scope enforcement (§3.9) ------------------------------------------------------------


class TokenMissingScope(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "token_missing_scope"
    when = "an API token without a required level; detail `{message, required, granted}`"

    def __init__(self, *, category: str, level: str, granted: str) -> None:
        super().__init__(
            f"Token lacks {category}:{level} permission (granted: {category}:{granted})",
            required=f"{category}:{level}",
            granted=f"{category}:{granted}",
        )


class TokenResourceForbidden(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "token_competition_forbidden"
    when = (
        "an API token whose resource selection does not reach the resource; detail `{message, "
        "competition_id, competition_access}`"
    )
    default_detail = _("Token is not authorized for this competition")

    def __init__(self, *, resource_id: str | None, resource_access: str) -> None:
        super().__init__(
            f"Token is not authorized for this {_resource_type()}",
            competition_id=resource_id or "",
            competition_access=resource_access,
        )


# --- admin (§7.3) ------------------------------------------------------------------------


class AdminPrivilegesRequired(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "http_403"
    when = "the caller is not an `admin` or `super_admin`"
    default_detail = _("Admin privileges required")


class SuperAdminPrivilegesRequired(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "http_403"
    when = "the caller is not a `super_admin`"
    default_detail = _("Super-admin privileges required")


class UserNotFound(CtfyError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "user_not_found"
    when = "no such account"
    default_detail = _("User not found")


class CannotChangeOwnRole(CtfyError):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "http_400"
    when = "the caller's own account"
    default_detail = _("You cannot change your own role")


class SuperAdminRoleLocked(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "http_403"
    when = "the account is a `super_admin`"
    default_detail = _("A super-admin's role cannot be changed here")


# --- device flow (§5) ----------------------------------------------------------------------


class DeviceCodeInvalid(CtfyError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "device_code_invalid"
    when = "no such pending user code (counts as a wrong entry)"
    default_detail = _("Code not found, already used, or expired")
    #: ``GET /auth/device/info`` words it without "already used".
    not_found_message = _("Code not found or expired")


class DeviceCodeUnavailable(CtfyError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "device_code_unavailable"
    when = "eight draws of a user code in a row all collided with live requests"
    default_detail = _("Could not allocate a device code; try again.")


class CredentialCacheUnavailable(ServiceUnavailable):
    """503: a change could not be announced to the credential cache, so it was not made.

    The same answer as an unreachable database (``service_unavailable``): nothing changed.
    """

    when = "a change could not be announced to the credential cache, so it was not made"


# --- sign-in with a provider, and linking (§4.5) -------------------------------------------


class OAuthProviderNotConfigured(CtfyError):
    """404 with detail ``{message, provider}``."""

    status_code = status.HTTP_404_NOT_FOUND
    default_code = "oauth_provider_not_configured"
    when = "no such provider, or it has no client id; detail `{message, provider}`"

    def __init__(self, provider: str) -> None:
        super().__init__(
            _("OAuth provider %(name)r is not configured") % {"name": provider}, provider=provider
        )


class OAuthProviderLinkOnly(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "oauth_provider_link_only"
    when = "the provider can only be linked; detail `{message, provider}`"

    def __init__(self, provider: str) -> None:
        super().__init__(
            _(
                "This provider cannot be used to sign in or register. "
                "Sign in another way, then bind it from your account."
            ),
            provider=provider,
        )


class OAuthMissingParams(CtfyError):
    default_code = "oauth_missing_params"
    when = "no `code` or no `state` (the provider's `error`, if any, is named in the message)"
    default_detail = _("Missing code or state")


class OAuthStateInvalid(CtfyError):
    """400 ``http_400``: the state is malformed, forged, expired, used, or from another browser."""

    when = (
        "a malformed, forged, expired or used state, or a sign-in or a link finishing in "
        "another browser"
    )

    malformed = _("Malformed state parameter")
    bad_signature = _("Invalid state signature")
    expired = _("State parameter expired; start the login flow again")
    other_browser = _("This sign-in was started in another browser; start it again here")
    other_browser_link = _(
        "This link was started in another browser; only that browser can finish it"
    )


class OAuthStateMismatch(CtfyError):
    default_code = "oauth_state_mismatch"
    when = "the state was issued for another provider; detail `{message, provider}`"

    def __init__(self, provider: str) -> None:
        super().__init__(_("State/provider mismatch"), provider=provider)


class OAuthLinkSessionExpired(CtfyError):
    default_code = "oauth_link_session_expired"
    when = "the session that started a link has ended"
    default_detail = _("Link session expired — sign in again and retry the link.")


class OAuthLinkTargetMissing(CtfyError):
    default_code = "oauth_link_target_missing"
    when = "the account that started a link no longer exists"
    default_detail = _("Link target user missing")


class ProviderFailed(CtfyError):
    """400 ``http_400``: the provider refused the code or answered something we cannot accept."""

    when = "the provider refused the code, or answered something we cannot accept"

    default_detail = _("The provider could not complete the sign-in")


class ProviderEmailUnverified(CtfyError):
    default_code = "provider_email_unverified"
    when = "the provider did not verify the email; detail `{message, provider}`"

    def __init__(self, provider: str) -> None:
        super().__init__(_("Provider did not verify your email"), provider=provider)


class IdentityAlreadyLinked(CtfyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "identity_already_linked"
    when = "the provider account is linked to another user; detail `{message, provider}`"

    def __init__(self, provider: str) -> None:
        super().__init__(
            _("That account is already linked to a different user."), provider=provider
        )


class EmailBelongsToPasswordAccount(CtfyError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "email_belongs_to_password_account"
    when = "the email has a password account whose address was never verified"
    default_detail = _(
        "This email already has a password account whose address was never verified. "
        "Sign in with your password, then link this provider from Settings."
    )


class AccountDisabled(CtfyError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "http_403"
    when = "the account is disabled"
    default_detail = _("This account is disabled.")
