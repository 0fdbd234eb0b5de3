"""The benchmarks' own databases (all named ``bench_*``), managed with psycopg directly.

The runner never touches another database: it creates, reuses or recreates ``bench_*`` ones on
the PostgreSQL server named by ``--postgres`` (default ``postgres://postgres@127.0.0.1:5432``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Postgres", "sqlite_url"]

_NAME = re.compile(r"bench_[a-z0-9_]+")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass(frozen=True, slots=True)
class Postgres:
    """A PostgreSQL server reached with trust (or URL) authentication."""

    base_url: str  # postgres://user@host:port, no database

    def url(self, name: str) -> str:
        return f"{self.base_url.rstrip('/')}/{self._checked(name)}"

    @staticmethod
    def _checked(name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"refusing database name {name!r}: the benchmarks use bench_* only")
        return name

    def version(self) -> str:
        import psycopg

        with psycopg.connect(f"{self.base_url.rstrip('/')}/postgres") as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else ""

    def exists(self, name: str) -> bool:
        import psycopg

        with psycopg.connect(f"{self.base_url.rstrip('/')}/postgres") as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self._checked(name)]
            ).fetchone()
        return row is not None

    def create(self, name: str, *, fresh: bool) -> str:
        """Create ``name`` (dropping it first when ``fresh``); returns its URL."""
        import psycopg
        from psycopg import sql

        name = self._checked(name)
        with psycopg.connect(f"{self.base_url.rstrip('/')}/postgres", autocommit=True) as conn:
            ident = sql.Identifier(name)
            if fresh:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
        return self.url(name)

    def drop(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        name = self._checked(name)
        with psycopg.connect(f"{self.base_url.rstrip('/')}/postgres", autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
