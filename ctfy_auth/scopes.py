"""The scope vocabulary: catalog, levels, clamp, templates and scope strings.

The catalog (``CTFY_AUTH["SCOPE_CATALOG"]``) is a sequence of
``{"key", "label", "description", "resource_scoped", "max_level"}`` dicts in wire
order; templates (``CTFY_AUTH["TOKEN_TEMPLATES"]``) are
``{"name", "resource_access", "permissions", "expires_in_days"}`` dicts. Both are
read at call time. Levels are ordered ``none < read < write``; :func:`clamp` only
ever lowers, and a template must survive it unchanged (system check
``ctfy_auth.E005``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ctfy_auth.conf import app_settings
from ctfy_auth.principal import LEVELS

__all__ = [
    "LEVELS",
    "catalog",
    "catalog_keys",
    "clamp",
    "dense",
    "level_rank",
    "resource_scoped_keys",
    "template",
    "template_for",
    "template_names",
    "templates",
]

_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def level_rank(level: str) -> int:
    """``none`` 0, ``read`` 1, ``write`` 2; anything else ranks as ``none``."""
    return _RANK.get(level, 0)


def catalog() -> tuple[dict[str, Any], ...]:
    return app_settings.SCOPE_CATALOG


def catalog_keys() -> tuple[str, ...]:
    return tuple(str(entry["key"]) for entry in catalog())


def resource_scoped_keys() -> frozenset[str]:
    return frozenset(str(e["key"]) for e in catalog() if e.get("resource_scoped"))


def dense(permissions: Mapping[str, Any] | None) -> dict[str, str]:
    """Every catalog key, in catalog order, with its level (``none`` when absent or unknown)."""
    permissions = permissions or {}
    out = {}
    for key in catalog_keys():
        level = permissions.get(key, "none")
        out[key] = level if isinstance(level, str) and level in _RANK else "none"
    return out


def clamp(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """Tolerant request side: unknown keys dropped, unknown levels ``none``, lowered to max_level.

    Never raises and never raises a level: ``clamp(x)[k] <= x[k]`` for every key.
    """
    raw = raw or {}
    out = {}
    for entry in catalog():
        key = str(entry["key"])
        wanted = raw.get(key, "none")
        rank = _RANK.get(wanted, 0) if isinstance(wanted, str) else 0
        out[key] = LEVELS[min(rank, _RANK.get(str(entry.get("max_level", "write")), 0))]
    return out


def templates() -> tuple[dict[str, Any], ...]:
    """Templates as published: dense permissions in catalog order."""
    return tuple(
        {
            "name": str(t["name"]),
            "resource_access": str(t.get("resource_access", "none")),
            "permissions": dense(t.get("permissions")),
            "expires_in_days": int(
                t.get("expires_in_days", app_settings.API_TOKEN_DEFAULT_LIFETIME_DAYS)
            ),
        }
        for t in app_settings.TOKEN_TEMPLATES
    )


def template_names() -> tuple[str, ...]:
    return tuple(str(t["name"]) for t in app_settings.TOKEN_TEMPLATES)


def template(name: str) -> dict[str, Any] | None:
    """The template called ``name``, or ``None`` (callers refuse unknown names, never default)."""
    return next((t for t in templates() if t["name"] == name), None)


def template_for(permissions: Mapping[str, Any] | None) -> str:
    """The first template whose dense map equals ``permissions``; ``""`` when none does."""
    wanted = dense(permissions)
    return next((t["name"] for t in templates() if t["permissions"] == wanted), "")
