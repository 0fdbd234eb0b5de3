"""The scope vocabulary: catalog, levels and dense permission maps.

The catalog is host configuration (``CTFY_AUTH["SCOPE_CATALOG"]``): a sequence
of ``{"key", "label", "description", "resource_scoped", "max_level"}`` dicts in
wire order.
"""

from __future__ import annotations

from collections.abc import Mapping

from ctfy_auth.conf import app_settings
from ctfy_auth.principal import LEVELS

__all__ = ["LEVELS", "catalog_keys", "dense"]


def catalog_keys() -> tuple[str, ...]:
    return tuple(str(entry["key"]) for entry in app_settings.SCOPE_CATALOG)


def dense(permissions: Mapping[str, str] | None) -> dict[str, str]:
    """Every catalog key, in catalog order, with its level (``none`` when absent or unknown)."""
    permissions = permissions or {}
    return {
        key: level if (level := permissions.get(key, "none")) in LEVELS else "none"
        for key in catalog_keys()
    }
