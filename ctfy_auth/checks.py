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
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = [
    "check_credential_cache",
    "check_middleware",
    "check_providers",
    "check_scopes",
    "check_settings",
    "check_throttle_cache",
    "check_user_model_and_hashers",
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
        if settings.DEBUG or not app_settings.THROTTLE_ENABLED:
            return []
        alias = app_settings.THROTTLE_CACHE
    except ImproperlyConfigured:
        return []  # reported by check_settings
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if backend in _LOCAL_CACHES or not backend:
        return [
            Warning(
                f"ctfy_auth throttles use the cache {alias!r} ({backend or 'missing'}), which is "
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

    app_settings.reload()
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
        catalog = app_settings.SCOPE_CATALOG
        templates = app_settings.TOKEN_TEMPLATES
        broad = app_settings.BROAD_TOKEN_TEMPLATE
    except ImproperlyConfigured:
        return []  # reported by check_settings
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
    if isinstance(emails, str) or not all(isinstance(e, str) and "@" in e for e in emails or ()):
        problems.append("SUPER_ADMIN_EMAILS must be a list of email addresses.")
    return problems


@register()
def check_providers(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from ctfy_auth.conf import app_settings

    try:
        app_settings.reload()
        problems = _provider_problems(app_settings)
    except ImproperlyConfigured:
        return []  # check_settings reports the unknown key
    return [
        Error(problem, hint="See docs/settings.md#sign-in-providers.", id="ctfy_auth.E007")
        for problem in problems
    ]
