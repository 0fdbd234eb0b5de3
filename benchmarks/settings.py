"""Django settings for the benchmarks: one host project with all four token schemes installed.

DRF's ``authtoken``, django-rest-knox, django-oauth-toolkit and ctfy_auth share one user model
(``ctfy_auth.User``) and one database, so every variant authenticates the same user against the
same tables. Environment (set by ``benchmarks.run``; the defaults suit a quick manual try):

  BENCH_DATABASE_URL         the default database (default: a SQLite file in the temp directory)
  BENCH_EXTRA_DATABASES      JSON ``{"alias": "url", ...}``: more databases (the scale benchmark's)
  BENCH_REDIS_URL            the cache (default: local memory)
  BENCH_CREDENTIAL_CACHE_URL Redis for variant (f), ctfy_auth's credential cache (default: none)
  BENCH_THROTTLE_RATES_HIGH  "1" (default) keeps ctfy_auth's limiter on, at rates a benchmark
                             cannot reach, so its cost is measured but never refuses a request
  DJANGO_ALLOWED_HOSTS       comma-separated (default 127.0.0.1,localhost,testserver)
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url

from ctfy_auth.presets import CTFY_BROAD_TEMPLATE, CTFY_SCOPE_CATALOG, CTFY_TOKEN_TEMPLATES

SECRET_KEY = "benchmarks-only-insecure-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "rest_framework.authtoken",
    "knox",
    "oauth2_provider",
    "ctfy_auth",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ctfy_auth.middleware.BearerTokenMiddleware",
]
ROOT_URLCONF = "benchmarks.urls"
WSGI_APPLICATION = "benchmarks.wsgi.application"
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


def _database(url: str) -> dict[str, Any]:
    # Persistent connections for every variant alike: reconnecting would dwarf what we measure.
    return dict(dj_database_url.parse(url, conn_max_age=600, conn_health_checks=False))


_DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "bench_default.sqlite3"
DATABASES = {
    "default": _database(os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{_DEFAULT_SQLITE}")
}
for _alias, _url in json.loads(os.environ.get("BENCH_EXTRA_DATABASES") or "{}").items():
    DATABASES[_alias] = _database(_url)
# Reads and writes go to the alias that benchmarks.routers.use_database() selects.
DATABASE_ROUTERS = ["benchmarks.routers.ActiveDatabaseRouter"]

if os.environ.get("BENCH_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["BENCH_REDIS_URL"],
            "KEY_PREFIX": "ctfy-bench",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Variant (f): ctfy_auth's credential cache, in Redis (a per-process cache would be refused by
# check E008: a revocation must reach every process). Turned on for (f)'s blocks only.
if os.environ.get("BENCH_CREDENTIAL_CACHE_URL"):
    CACHES["credentials"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["BENCH_CREDENTIAL_CACHE_URL"],
        "KEY_PREFIX": "ctfy-bench",
    }

AUTH_USER_MODEL = "ctfy_auth.User"
# Django's Argon2id with its default parameters, as the example project and production use.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

_rates: dict[str, str] = {}
if os.environ.get("BENCH_THROTTLE_RATES_HIGH", "1") == "1":
    _rates = {
        bucket: "100000000/minute"
        for bucket in (
            "register",
            "login",
            "password_change",
            "auth_mutation",
            "account_reauthenticate",
            "token_create",
            "device_code",
            "device_token",
            "device_approve",
            "oauth_start",
            "oauth_callback",
        )
    }
CTFY_AUTH: dict[str, Any] = {
    "SCOPE_CATALOG": CTFY_SCOPE_CATALOG,
    "TOKEN_TEMPLATES": CTFY_TOKEN_TEMPLATES,
    "BROAD_TOKEN_TEMPLATE": CTFY_BROAD_TEMPLATE,
}
if _rates:
    CTFY_AUTH["THROTTLE_RATES"] = _rates

# Only defaults: the benchmark's OAuth2 access tokens are minted directly in the database.
OAUTH2_PROVIDER: dict[str, Any] = {"SCOPES": {"read": "Read", "write": "Write"}}
# knox's defaults (SHA-512 digests, 10-hour TTL, no auto-refresh).
REST_KNOX: dict[str, Any] = {}

LANGUAGE_CODE = "en-us"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # A refused credential is logged by Django at WARNING; the benchmarks send them on purpose.
    "loggers": {"django.request": {"level": "ERROR"}},
}
