"""The scope vocabulary: catalog, levels, clamp, templates and scope strings.

The catalog (``CTFY_AUTH["SCOPE_CATALOG"]``) is a sequence of
``{"key", "label", "description", "resource_scoped", "max_level"}`` dicts in wire
order; templates (``CTFY_AUTH["TOKEN_TEMPLATES"]``) are
``{"name", "resource_access", "permissions", "expires_in_days"}`` dicts. Both are
read at call time. Levels are ordered ``none < read < write``; :func:`clamp` only
ever lowers, and a template must survive it unchanged (system check
``ctfy_auth.E005``).

This module is the one home of the vocabulary (see ``docs/glossary.md``): a
*scope* is one ``category:level`` pair, a credential's *permissions* are its dense
category -> level map, and *required scopes* are what a view declares. Every other
module takes levels, ranks and the resource-scoped categories from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ctfy_auth.conf import app_settings

__all__ = [
    "LEVELS",
    "LEVEL_RANKS",
    "REQUIRABLE_LEVELS",
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

#: Permission levels in order; write implies read.
LEVELS: Final[tuple[str, ...]] = ("none", "read", "write")

#: ``none`` 0, ``read`` 1, ``write`` 2. A plain dict (read-only by convention) because
#: :meth:`ctfy_auth.principal.Principal.allows` indexes it on every check.
LEVEL_RANKS: Final[Mapping[str, int]] = {level: rank for rank, level in enumerate(LEVELS)}

#: Levels a view may require; requiring ``none`` would admit every token.
REQUIRABLE_LEVELS: Final[tuple[str, ...]] = ("read", "write")

#: ``(the SCOPE_CATALOG object it was computed from, the keys)``; see resource_scoped_keys().
_resource_scoped: tuple[object, frozenset[str]] | None = None


def level_rank(level: str) -> int:
    """``none`` 0, ``read`` 1, ``write`` 2; anything else ranks as ``none``."""
    return LEVEL_RANKS.get(level, 0)


def catalog() -> tuple[dict[str, Any], ...]:
    return app_settings.SCOPE_CATALOG


def catalog_keys() -> tuple[str, ...]:
    return tuple(str(entry["key"]) for entry in catalog())


def resource_scoped_keys() -> frozenset[str]:
    """The catalog keys marked ``resource_scoped``, computed once per catalog.

    On the hot path (every :meth:`~ctfy_auth.principal.Principal.allows` of an API
    token), so the set is kept beside the very ``SCOPE_CATALOG`` object it was
    computed from and reused while ``app_settings`` returns that object. A settings
    change (``setting_changed``, hence ``override_settings``, or an explicit
    ``app_settings.reload()``) that brings another catalog recomputes it. Keying on
    the object rather than listening to ``setting_changed`` ourselves means no reload
    path can leave the set stale. Holding the object also keeps its ``id`` from
    being reused.
    """
    global _resource_scoped
    raw = app_settings.get("SCOPE_CATALOG")
    cached = _resource_scoped
    if cached is not None and cached[0] is raw:
        return cached[1]
    keys = frozenset(str(e["key"]) for e in raw if e.get("resource_scoped"))
    _resource_scoped = (raw, keys)
    return keys


def dense(permissions: Mapping[str, Any] | None) -> dict[str, str]:
    """Every catalog key, in catalog order, with its level (``none`` when absent or unknown)."""
    permissions = permissions or {}
    out = {}
    for key in catalog_keys():
        level = permissions.get(key, "none")
        out[key] = level if isinstance(level, str) and level in LEVEL_RANKS else "none"
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
        rank = LEVEL_RANKS.get(wanted, 0) if isinstance(wanted, str) else 0
        out[key] = LEVELS[min(rank, LEVEL_RANKS.get(str(entry.get("max_level", "write")), 0))]
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
