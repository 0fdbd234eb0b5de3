"""The hot path's one query: a token and its user by digest, without the ORM's compiler.

Every authenticated request runs the same statement, ``SELECT <token columns>, <user columns>
FROM token JOIN user WHERE digest = %s``. The SQL, the column list and the database converters
are built once per database alias from the models' metadata (so a custom user model and any
backend work) and reused; :func:`token_with_user_by_digest` is the only function that runs it.
Rows become model instances through ``Model.from_db``, as the ORM does: signals, ``_state`` and
the ``user`` relation cache behave as after
``Token.objects.select_related("user").get(digest=...)``. The statement runs on a normal cursor,
so query logging, ``CaptureQueriesContext`` and execute wrappers see it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import Field, Model

from ctfy_auth.models.tokens import Token

__all__ = ["Statement", "build", "statement_for", "token_with_user_by_digest"]

_Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True, slots=True)
class Statement:
    """The lookup statement of one database alias and the layout of the row it returns."""

    sql: str
    user_model: type[Model]
    #: ``attname`` of each value of the row: the token's columns, then the user's.
    token_names: tuple[str, ...]
    user_names: tuple[str, ...]
    #: (column index, column expression, converters) for columns that need converting.
    converters: tuple[tuple[int, Any, tuple[_Converter, ...]], ...]


_statements: dict[tuple[str, str], Statement] = {}


def _converters(
    connection: Any, fields: Sequence[Field[Any, Any]], alias: str, start: int
) -> list[Any]:
    out = []
    for i, field in enumerate(fields, start):
        col = field.get_col(alias)
        found = tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        if found:
            out.append((i, col, found))
    return out


def _build(alias: str) -> Statement:
    connection = connections[alias]

    def qn(name: str | None) -> str:
        assert name, "a concrete field always has a column"
        return str(connection.ops.quote_name(name))

    user_model = get_user_model()
    token_fields = Token._meta.concrete_fields
    user_fields = user_model._meta.concrete_fields
    t, u = Token._meta.db_table, user_model._meta.db_table
    columns = ", ".join(
        [f"{qn(t)}.{qn(f.column)}" for f in token_fields]
        + [f"{qn(u)}.{qn(f.column)}" for f in user_fields]
    )
    user_id = Token._meta.get_field("user").column
    join = f"{qn(t)}.{qn(user_id)} = {qn(u)}.{qn(user_model._meta.pk.column)}"
    where = f"{qn(t)}.{qn(Token._meta.get_field('digest').column)} = %s"
    # Identifiers come from model metadata, quoted by the backend; the digest is a parameter.
    sql = f"SELECT {columns} FROM {qn(t)} INNER JOIN {qn(u)} ON {join} WHERE {where}"  # noqa: S608
    converters = _converters(connection, token_fields, t, 0)
    converters += _converters(connection, user_fields, u, len(token_fields))
    return Statement(
        sql=sql,
        user_model=user_model,
        token_names=tuple(f.attname for f in token_fields),
        user_names=tuple(f.attname for f in user_fields),
        converters=tuple(converters),
    )


def statement_for(alias: str) -> Statement:
    """The statement of database ``alias`` (built on first use)."""
    key = (alias, connections[alias].vendor)
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = _build(alias)
    return statement


def token_with_user_by_digest(digest: str) -> Token | None:
    """The token stored under ``digest`` with its ``user`` loaded, or ``None``. One query.

    Raw SQL instead of ``Token.objects.select_related("user").get(digest=digest)`` because
    building that query costs more than running it: about 0.6 ms of Python per request, cloning
    the QuerySet and compiling its SQL. ``benchmarks/README.md``, "What costs what", part 1
    (``python -m benchmarks --only auth``): DRF's ``TokenAuthentication``, which builds this
    query through the ORM, spends ~1,330 Python calls per request on authentication, this path
    ~380, and (e) runs at 2.11x (SQLite) and 1.52x (PostgreSQL) DRF's throughput.
    """
    alias = router.db_for_read(Token)
    connection = connections[alias]
    statement = statement_for(alias)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, col, converters in statement.converters:
        value = values[index]
        for convert in converters:
            value = convert(value, col, connection)
        values[index] = value
    return build(alias, values)


def build(alias: str, values: Sequence[Any], user_names: Sequence[str] | None = None) -> Token:
    """The token of a row of :func:`statement_for`'s layout, with its ``user`` loaded.

    ``values`` are converted Python values (as the row after the converters, or as cached).
    ``user_names`` names the user's values when some columns were left out (they load on
    first access, as after ``.defer()``).
    """
    statement = statement_for(alias)
    split = len(statement.token_names)
    token = Token.from_db(alias, statement.token_names, values[:split])
    user = statement.user_model.from_db(alias, user_names or statement.user_names, values[split:])
    Token._meta.get_field("user").set_cached_value(token, user)
    return token


def _forget(**_kwargs: Any) -> None:
    _statements.clear()


# A test that swaps AUTH_USER_MODEL or DATABASES gets statements built for what it set.
setting_changed.connect(_forget, dispatch_uid="ctfy_auth.credentials.lookup.forget")
