"""Settings of the ctfy_auth example project: a host that behaves like the ctfy platform.

Environment:
  DATABASE_URL   default sqlite:///<this folder>/db.sqlite3 (PostgreSQL: postgres://...)
  REDIS_URL      default: a local-memory cache (use Redis in production: throttles are shared)
  CTFY_CREDENTIAL_CACHE  "1" to keep resolved credentials in Redis, "0" not to (default: on with
                 REDIS_URL and PostgreSQL; off with SQLite, where the cache is slower than a query)
  DJANGO_DEBUG   "1" to enable DEBUG (default off)
  DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS (comma-separated)

Sign-in providers (docs/identities.md); each is enabled once its client id is set:
  CTFY_AUTH_GITHUB_CLIENT_ID, CTFY_AUTH_GITHUB_CLIENT_SECRET
  CTFY_AUTH_GOOGLE_CLIENT_ID, CTFY_AUTH_GOOGLE_CLIENT_SECRET
  CTFY_AUTH_OIDC_ISSUER, CTFY_AUTH_OIDC_CLIENT_ID, CTFY_AUTH_OIDC_CLIENT_SECRET,
    CTFY_AUTH_OIDC_DISPLAY_NAME (any OpenID Connect issuer, found by discovery)
  CTFY_SUPER_ADMIN_EMAILS (comma-separated): super-admins once a provider proves the address
  CTFY_PUBLIC_ORIGIN: the public origin of the callback URL (default: the request's)

OAuth server (docs/oauth.md), mounted at /oauth:
  CTFY_OAUTH_ISSUER  default http://127.0.0.1:8000/oauth ("" turns the server off)
  CTFY_OAUTH_SIGNING_KEY_FILE  PEM of the RS256 key; default oauth_signing_key.pem beside
                 manage.py, written on first start when missing (a demo convenience: in
                 production, make one with `manage.py ctfy_auth_generate_oauth_key`)
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

import ctfy_auth
from ctfy_auth.oauth.keys import generate_pem
from ctfy_auth.oauth.provider import OAUTH2_PROVIDER_SETTINGS
from ctfy_auth.presets import CTFY_BROAD_TEMPLATE, CTFY_SCOPE_CATALOG, CTFY_TOKEN_TEMPLATES

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DJANGO_DEBUG", "0").lower() in {"1", "true", "yes", "on"}
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "example-project-insecure-key-change-me-0123456789abcdefghijkl"
)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here, not a CDN
    "ctfy_auth",
    "demo",  # shows scope enforcement in host views
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ctfy_auth.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# The ctfy SDK never sends a trailing slash; never redirect to one.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Keep connections open: reconnecting per request costs more than authenticating.
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Every transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE) and waits up
    # to `timeout` seconds for it; a deferred one that reads, then writes, fails at once with
    # "database is locked" (a 503) when another request writes at the same time.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# In front of PostgreSQL the cache spares a query; in front of SQLite, whose queries never leave
# the process, a round trip to Redis costs more than the query (system check ctfy_auth.W003).
_on_sqlite = "sqlite" in DATABASES["default"]["ENGINE"]
_credential_cache = bool(os.environ.get("REDIS_URL")) and (
    os.environ.get("CTFY_CREDENTIAL_CACHE", "0" if _on_sqlite else "1") == "1"
)

AUTH_USER_MODEL = "ctfy_auth.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "ctfy_auth.oauth.hashers.ClientSecretHasher",  # OAuth client secrets only
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

CTFY_AUTH = {
    "SCOPE_CATALOG": CTFY_SCOPE_CATALOG,
    "TOKEN_TEMPLATES": CTFY_TOKEN_TEMPLATES,
    "BROAD_TOKEN_TEMPLATE": CTFY_BROAD_TEMPLATE,
    "API_TOKEN_LIMIT": 20,
    "RESOURCE_TYPE": "competition",
    "RESOURCE_EXISTS": "demo.models.competition_exists",
    "PASSWORD_AUTH_ENABLED": True,
    "REAUTH_WINDOW_SECONDS": 900,
    "SESSION_TOKEN_LIFETIME_SECONDS": 90 * 24 * 3600,
    "NUM_PROXIES": int(os.environ.get("CTFY_NUM_PROXIES", "0")),
    # Resolved credentials in Redis (docs/settings.md#credential_cache).
    "CREDENTIAL_CACHE": "default" if _credential_cache else None,
    # Credentials come from CTFY_AUTH_<NAME>_CLIENT_ID / _CLIENT_SECRET in the environment.
    "PROVIDERS": {"github": {}, "google": {}},
    "SUPER_ADMIN_EMAILS": [
        e.strip() for e in os.environ.get("CTFY_SUPER_ADMIN_EMAILS", "").split(",") if e.strip()
    ],
    "OAUTH_REDIRECT_ORIGIN": os.environ.get("CTFY_PUBLIC_ORIGIN", ""),
    "OAUTH_ISSUER": os.environ.get("CTFY_OAUTH_ISSUER", "http://127.0.0.1:8000/oauth"),
}
if os.environ.get("CTFY_AUTH_OIDC_ISSUER"):
    CTFY_AUTH["PROVIDERS"]["oidc"] = {  # type: ignore[index]
        "issuer": os.environ["CTFY_AUTH_OIDC_ISSUER"],
        "display_name": os.environ.get("CTFY_AUTH_OIDC_DISPLAY_NAME", ""),
    }


def _signing_key() -> str:
    """The demo's RS256 key: the file named by the environment, created once when missing."""
    path = Path(os.environ.get("CTFY_OAUTH_SIGNING_KEY_FILE") or BASE_DIR / "oauth_signing_key.pem")
    try:
        # O_EXCL: of several processes starting at once, exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(generate_pem())
    for _attempt in range(50):  # another process may still be writing it
        pem = path.read_text()
        if pem.strip().endswith("-----END PRIVATE KEY-----"):
            return pem
        import time

        time.sleep(0.1)
    return pem


OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER_SETTINGS,
    "OIDC_ISS_ENDPOINT": CTFY_AUTH["OAUTH_ISSUER"],
    "OIDC_RSA_PRIVATE_KEY": _signing_key() if CTFY_AUTH["OAUTH_ISSUER"] else "",
}

# The OpenAPI description of ctfy_auth's routes: /api/v1/schema, and Swagger UI at /api/v1/docs.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "ctfy_auth",
    "DESCRIPTION": "Accounts, sign-in identities, scoped API tokens and the device flow.",
    "VERSION": ctfy_auth.__version__,
    "OAS_VERSION": "3.0.3",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # ctfy_auth's routes only: not the demo app's, nor the schema's own.
    "PREPROCESSING_HOOKS": ["ctfy_auth.api.schema.ctfy_auth_endpoints_only"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from drf-spectacular-sidecar, so the page works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
