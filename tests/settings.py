"""Test settings: SQLite in memory by default; ``DATABASE_URL`` switches the same suite to
PostgreSQL and ``REDIS_URL`` puts the cache (throttle counters) on Redis."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

import ctfy_auth
from ctfy_auth.oauth.keys import generate_pem
from ctfy_auth.oauth.provider import OAUTH2_PROVIDER_SETTINGS
from ctfy_auth.presets import CTFY_BROAD_TEMPLATE, CTFY_SCOPE_CATALOG, CTFY_TOKEN_TEMPLATES

# The example project's demo app (host views protected by scopes) runs in this suite too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "example_project"))

SECRET_KEY = "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "Europe/Paris"  # not UTC on purpose: the wire must still say Z

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
    "demo",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ctfy_auth.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.urls"
APPEND_SLASH = False
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or "sqlite://:memory:")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # As docs/install.md recommends for SQLite: writers queue for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )


def _redis_url_for_worker(url: str) -> str:
    """One Redis database per xdist worker: the cache fixture's clear() is a FLUSHDB."""
    base, _sep, db = url.rpartition("/")
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    return f"{base}/{int(db or 0) + worker}"


if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url_for_worker(os.environ["REDIS_URL"]),
            "KEY_PREFIX": f"ctfy-tests-{os.getpid()}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "ctfy_auth.User"
# Real Argon2id, with cheap parameters so the suite stays fast (see tests/conftest.py).
PASSWORD_HASHERS = [
    "tests.hashers.FastArgon2PasswordHasher",
    "ctfy_auth.oauth.hashers.ClientSecretHasher",  # OAuth client secrets (docs/oauth.md)
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

CTFY_AUTH = {
    "SCOPE_CATALOG": CTFY_SCOPE_CATALOG,
    "TOKEN_TEMPLATES": CTFY_TOKEN_TEMPLATES,
    "BROAD_TOKEN_TEMPLATE": CTFY_BROAD_TEMPLATE,
    "OAUTH_ISSUER": "http://testserver/oauth",
}
# The OAuth server (docs/oauth.md): a signing key per test process (2048 bits: fast to make).
OAUTH2_PROVIDER = {
    **OAUTH2_PROVIDER_SETTINGS,
    "OIDC_ISS_ENDPOINT": CTFY_AUTH["OAUTH_ISSUER"],
    "OIDC_RSA_PRIVATE_KEY": generate_pem(2048),
}
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The OpenAPI description (/api/v1/schema, /api/v1/docs), as the example project serves it.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "ctfy_auth",
    "DESCRIPTION": "Accounts, sign-in identities, scoped API tokens and the device flow.",
    "VERSION": ctfy_auth.__version__,
    "OAS_VERSION": "3.0.3",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["ctfy_auth.api.schema.ctfy_auth_endpoints_only"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
