"""Which providers this deployment offers, built from ``CTFY_AUTH["PROVIDERS"]``.

A provider entry names its client credentials directly or leaves them to the
environment: ``CTFY_AUTH_<NAME>_CLIENT_ID`` and ``CTFY_AUTH_<NAME>_CLIENT_SECRET``
(``CTFY_AUTH_GITHUB_CLIENT_SECRET``, say), so secrets stay out of settings files.
A provider is configured when it has a client id.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from ctfy_auth.conf import app_settings
from ctfy_auth.providers.base import Provider
from ctfy_auth.providers.github import GitHubProvider
from ctfy_auth.providers.oidc import GoogleProvider, OIDCProvider

__all__ = ["PROVIDER_TYPES", "configured_provider", "listed_providers", "provider_config"]

#: ``type`` of a provider entry → its class; the entry's name is its type unless it says one.
PROVIDER_TYPES: dict[str, type[Provider]] = {
    "github": GitHubProvider,
    "google": GoogleProvider,
    "oidc": OIDCProvider,
}
#: Listed on ``GET /auth/providers`` even when not configured (disabled), in wire order.
ALWAYS_LISTED = ("github", "google")
DISPLAY_NAMES = {"github": "GitHub", "google": "Google"}


def provider_config(name: str) -> dict[str, Any] | None:
    """The entry for ``name`` with its credentials resolved, or None when it has no client id."""
    entry = app_settings.PROVIDERS.get(name)
    if entry is None:
        return None
    config = dict(entry)
    prefix = f"CTFY_AUTH_{name.upper()}_"
    for key in ("client_id", "client_secret"):
        if not config.get(key):
            config[key] = os.environ.get(prefix + key.upper(), "")
    return config if config.get("client_id") else None


def provider_type(name: str, entry: dict[str, Any]) -> type[Provider] | None:
    return PROVIDER_TYPES.get(str(entry.get("type") or name))


def configured_provider(name: str) -> Provider | None:
    """The provider called ``name``, ready to use; None when it is not configured."""
    config = provider_config(name)
    cls = provider_type(name, config) if config is not None else None
    return cls(name, config) if cls is not None and config is not None else None


def _display_name(name: str, entry: dict[str, Any]) -> str:
    if entry.get("display_name"):
        return str(entry["display_name"])
    if name == "oidc":
        issuer = str(entry.get("issuer") or "")
        # OIDC_DISPLAY_NAME is deprecated (check W004) and still read for this one release.
        return app_settings.OIDC_DISPLAY_NAME or urlsplit(issuer).hostname or issuer
    return DISPLAY_NAMES.get(name, name)


def listed_providers() -> list[dict[str, Any]]:
    """Rows of ``GET /auth/providers``: GitHub and Google always, then every configured other."""
    configured = app_settings.PROVIDERS
    names = list(ALWAYS_LISTED) + [
        n for n in configured if n not in ALWAYS_LISTED and provider_config(n) is not None
    ]
    rows = []
    for name in names:
        entry = configured.get(name) or {}
        rows.append(
            {
                "name": name,
                "enabled": configured_provider(name) is not None,
                "display_name": _display_name(name, entry),
                "link_only": bool(entry.get("link_only", False)),
            }
        )
    return rows
