"""A database router that sends every query to the alias the benchmark is measuring.

The scale benchmark keeps one database per table size and switches between them round by round,
in one process, so ctfy_auth's own queries (``Token.objects...``) must follow. Outside
:func:`use_database` everything goes to ``default``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["ActiveDatabaseRouter", "use_database"]

_active: list[str] = []


@contextmanager
def use_database(alias: str) -> Iterator[None]:
    """Route every read and write to ``alias`` inside the block."""
    _active.append(alias)
    try:
        yield
    finally:
        _active.pop()


class ActiveDatabaseRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return _active[-1] if _active else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return _active[-1] if _active else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return None
