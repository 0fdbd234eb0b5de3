"""The example project's front page: what is running here and what to try first."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ctfy_auth.conf import app_settings
from ctfy_auth.providers import configured_provider

__all__ = ["home"]


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Plain HTML, no JavaScript: the database, the cache and the links a newcomer needs."""
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    providers = [name for name in app_settings.PROVIDERS if configured_provider(name) is not None]
    response = render(
        request,
        "demo/home.html",
        {
            "database": connection.vendor,
            "cache": cache_backend,
            "credential_cache": bool(app_settings.CREDENTIAL_CACHE),
            "providers": providers,
        },
    )
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    return response
