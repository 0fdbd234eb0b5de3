"""System checks. IDs are stable and never reused; each has a hint and a test.

* ``ctfy_auth.E001`` AUTH_USER_MODEL is not ctfy_auth's user (or a subclass of its abstract base).
* ``ctfy_auth.W001`` Django's Argon2 hasher (or a subclass) is not first in
  PASSWORD_HASHERS.
* ``ctfy_auth.E002`` BearerTokenMiddleware is placed before AuthenticationMiddleware.
* ``ctfy_auth.W002`` Throttle counters live in a per-process or dummy cache outside DEBUG.
* ``ctfy_auth.E003`` CTFY_AUTH has an unknown key, or a malformed rate in THROTTLE_RATES or
  DEVICE_FAILED_ENTRY_LIMITS.
* ``ctfy_auth.E004`` SCOPE_CATALOG is malformed (missing key, duplicate key, unknown max_level).
* ``ctfy_auth.E005`` A token template would not survive the clamp unchanged, or is malformed.
* ``ctfy_auth.E006`` BROAD_TOKEN_TEMPLATE names no configured template.
* ``ctfy_auth.E007`` A sign-in provider or the OAuth settings are malformed (unknown provider
  type, an OIDC provider without an issuer, a ``trust_email_without_claim`` that is not a
  boolean or not on an OIDC issuer, a flow lifetime outside 1..900 s, a landing URL or
  link landing path that could leave the site, SUPER_ADMIN_EMAILS not a list of addresses).
* ``ctfy_auth.E008`` CREDENTIAL_CACHE names no cache, or one that is not shared between
  processes (local memory, dummy); CREDENTIAL_CACHE_SECONDS is not 1..3600.
* ``ctfy_auth.W003`` CREDENTIAL_CACHE is on while tokens are read from SQLite, whose in-process
  query costs less than a round trip to the cache: the cache makes authentication slower.
* ``ctfy_auth.E009`` A setting has the wrong type: a switch that is not True or False, a number
  that is not a whole number (or not a number), a text that is not a string, COMMON_PASSWORDS
  that is not a list of strings.
* ``ctfy_auth.E010`` A setting is out of its range: below its least value, above its greatest
  (USER_AGENT_MAX_LENGTH above the 512-character column, a SESSION_TOKEN_LABEL longer than the
  64-character column, API_TOKEN_MAX_LIFETIME_DAYS past a hundred years), an empty
  RESOURCE_TYPE, or two settings that contradict each other (PASSWORD_MIN_LENGTH above
  PASSWORD_MAX_LENGTH, API_TOKEN_DEFAULT_LIFETIME_DAYS above API_TOKEN_MAX_LIFETIME_DAYS,
  DEVICE_POLL_INTERVAL_SECONDS not below DEVICE_CODE_LIFETIME_SECONDS).
* ``ctfy_auth.E011`` THROTTLE_CACHE names no cache in CACHES (rate limits, budgets and poll
  spacing all live there).
* ``ctfy_auth.E012`` RESOURCE_EXISTS is neither None, a callable, nor the dotted path of one.
* ``ctfy_auth.E013`` OAUTH_REDIRECT_ORIGIN or DEVICE_VERIFICATION_ORIGIN is not an origin
  (``https://host[:port]``, no path, query, fragment or credentials).
* ``ctfy_auth.E014`` OAUTH_ISSUER is not an absolute http(s) URL without a trailing slash,
  query, fragment or credentials.
* ``ctfy_auth.E015`` The OAuth server is on (OAUTH_ISSUER set) and OAUTH2_PROVIDER lacks one
  of the values ctfy_auth needs (``ctfy_auth.oauth.provider.REQUIRED``: our validator, scopes
  backend and token generators, no ``"__all__"`` default scopes, PKCE required, refresh
  rotation with reuse detection, hashed token storage, ...), or its OIDC_ISS_ENDPOINT is not
  OAUTH_ISSUER.
* ``ctfy_auth.E016`` The OAuth server is on and a signing key (OIDC_RSA_PRIVATE_KEY, or one of
  OIDC_RSA_PRIVATE_KEYS_INACTIVE) is missing, unreadable, not RSA or shorter than 2048 bits.
* ``ctfy_auth.E017`` The OAuth server is on and ctfy_auth's client-secret hasher is not in
  PASSWORD_HASHERS, or is first there (it would hash people's passwords).
* ``ctfy_auth.W004`` OIDC_DISPLAY_NAME is set: it is deprecated (still read in this release);
  PROVIDERS["oidc"]["display_name"] says the same.

Checks read settings through :data:`ctfy_auth.conf.app_settings`, never reload them (its
``setting_changed`` receiver does), and stay quiet when CTFY_AUTH has an unknown key: that is
E003's to report, and nothing else can be read until it is fixed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = [
    "check_credential_cache",
    "check_deprecated_settings",
    "check_middleware",
    "check_oauth_server",
    "check_providers",
    "check_scopes",
    "check_settings",
    "check_throttle_cache",
    "check_user_model_and_hashers",
    "check_values",
]

_ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
_AUTH_MW = "django.contrib.auth.middleware.AuthenticationMiddleware"
_OUR_MW = "ctfy_auth.middleware.BearerTokenMiddleware"
_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.models, Tags.security)
def check_user_model_and_hashers(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from django.apps import apps

    from ctfy_auth.models import AbstractCtfyUser

    problems: list[Any] = []
    try:
        user_model = apps.get_model(settings.AUTH_USER_MODEL, require_ready=False)
    except (LookupError, ValueError):
        user_model = None
    if user_model is None or not issubclass(user_model, AbstractCtfyUser):
        problems.append(
            Error(
                f"AUTH_USER_MODEL is {settings.AUTH_USER_MODEL!r}, which ctfy_auth cannot use.",
                hint='Set AUTH_USER_MODEL = "ctfy_auth.User", or to a model that subclasses '
                "ctfy_auth.models.AbstractCtfyUser.",
                id="ctfy_auth.E001",
            )
        )
    hashers = list(getattr(settings, "PASSWORD_HASHERS", []))
    if not hashers or not _is_argon2(hashers[0]):
        problems.append(
            Warning(
                "Passwords are not hashed with Argon2id: Django's Argon2PasswordHasher is not "
                "first in PASSWORD_HASHERS.",
                hint=f'Put "{_ARGON2}" first; keep older hashers after it so existing hashes '
                "are upgraded at the next sign-in.",
                id="ctfy_auth.W001",
            )
        )
    return problems


def _is_argon2(dotted_path: str) -> bool:
    """Django's Argon2 hasher or a subclass of it (tuned parameters are still Argon2id)."""
    try:
        hasher = import_string(dotted_path)
    except ImportError:
        return False
    return isinstance(hasher, type) and issubclass(hasher, Argon2PasswordHasher)


@register(Tags.compatibility)
def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    middleware = list(getattr(settings, "MIDDLEWARE", []))
    if (
        _OUR_MW in middleware
        and _AUTH_MW in middleware
        and middleware.index(_OUR_MW) < middleware.index(_AUTH_MW)
    ):
        return [
            Error(
                "BearerTokenMiddleware runs before AuthenticationMiddleware, which would "
                "overwrite the bearer user.",
                hint=f'Move "{_OUR_MW}" after "{_AUTH_MW}" in MIDDLEWARE.',
                id="ctfy_auth.E002",
            )
        ]
    return []


@register(Tags.caches)
def check_throttle_cache(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from ctfy_auth.conf import app_settings

    try:
        enabled = app_settings.THROTTLE_ENABLED
        alias = app_settings.get("THROTTLE_CACHE")
    except ImproperlyConfigured:
        return []  # reported by check_settings
    if not isinstance(alias, str):
        return []  # reported by check_values
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if not backend:
        # Whatever THROTTLE_ENABLED says: the device budgets and poll spacing use it too.
        return [
            Error(
                f"CTFY_AUTH['THROTTLE_CACHE'] is {alias!r}, which names no cache in CACHES: "
                "every sign-in and device approval would answer 503.",
                hint="Name a CACHES alias, a shared one such as Redis in production.",
                id="ctfy_auth.E011",
            )
        ]
    if settings.DEBUG or not enabled:
        return []
    if backend in _LOCAL_CACHES:
        return [
            Warning(
                f"ctfy_auth throttles use the cache {alias!r} ({backend}), which is "
                "not shared between processes: every worker counts on its own.",
                hint="Point CTFY_AUTH['THROTTLE_CACHE'] at a shared cache such as Redis "
                "(django.core.cache.backends.redis.RedisCache).",
                id="ctfy_auth.W002",
            )
        ]
    return []


@register(Tags.caches, Tags.security)
def check_credential_cache(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from ctfy_auth.conf import app_settings

    try:
        alias = app_settings.get("CREDENTIAL_CACHE")
        seconds = app_settings.get("CREDENTIAL_CACHE_SECONDS")
    except ImproperlyConfigured:
        return []  # reported by check_settings
    problems: list[Any] = []
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 1 <= seconds <= 3600:
        problems.append(
            Error(
                f"CTFY_AUTH['CREDENTIAL_CACHE_SECONDS'] is {seconds!r}; give whole seconds "
                "from 1 to 3600.",
                id="ctfy_auth.E008",
            )
        )
    if alias is None:
        return problems
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "") if isinstance(alias, str) else ""
    if not backend:
        problems.append(
            Error(
                f"CTFY_AUTH['CREDENTIAL_CACHE'] is {alias!r}, which names no cache in CACHES.",
                hint="Name a CACHES alias (Redis), or None to turn the credential cache off.",
                id="ctfy_auth.E008",
            )
        )
    elif backend in _LOCAL_CACHES:
        problems.append(
            Error(
                f"CTFY_AUTH['CREDENTIAL_CACHE'] is {alias!r} ({backend}), which is not shared "
                "between processes: a revoked token would stay valid in other workers.",
                hint="Point it at a shared cache such as Redis "
                "(django.core.cache.backends.redis.RedisCache), or set it to None.",
                id="ctfy_auth.E008",
            )
        )
    elif (sqlite := _sqlite_token_database()) is not None:
        problems.append(
            Warning(
                f"CTFY_AUTH['CREDENTIAL_CACHE'] is {alias!r} while tokens are read from the "
                f"SQLite database {sqlite!r}: a query of SQLite never leaves "
                "the process and costs less than a round trip to the cache, so the cache makes "
                "every authenticated request slower (benchmarks/README.md, variant f).",
                hint="Set it to None with SQLite; use it with PostgreSQL or another database "
                "server.",
                id="ctfy_auth.W003",
            )
        )
    return problems


def _sqlite_token_database() -> str | None:
    """The alias tokens are read from when it is a SQLite database, else ``None``."""
    from django.db import router

    from ctfy_auth.models import Token

    alias = router.db_for_read(Token)
    engine = settings.DATABASES.get(alias, {}).get("ENGINE", "")
    return alias if "sqlite3" in engine or "spatialite" in engine else None


#: Rate-valued settings: name → the keys it accepts (None: any key, e.g. host buckets).
_RATE_SETTINGS: dict[str, frozenset[str] | None] = {
    "THROTTLE_RATES": None,
    "DEVICE_FAILED_ENTRY_LIMITS": frozenset({"account", "client", "global"}),
}


def _rate_problem(rate: Any) -> str | None:
    """Why ``rate`` is not a usable ``"<count>/<period>"``, or None when it is.

    The limiter reads a falsy rate as "no limit", so None and "" are refused here:
    ``THROTTLE_ENABLED`` is the documented switch, and a typo must not open the door.
    """
    from ctfy_auth.throttling import parse_rate

    if not isinstance(rate, str) or not rate.strip():
        return f"{rate!r} is not a rate"
    try:
        count, _seconds, _unit = parse_rate(rate)
    except ValueError:
        return f"{rate!r} is not a rate"
    if count < 1:
        return f"{rate!r} allows nothing"
    return None


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from ctfy_auth.conf import app_settings

    try:
        values = {name: app_settings.get(name) for name in _RATE_SETTINGS}
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="See docs/settings.md for the keys.", id="ctfy_auth.E003")]
    problems: list[Any] = []
    for name, allowed in _RATE_SETTINGS.items():
        given = values[name]
        if not isinstance(given, dict):
            problems.append(
                Error(
                    f"CTFY_AUTH[{name!r}] is {given!r}, not a dict of rates.",
                    hint='Give a dict such as {"login": "60/minute"}; it is merged over the '
                    "defaults.",
                    id="ctfy_auth.E003",
                )
            )
            continue
        for key, rate in given.items():
            if allowed is not None and key not in allowed:
                problems.append(
                    Error(
                        f"CTFY_AUTH[{name!r}] has an unknown key {key!r}.",
                        hint=f"Its keys are {', '.join(sorted(allowed))}.",
                        id="ctfy_auth.E003",
                    )
                )
            elif reason := _rate_problem(rate):
                problems.append(
                    Error(
                        f"CTFY_AUTH[{name!r}][{key!r}] is malformed: {reason}.",
                        hint='Rates look like "60/minute" or "600/hour" (a positive count per '
                        "second, minute, hour or day). To turn rate limits off, set "
                        "THROTTLE_ENABLED to False.",
                        id="ctfy_auth.E003",
                    )
                )
    return problems


@register()
def check_scopes(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from ctfy_auth import scopes
    from ctfy_auth.conf import app_settings

    try:
        catalog = app_settings.get("SCOPE_CATALOG")
        templates = app_settings.get("TOKEN_TEMPLATES")
        broad = app_settings.BROAD_TOKEN_TEMPLATE
    except ImproperlyConfigured:
        return []  # reported by check_settings
    if not isinstance(catalog, list | tuple):
        return [
            Error(
                f"CTFY_AUTH['SCOPE_CATALOG'] is {type(catalog).__name__}, not a list of "
                "categories.",
                hint="Give a list (or tuple) of dicts, such as "
                "ctfy_auth.presets.CTFY_SCOPE_CATALOG.",
                id="ctfy_auth.E004",
            )
        ]
    if not isinstance(templates, list | tuple):
        return [
            Error(
                f"CTFY_AUTH['TOKEN_TEMPLATES'] is {type(templates).__name__}, not a list of "
                "templates.",
                hint="Give a list (or tuple) of dicts, such as "
                "ctfy_auth.presets.CTFY_TOKEN_TEMPLATES.",
                id="ctfy_auth.E005",
            )
        ]
    problems: list[Any] = []
    seen: set[str] = set()
    for entry in catalog:
        key = entry.get("key") if isinstance(entry, dict) else None
        if not key or key in seen or entry.get("max_level", "write") not in scopes.LEVELS:
            problems.append(
                Error(
                    f"CTFY_AUTH['SCOPE_CATALOG'] has a malformed entry: {entry!r}",
                    hint='Each entry is {"key": unique str, "label", "description", '
                    '"resource_scoped": bool, "max_level": "read"|"write"}.',
                    id="ctfy_auth.E004",
                )
            )
        seen.add(str(key))
    if problems:
        return problems
    names: set[str] = set()
    for tpl in templates:
        name = tpl.get("name") if isinstance(tpl, dict) else None
        raw = tpl.get("permissions", {}) if isinstance(tpl, dict) else {}
        unknown = set(raw) - seen
        if (
            not name
            or name in names
            or unknown
            or tpl.get("resource_access", "none") not in {"none", "all"}
            or scopes.clamp(raw) != scopes.dense(raw)
        ):
            problems.append(
                Error(
                    f"Token template {name!r} would not be granted as published.",
                    hint="Template names are unique, resource_access is none or all, and every "
                    "permission names a catalog key at or below its max_level.",
                    id="ctfy_auth.E005",
                )
            )
        names.add(str(name))
    if broad is not None and broad not in names:
        problems.append(
            Error(
                f"CTFY_AUTH['BROAD_TOKEN_TEMPLATE'] is {broad!r}, which is not a template.",
                hint="Name one of TOKEN_TEMPLATES, or None to give scope-less mints no grants.",
                id="ctfy_auth.E006",
            )
        )
    return problems


def _provider_problems(app_settings: Any) -> list[str]:
    from ctfy_auth.providers.registry import PROVIDER_TYPES
    from ctfy_auth.redirects import safe_redirect

    problems: list[str] = []
    providers = app_settings.get("PROVIDERS")
    if not isinstance(providers, dict):
        return [f"CTFY_AUTH['PROVIDERS'] is {type(providers).__name__}, not a dict."]
    for name, entry in providers.items():
        if not isinstance(entry, dict):
            problems.append(f"PROVIDERS[{name!r}] is not a dict.")
            continue
        kind = str(entry.get("type") or name)
        if kind not in PROVIDER_TYPES:
            problems.append(
                f"PROVIDERS[{name!r}] has no known type: name it github, google or oidc, or set "
                f"'type' to one of {', '.join(PROVIDER_TYPES)}."
            )
        elif kind == "oidc" and not (entry.get("issuer") or entry.get("discovery_url")):
            problems.append(f"PROVIDERS[{name!r}] is an OIDC provider without an 'issuer'.")
        trust = entry.get("trust_email_without_claim", False)
        if not isinstance(trust, bool) or (trust and kind not in ("oidc", "google")):
            problems.append(
                f"PROVIDERS[{name!r}]['trust_email_without_claim'] is {trust!r}; it is True or "
                "False, and only for an OIDC issuer (oidc, google)."
            )
    lifetime = app_settings.get("OAUTH_FLOW_LIFETIME_SECONDS")
    if not isinstance(lifetime, int) or not 1 <= lifetime <= 900:
        problems.append(f"OAUTH_FLOW_LIFETIME_SECONDS is {lifetime!r}; it must be 1..900.")
    landing = app_settings.get("OAUTH_LANDING_URL")
    absolute = isinstance(landing, str) and landing.startswith("https://") and "#" not in landing
    if not (absolute or (isinstance(landing, str) and safe_redirect(landing, "") == landing)):
        problems.append(
            f"OAUTH_LANDING_URL is {landing!r}; give a path on this site (/auth/callback) or an "
            "https:// URL of your front end, without a fragment."
        )
    link_path = app_settings.get("OAUTH_LINK_LANDING_PATH")
    if not isinstance(link_path, str) or safe_redirect(link_path, "") != link_path:
        problems.append(f"OAUTH_LINK_LANDING_PATH is {link_path!r}; give a path such as /settings.")
    emails = app_settings.get("SUPER_ADMIN_EMAILS")
    if not isinstance(emails, list | tuple | set | frozenset) or not all(
        isinstance(e, str) and "@" in e for e in emails
    ):
        problems.append("SUPER_ADMIN_EMAILS must be a list of email addresses.")
    return problems


@register()
def check_providers(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from ctfy_auth.conf import app_settings

    try:
        problems = _provider_problems(app_settings)
    except ImproperlyConfigured:
        return []  # check_settings reports the unknown key
    return [
        Error(problem, hint="See docs/settings.md#sign-in-providers.", id="ctfy_auth.E007")
        for problem in problems
    ]


# --- every other key: its type, its range, what it names -------------------------------------

#: Settings that are True or False.
_SWITCHES = (
    "PASSWORD_AUTH_ENABLED",
    "FIRST_USER_IS_SUPER_ADMIN",
    "REVOKE_SESSIONS_ON_PASSWORD_CHANGE",
    "REVOKE_API_TOKENS_ON_PASSWORD_CHANGE",
    "THROTTLE_ENABLED",
)

#: The latest expiry a token may be given, in days: later ones overflow Python's dates within
#: a few thousand years, and 0 (never expires) is there for anything longer.
_MAX_LIFETIME_DAYS = 36500

#: Whole-number settings: name → (least, greatest or None, why the greatest).
#: CREDENTIAL_CACHE_SECONDS (E008) and OAUTH_FLOW_LIFETIME_SECONDS (E007) are checked there.
_WHOLE_NUMBERS: dict[str, tuple[int, int | None, str]] = {
    "PASSWORD_MIN_LENGTH": (1, None, ""),
    "PASSWORD_MAX_LENGTH": (1, None, ""),
    "SESSION_TOKEN_LIFETIME_SECONDS": (1, None, ""),
    "REAUTH_WINDOW_SECONDS": (1, None, ""),
    "LAST_USED_UPDATE_SECONDS": (0, None, ""),
    "USER_AGENT_MAX_LENGTH": (0, 512, "the user_agent columns hold 512 characters"),
    "API_TOKEN_LIMIT": (0, None, ""),
    "API_TOKEN_DEFAULT_LIFETIME_DAYS": (0, None, ""),
    "API_TOKEN_MAX_LIFETIME_DAYS": (
        1,
        _MAX_LIFETIME_DAYS,
        "a later expiry overflows Python's dates; 0 in a request already means never",
    ),
    "TOKEN_RETENTION_DAYS": (0, None, ""),
    "DEVICE_CODE_LIFETIME_SECONDS": (1, None, ""),
    "DEVICE_POLL_INTERVAL_SECONDS": (1, None, ""),
    "NUM_PROXIES": (0, None, ""),
}

#: Text settings: name → the longest it may be (None: any length).
_TEXTS: dict[str, int | None] = {
    "SESSION_TOKEN_LABEL": 64,  # the label column
    "RESOURCE_TYPE": None,
    "THROTTLE_CACHE": None,
    "OIDC_DISPLAY_NAME": None,
    "OAUTH_REDIRECT_ORIGIN": None,
    "DEVICE_VERIFICATION_ORIGIN": None,
    "OAUTH_ISSUER": None,
}

#: Settings that are a public origin, or empty for "the request's".
_ORIGINS = ("OAUTH_REDIRECT_ORIGIN", "DEVICE_VERIFICATION_ORIGIN")

_SETTINGS_HINT = "See docs/settings.md#{anchor}."


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _type_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """``(key, what it should be)`` for every value of the wrong type."""
    wrong: list[tuple[str, str]] = []
    wrong += [(k, "True or False") for k in _SWITCHES if not isinstance(values[k], bool)]
    wrong += [(k, "a whole number") for k in _WHOLE_NUMBERS if not _is_whole(values[k])]
    wrong += [
        (k, "a string")
        for k in _TEXTS
        if not isinstance(values[k], str) and not (k in _ORIGINS and values[k] is None)
    ]
    timeout = values["PROVIDER_HTTP_TIMEOUT_SECONDS"]
    if not isinstance(timeout, int | float) or isinstance(timeout, bool):
        wrong.append(("PROVIDER_HTTP_TIMEOUT_SECONDS", "a number of seconds"))
    common = values["COMMON_PASSWORDS"]
    if not isinstance(common, list | tuple | set | frozenset) or not all(
        isinstance(p, str) for p in common
    ):
        wrong.append(("COMMON_PASSWORDS", "a list of strings"))
    return wrong


def _range_problems(values: dict[str, Any], mistyped: set[str]) -> list[tuple[str, str]]:
    """``(message, hint)`` for every well-typed value outside its range."""
    problems: list[tuple[str, str]] = []
    for key, (low, high, why) in _WHOLE_NUMBERS.items():
        value = values[key]
        if key in mistyped or (low <= value and (high is None or value <= high)):
            continue
        span = f"from {low} to {high}" if high is not None else f"{low} or more"
        problems.append(
            (
                f"CTFY_AUTH[{key!r}] is {value!r}; it must be {span}.",
                f"Give a whole number {span}" + (f" ({why})." if why else "."),
            )
        )
    for key, longest in _TEXTS.items():
        value = values[key]
        if key not in mistyped and longest is not None and len(value) > longest:
            problems.append(
                (
                    f"CTFY_AUTH[{key!r}] is {len(value)} characters long; its column holds "
                    f"{longest}.",
                    f"Give at most {longest} characters.",
                )
            )
    if "RESOURCE_TYPE" not in mistyped and not values["RESOURCE_TYPE"].strip():
        problems.append(
            (
                "CTFY_AUTH['RESOURCE_TYPE'] is empty; error messages and Django admin name it.",
                'Name your resource type, such as "competition".',
            )
        )
    timeout = values["PROVIDER_HTTP_TIMEOUT_SECONDS"]
    if "PROVIDER_HTTP_TIMEOUT_SECONDS" not in mistyped and timeout <= 0:
        problems.append(
            (
                f"CTFY_AUTH['PROVIDER_HTTP_TIMEOUT_SECONDS'] is {timeout!r}; a sign-in would "
                "never wait for the provider.",
                "Give a number of seconds above 0, such as 10.",
            )
        )
    for smaller, larger, strict in (
        ("PASSWORD_MIN_LENGTH", "PASSWORD_MAX_LENGTH", False),
        ("API_TOKEN_DEFAULT_LIFETIME_DAYS", "API_TOKEN_MAX_LIFETIME_DAYS", False),
        ("DEVICE_POLL_INTERVAL_SECONDS", "DEVICE_CODE_LIFETIME_SECONDS", True),
    ):
        if smaller in mistyped or larger in mistyped:
            continue
        a, b = values[smaller], values[larger]
        if a > b or (strict and a == b):
            relation = "below" if strict else "at most"
            problems.append(
                (
                    f"CTFY_AUTH[{smaller!r}] is {a!r}, not {relation} {larger} ({b!r}).",
                    f"Keep {smaller} {relation} {larger}.",
                )
            )
    return problems


def _resource_exists_problem(value: Any) -> str | None:
    """Why RESOURCE_EXISTS cannot be called, or None when it can (or is None)."""
    if value is None or (callable(value) and not isinstance(value, str)):
        return None
    if not isinstance(value, str):
        return f"is {type(value).__name__}, not a callable"
    try:
        target = import_string(value)
    except ImportError as exc:
        return f"is {value!r}, which cannot be imported ({exc})"
    return None if callable(target) else f"is {value!r}, which is not callable"


def _origin_problem(value: str) -> str | None:
    """Why ``value`` is not ``scheme://host[:port]`` (or empty), or None."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
        _port = parts.port  # raises for a malformed port
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "is not an http(s) origin"
    if parts.path not in ("", "/") or parts.query or parts.fragment or "#" in value:
        return "has a path, query or fragment; the mounted path is added to it"
    if parts.username is not None or parts.password is not None:
        return "carries credentials"
    return None


@register()
def check_values(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from ctfy_auth.conf import DEFAULTS, app_settings

    try:
        values = {name: app_settings.get(name) for name in DEFAULTS}
    except ImproperlyConfigured:
        return []  # reported by check_settings
    problems: list[Any] = []
    mistyped = _type_problems(values)
    for key, what in mistyped:
        problems.append(
            Error(
                f"CTFY_AUTH[{key!r}] is {type(values[key]).__name__} {values[key]!r}, not {what}.",
                hint=f"Give {what}. " + _SETTINGS_HINT.format(anchor=key.lower()),
                id="ctfy_auth.E009",
            )
        )
    for message, hint in _range_problems(values, {key for key, _what in mistyped}):
        problems.append(Error(message, hint=hint, id="ctfy_auth.E010"))
    if reason := _resource_exists_problem(values["RESOURCE_EXISTS"]):
        problems.append(
            Error(
                f"CTFY_AUTH['RESOURCE_EXISTS'] {reason}.",
                hint="Give None (any id exists), a callable resource_id -> bool, or its dotted "
                'path such as "demo.models.competition_exists".',
                id="ctfy_auth.E012",
            )
        )
    for key in _ORIGINS:
        value = values[key]
        if isinstance(value, str) and (reason := _origin_problem(value)):
            problems.append(
                Error(
                    f"CTFY_AUTH[{key!r}] is {value!r}, which {reason}.",
                    hint='Give the public origin only, such as "https://ctf.example.org", or '
                    '"" to use the origin of each request.',
                    id="ctfy_auth.E013",
                )
            )
    return problems


@register()
def check_deprecated_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from ctfy_auth.conf import app_settings

    try:
        display_name = app_settings.get("OIDC_DISPLAY_NAME")
    except ImproperlyConfigured:
        return []  # reported by check_settings
    if not display_name:
        return []
    return [
        Warning(
            "CTFY_AUTH['OIDC_DISPLAY_NAME'] is deprecated and will be removed in the next "
            "release; it still names the generic oidc provider for now.",
            hint='Move it into the provider\'s entry: CTFY_AUTH["PROVIDERS"]["oidc"]'
            '["display_name"], which already wins when both are set.',
            id="ctfy_auth.W004",
        )
    ]


# --- the OAuth server ------------------------------------------------------------------------

_CLIENT_SECRET_HASHER = "ctfy_auth.oauth.hashers.ClientSecretHasher"


def _issuer_problem(value: str) -> str | None:
    """Why ``value`` cannot be an issuer identifier, or None."""
    try:
        parts = urlsplit(value)
        _port = parts.port
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "is not an absolute http(s) URL"
    if parts.query or parts.fragment or "#" in value or "?" in value:
        return "has a query or fragment"
    if value.endswith("/"):
        return "ends with a slash (clients append /token, /jwks, ... to it)"
    if parts.username is not None or parts.password is not None:
        return "carries credentials"
    return None


@register(Tags.security)
def check_oauth_server(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from ctfy_auth.conf import app_settings

    try:
        issuer = app_settings.get("OAUTH_ISSUER")
    except ImproperlyConfigured:
        return []  # reported by check_settings
    if not isinstance(issuer, str) or not issuer:
        return []  # off (a wrong type is E009's)
    hint = "See docs/oauth.md#setup."
    if reason := _issuer_problem(issuer):
        return [
            Error(
                f"CTFY_AUTH['OAUTH_ISSUER'] is {issuer!r}, which {reason}.",
                hint="Give the absolute URL the OAuth routes are mounted at, such as "
                '"https://ctf.example.org/oauth".',
                id="ctfy_auth.E014",
            )
        ]
    from oauth2_provider.settings import oauth2_settings

    from ctfy_auth.oauth.keys import key_problem
    from ctfy_auth.oauth.provider import requirement_problems

    problems: list[Any] = []
    for key, value, wanted in requirement_problems(oauth2_settings):
        problems.append(
            Error(
                f"OAUTH2_PROVIDER[{key!r}] is {value!r}; ctfy_auth's OAuth server needs {wanted}.",
                hint="Merge ctfy_auth.oauth.provider.OAUTH2_PROVIDER_SETTINGS into OAUTH2_PROVIDER "
                "and do not override this key. " + hint,
                id="ctfy_auth.E015",
            )
        )
    if issuer != oauth2_settings.OIDC_ISS_ENDPOINT:
        problems.append(
            Error(
                f"OAUTH2_PROVIDER['OIDC_ISS_ENDPOINT'] is {oauth2_settings.OIDC_ISS_ENDPOINT!r}, "
                f"not CTFY_AUTH['OAUTH_ISSUER'] ({issuer!r}).",
                hint='Set OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"] = CTFY_AUTH["OAUTH_ISSUER"]. '
                + hint,
                id="ctfy_auth.E015",
            )
        )
    keys = [("OIDC_RSA_PRIVATE_KEY", oauth2_settings.OIDC_RSA_PRIVATE_KEY)]
    keys += [
        (f"OIDC_RSA_PRIVATE_KEYS_INACTIVE[{n}]", pem)
        for n, pem in enumerate(oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE or ())
    ]
    for name, pem in keys:
        if reason := key_problem(pem):
            problems.append(
                Error(
                    f"The OAuth signing key OAUTH2_PROVIDER[{name!r}] {reason}.",
                    hint="Generate one with `manage.py ctfy_auth_generate_oauth_key` and give its "
                    "PEM text to OAUTH2_PROVIDER['OIDC_RSA_PRIVATE_KEY']. " + hint,
                    id="ctfy_auth.E016",
                )
            )
    hashers = list(getattr(settings, "PASSWORD_HASHERS", []))
    if _CLIENT_SECRET_HASHER not in hashers or hashers[0] == _CLIENT_SECRET_HASHER:
        problems.append(
            Error(
                "OAuth client secrets cannot be hashed: "
                + (
                    f"{_CLIENT_SECRET_HASHER} is first in PASSWORD_HASHERS (it would hash "
                    "people's passwords)."
                    if hashers and hashers[0] == _CLIENT_SECRET_HASHER
                    else f"{_CLIENT_SECRET_HASHER} is not in PASSWORD_HASHERS."
                ),
                hint=f'Add "{_CLIENT_SECRET_HASHER}" to PASSWORD_HASHERS after Argon2. ' + hint,
                id="ctfy_auth.E017",
            )
        )
    return problems
