"""Settings for ctfy_auth, read from one namespaced dict: ``settings.CTFY_AUTH``.

Every value is read at call time through :data:`app_settings`, never at import
or class-definition time, and the cache is dropped in place when Django's
``setting_changed`` signal fires (so ``override_settings`` works everywhere).
The defaults below are documented in ``docs/settings.md``; a test keeps the two
in step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

__all__ = ["DEFAULTS", "AppSettings", "app_settings"]

#: ctfy's 20-entry list of refused passwords (compared lower-cased).
CTFY_COMMON_PASSWORDS: tuple[str, ...] = (
    "123456789012",
    "password1234",
    "qwerty123456",
    "111111111111",
    "passwordpassword",
    "letmeinletmein",
    "admin1234admin",
    "welcome12345",
    "iloveyou1234",
    "monkey123456",
    "dragon123456",
    "sunshine1234",
    "princess1234",
    "football1234",
    "baseball1234",
    "abc123abc123",
    "trustno1trust",
    "p@ssw0rdp@ss",
    "p@ssword1234",
    "ctfyctfyctfy",
)

DEFAULTS: dict[str, Any] = {
    # Accounts and passwords
    "PASSWORD_AUTH_ENABLED": True,
    "PASSWORD_MIN_LENGTH": 12,
    "PASSWORD_MAX_LENGTH": 256,
    "COMMON_PASSWORDS": CTFY_COMMON_PASSWORDS,
    "FIRST_USER_IS_SUPER_ADMIN": True,
    "REVOKE_SESSIONS_ON_PASSWORD_CHANGE": True,
    "REVOKE_API_TOKENS_ON_PASSWORD_CHANGE": False,
    # Session tokens and the sudo window
    "SESSION_TOKEN_LIFETIME_SECONDS": 90 * 24 * 3600,
    "SESSION_TOKEN_LABEL": "login",
    "REAUTH_WINDOW_SECONDS": 900,
    "LAST_USED_UPDATE_SECONDS": 60,
    # Resolved credentials in a shared cache (a CACHES alias, e.g. Redis); None: off
    "CREDENTIAL_CACHE": None,
    "CREDENTIAL_CACHE_SECONDS": 60,
    "USER_AGENT_MAX_LENGTH": 512,
    # Scopes and API tokens (host configuration; see docs/install.md §4)
    "SCOPE_CATALOG": (),
    "TOKEN_TEMPLATES": (),
    "BROAD_TOKEN_TEMPLATE": None,
    "API_TOKEN_LIMIT": 20,
    "API_TOKEN_DEFAULT_LIFETIME_DAYS": 30,
    "API_TOKEN_MAX_LIFETIME_DAYS": 1825,
    "RESOURCE_TYPE": "competition",
    "RESOURCE_EXISTS": None,
    "TOKEN_RETENTION_DAYS": 90,
    # Sign-in providers: {"github": {"client_id": ..., "client_secret": ...}, ...}
    "PROVIDERS": {},
    "OIDC_DISPLAY_NAME": "",  # deprecated: PROVIDERS["oidc"]["display_name"]; goes next release
    "PROVIDER_HTTP_TIMEOUT_SECONDS": 10,
    "OAUTH_FLOW_LIFETIME_SECONDS": 600,
    "OAUTH_REDIRECT_ORIGIN": "",
    "OAUTH_LANDING_URL": "/auth/callback",
    "OAUTH_LINK_LANDING_PATH": "/settings",
    "SUPER_ADMIN_EMAILS": (),
    # OAuth 2.1 / OpenID Connect authorization server (docs/oauth.md); "": not served
    "OAUTH_ISSUER": "",
    # Device authorization flow (RFC 8628)
    "DEVICE_CODE_LIFETIME_SECONDS": 600,
    "DEVICE_POLL_INTERVAL_SECONDS": 5,
    "DEVICE_VERIFICATION_ORIGIN": "",
    "DEVICE_FAILED_ENTRY_LIMITS": {
        "account": "10/hour",
        "client": "60/hour",
        "global": "1000/hour",
    },
    # Throttling
    "THROTTLE_ENABLED": True,
    "THROTTLE_CACHE": "default",
    "THROTTLE_RATES": {
        "register": "600/hour",
        "login": "60/minute",
        "password_change": "60/minute",
        "auth_mutation": "600/hour",
        "account_reauthenticate": "30/hour",
        "password_check": "30/hour",
        "token_create": "600/hour",
        "device_code": "60/minute",
        "device_token": "600/minute",
        "device_approve": "60/minute",
        "oauth_start": "60/minute",
        "oauth_callback": "60/minute",
    },
    # Client addresses: how many reverse proxies in front of Django append to
    # X-Forwarded-For. 0 means the header is ignored and REMOTE_ADDR is used.
    "NUM_PROXIES": 0,
}


class AppSettings:
    """Typed, lazily read view of ``settings.CTFY_AUTH`` merged over :data:`DEFAULTS`."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] | None = None

    def _values(self) -> dict[str, Any]:
        if self._cache is None:
            user = getattr(settings, "CTFY_AUTH", {}) or {}
            unknown = set(user) - set(DEFAULTS)
            if unknown:
                from django.core.exceptions import ImproperlyConfigured

                raise ImproperlyConfigured(
                    f"Unknown CTFY_AUTH setting(s): {', '.join(sorted(unknown))}"
                )
            self._cache = {**DEFAULTS, **user}
        return self._cache

    def get(self, name: str) -> Any:
        return self._values()[name]

    def reload(self) -> None:
        """Forget the cached values; the next read sees the current settings."""
        self._cache = None

    @property
    def PASSWORD_AUTH_ENABLED(self) -> bool:
        """Whether register, login and set/remove password are offered (404 when off)."""
        return bool(self.get("PASSWORD_AUTH_ENABLED"))

    @property
    def PASSWORD_MIN_LENGTH(self) -> int:
        """Shortest password accepted (422 ``validation_error`` below it)."""
        return int(self.get("PASSWORD_MIN_LENGTH"))

    @property
    def PASSWORD_MAX_LENGTH(self) -> int:
        """Longest password accepted."""
        return int(self.get("PASSWORD_MAX_LENGTH"))

    @property
    def COMMON_PASSWORDS(self) -> frozenset[str]:
        """Lower-cased passwords refused with 422 ``weak_password`` (before Django's validators)."""
        return frozenset(p.lower() for p in self.get("COMMON_PASSWORDS"))

    @property
    def FIRST_USER_IS_SUPER_ADMIN(self) -> bool:
        """The first person to register becomes ``super_admin``."""
        return bool(self.get("FIRST_USER_IS_SUPER_ADMIN"))

    @property
    def REVOKE_SESSIONS_ON_PASSWORD_CHANGE(self) -> bool:
        """Revoke the user's other ``pt_`` sessions when the password is set, changed or removed."""
        return bool(self.get("REVOKE_SESSIONS_ON_PASSWORD_CHANGE"))

    @property
    def REVOKE_API_TOKENS_ON_PASSWORD_CHANGE(self) -> bool:
        """Revoke the user's ``pf_`` API tokens too when the password is set, changed or removed."""
        return bool(self.get("REVOKE_API_TOKENS_ON_PASSWORD_CHANGE"))

    @property
    def SESSION_TOKEN_LIFETIME_SECONDS(self) -> int:
        """Lifetime of a ``pt_`` session token minted by a sign-in."""
        return int(self.get("SESSION_TOKEN_LIFETIME_SECONDS"))

    @property
    def SESSION_TOKEN_LABEL(self) -> str:
        """Label stored on session tokens."""
        return str(self.get("SESSION_TOKEN_LABEL"))

    @property
    def REAUTH_WINDOW_SECONDS(self) -> int:
        """Length of the sudo window opened by a sign-in or re-authentication (floor 60)."""
        return max(60, int(self.get("REAUTH_WINDOW_SECONDS")))

    @property
    def LAST_USED_UPDATE_SECONDS(self) -> int:
        """``last_used_at`` is written at most once per this many seconds per token."""
        return int(self.get("LAST_USED_UPDATE_SECONDS"))

    @property
    def CREDENTIAL_CACHE(self) -> str | None:
        """Alias of a shared cache for resolved credentials; ``None`` keeps it off."""
        value = self.get("CREDENTIAL_CACHE")
        return str(value) if value else None

    @property
    def CREDENTIAL_CACHE_SECONDS(self) -> int:
        """Longest life of a cached credential (its tombstone lives twice as long)."""
        return int(self.get("CREDENTIAL_CACHE_SECONDS"))

    @property
    def USER_AGENT_MAX_LENGTH(self) -> int:
        """User agents are truncated to this many characters when stored."""
        return int(self.get("USER_AGENT_MAX_LENGTH"))

    @property
    def SCOPE_CATALOG(self) -> tuple[dict[str, Any], ...]:
        """Grantable token scope categories, in wire order."""
        return tuple(self.get("SCOPE_CATALOG"))

    @property
    def TOKEN_TEMPLATES(self) -> tuple[dict[str, Any], ...]:
        """Named starting points for API tokens, in wire order."""
        return tuple(self.get("TOKEN_TEMPLATES"))

    @property
    def BROAD_TOKEN_TEMPLATE(self) -> str | None:
        """Template taken by a mint that names no scope (ctfy: ``full_access``); None: no grants."""
        value = self.get("BROAD_TOKEN_TEMPLATE")
        return str(value) if value else None

    @property
    def API_TOKEN_LIMIT(self) -> int:
        """Most unrevoked API tokens one user may hold (expired ones count; rotation is exempt)."""
        return int(self.get("API_TOKEN_LIMIT"))

    @property
    def API_TOKEN_DEFAULT_LIFETIME_DAYS(self) -> int:
        """Lifetime of an API token when the request names none."""
        return int(self.get("API_TOKEN_DEFAULT_LIFETIME_DAYS"))

    @property
    def API_TOKEN_MAX_LIFETIME_DAYS(self) -> int:
        """Longest lifetime a request may ask for (0 still means "never expires")."""
        return int(self.get("API_TOKEN_MAX_LIFETIME_DAYS"))

    @property
    def RESOURCE_TYPE(self) -> str:
        """What resource-scoped categories are scoped to (the wire says ``competition``)."""
        return str(self.get("RESOURCE_TYPE"))

    @property
    def RESOURCE_EXISTS(self) -> Callable[[str], bool] | None:
        """``callable(resource_id) -> bool`` (or its dotted path); None accepts any id."""
        value = self.get("RESOURCE_EXISTS")
        if isinstance(value, str):
            return cast("Callable[[str], bool]", import_string(value))
        return cast("Callable[[str], bool] | None", value)

    @property
    def TOKEN_RETENTION_DAYS(self) -> int:
        """Days revoked or expired tokens are kept before the purge command removes them."""
        return int(self.get("TOKEN_RETENTION_DAYS"))

    @property
    def PROVIDERS(self) -> dict[str, dict[str, Any]]:
        """External sign-in providers by name (``github``, ``google``, ``oidc``)."""
        return dict(self.get("PROVIDERS"))

    @property
    def OIDC_DISPLAY_NAME(self) -> str:
        """Deprecated (system check W004): use ``PROVIDERS["oidc"]["display_name"]``."""
        return str(self.get("OIDC_DISPLAY_NAME"))

    @property
    def PROVIDER_HTTP_TIMEOUT_SECONDS(self) -> float:
        """Timeout of each request to a provider (token exchange, profile, discovery, JWKS)."""
        return float(self.get("PROVIDER_HTTP_TIMEOUT_SECONDS"))

    @property
    def OAUTH_FLOW_LIFETIME_SECONDS(self) -> int:
        """How long a sign-in or link started at a provider may take to come back (max 900)."""
        return int(self.get("OAUTH_FLOW_LIFETIME_SECONDS"))

    @property
    def OAUTH_REDIRECT_ORIGIN(self) -> str:
        """Public origin of the provider callback (``https://example.com``); empty: the request."""
        return str(self.get("OAUTH_REDIRECT_ORIGIN") or "")

    @property
    def OAUTH_LANDING_URL(self) -> str:
        """Where a finished sign-in lands, with ``#token=...&redirect_to=...`` appended."""
        return str(self.get("OAUTH_LANDING_URL"))

    @property
    def OAUTH_LINK_LANDING_PATH(self) -> str:
        """The ``redirect_to`` a finished link lands with (ctfy: ``/settings``)."""
        return str(self.get("OAUTH_LINK_LANDING_PATH"))

    @property
    def SUPER_ADMIN_EMAILS(self) -> frozenset[str]:
        """Addresses that make their owner ``super_admin`` once a provider proves them."""
        return frozenset(str(e).strip().lower() for e in self.get("SUPER_ADMIN_EMAILS"))

    @property
    def OAUTH_ISSUER(self) -> str:
        """Absolute URL of the OAuth server (``https://host/oauth``); empty: the server is off."""
        return str(self.get("OAUTH_ISSUER") or "")

    @property
    def DEVICE_CODE_LIFETIME_SECONDS(self) -> int:
        """How long a device request can be approved and polled (``expires_in``)."""
        return int(self.get("DEVICE_CODE_LIFETIME_SECONDS"))

    @property
    def DEVICE_POLL_INTERVAL_SECONDS(self) -> int:
        """Seconds a device waits between polls (``interval``); faster polls read ``pending``."""
        return int(self.get("DEVICE_POLL_INTERVAL_SECONDS"))

    @property
    def DEVICE_VERIFICATION_ORIGIN(self) -> str:
        """Public origin of the approval page (``https://example.com``); empty: the request's."""
        return str(self.get("DEVICE_VERIFICATION_ORIGIN") or "")

    @property
    def DEVICE_FAILED_ENTRY_LIMITS(self) -> dict[str, str]:
        """Wrong user codes allowed per ``account`` and ``client``; past ``global``, an alert."""
        return {**DEFAULTS["DEVICE_FAILED_ENTRY_LIMITS"], **self.get("DEVICE_FAILED_ENTRY_LIMITS")}

    @property
    def THROTTLE_ENABLED(self) -> bool:
        """Master switch for every ctfy_auth rate limit."""
        return bool(self.get("THROTTLE_ENABLED"))

    @property
    def THROTTLE_CACHE(self) -> str:
        """Alias of the Django cache that holds throttle counters (Redis in production)."""
        return str(self.get("THROTTLE_CACHE"))

    @property
    def THROTTLE_RATES(self) -> dict[str, str]:
        """Fixed-window rates per bucket, e.g. ``{"login": "60/minute"}``; merged over defaults."""
        return {**DEFAULTS["THROTTLE_RATES"], **self.get("THROTTLE_RATES")}

    @property
    def NUM_PROXIES(self) -> int:
        """Trusted reverse proxies appending to ``X-Forwarded-For`` (0: ignore the header)."""
        return int(self.get("NUM_PROXIES"))


app_settings = AppSettings()


@receiver(setting_changed)
def _reload_app_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "CTFY_AUTH":
        app_settings.reload()
