"""Prepared statements for the few hot raw statements (PostgreSQL only).

Django's psycopg cursors bind parameters client-side and never prepare, so PostgreSQL plans
every statement on every call; for a multi-CTE statement that planning costs more than
running it. ``prepared_cursor()`` is a Django cursor (query logging, execute wrappers, error
mapping) over a psycopg cursor that binds server-side and prepares every statement it runs,
once per connection. Only statements run through it are prepared: the connection's
threshold is set so that psycopg never prepares anything else on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from functools import cache
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from psycopg.abc import AdaptContext, Buffer
from psycopg.adapt import Loader
from psycopg.pq import Format

M = TypeVar("M", bound=models.Model)
TIMESTAMPTZ_OID = 1184

# psycopg prepares a statement after this many runs unless told to at once; Django leaves
# it unset (never prepare). A threshold no statement reaches keeps that for Django's own.
PREPARE_ONLY_WHEN_ASKED = 2**31


class PreparedCursor(psycopg.Cursor[Any]):
    """A psycopg cursor that prepares every statement it runs (once per connection)."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None
    ) -> PreparedCursor:
        return super().execute(query, params, prepare=True, binary=binary)


class PreparedDebugCursor(CursorDebugWrapper):
    """Logs the statement as written: a prepared execution has no interpolated text."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


_C_TIMESTAMPTZ = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestampLoader(Loader):
    """Timestamps read by psycopg's compiled loader (its C one, where installed).

    Django's own loader subclasses psycopg's pure-Python parser to pin the time zone, and
    parsing every timestamp of every row in Python was a twentieth of a worker's time. On a
    session whose time zone is UTC the compiled loader already returns UTC datetimes; this
    class wraps it and carries the ``timezone`` Django's cursors compare against.
    """

    timezone = UTC

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        assert _C_TIMESTAMPTZ is not None
        self._load = _C_TIMESTAMPTZ(oid, context).load

    def load(self, data: Buffer) -> Any:
        return self._load(data)


def prepared_cursor() -> CursorWrapper:
    """A cursor whose statements are planned once per connection, with a generic plan."""
    db = connections[DEFAULT_DB_ALIAS]  # the thread's wrapper itself, not the proxy
    db.ensure_connection()
    pg = db.connection
    if pg.prepare_threshold is None:
        pg.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
        with db.cursor() as cursor:
            # Only prepared statements (ours) follow this. They look rows up by key, so the
            # generic plan is as good as a custom one and is not planned again per call.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
        if db.timezone is UTC and pg.info.parameter_status("TimeZone") == "UTC":
            pg.adapters.register_loader("timestamptz", UtcTimestampLoader)
    raw = PreparedCursor(pg)
    if db.queries_logged:
        return PreparedDebugCursor(raw, db)
    return CursorWrapper(raw, db)


def model_from_row(model: type[M], row: Sequence[Any]) -> M:
    """An instance of ``model`` from a row of all its concrete columns, in order, with the
    conversions the ORM applies on reading (JSON text to objects, for one)."""
    fields = model._meta.concrete_fields
    values = [
        field.from_db_value(value, None, connection)
        if value is not None and hasattr(field, "from_db_value")
        else value
        for field, value in zip(fields, row, strict=True)
    ]
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def statement_cursor() -> CursorWrapper:
    """``prepared_cursor()`` on PostgreSQL, a plain cursor elsewhere (the embedded default):
    for the raw statements that run on every request or message."""
    if connection.vendor == "postgresql":
        return prepared_cursor()
    return connections[DEFAULT_DB_ALIAS].cursor()


@cache
def insert_statement(
    model: type[models.Model], unless_exists: tuple[str, ...], *, with_pk: bool = False
) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    """The INSERT of every column but the key (returned), or of every column (``with_pk``)."""
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if with_pk or not f.primary_key)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model; every value is a parameter.
    sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({values})'  # noqa: S608
    if unless_exists:
        column = {f.name: f.column for f in meta.concrete_fields}
        unique = ", ".join(f'"{column[name]}"' for name in unless_exists)
        sql += f" ON CONFLICT ({unique}) DO NOTHING"
    return (sql if with_pk else f'{sql} RETURNING "{meta.pk.column}"'), fields


def model_insert(instance: models.Model, *, unless_exists: tuple[str, ...] = ()) -> bool:
    """``instance`` inserted with one prepared statement on PostgreSQL, its primary key set:
    the ORM's ``save()`` of a new row without compiling the INSERT each time (and without the
    model signals, which no model here uses). True if the row was inserted.

    ``unless_exists`` names the fields of a unique constraint: a row that already holds those
    values is left alone and nothing is inserted (False, no primary key), in the same one
    statement: no savepoint, and a concurrent copy waits for the first and inserts nothing.
    """
    if connection.vendor != "postgresql" and not unless_exists:
        instance.save(force_insert=True)
        return True
    sql, fields = insert_statement(type(instance), unless_exists)
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: no proxy look-up per field
    params = [f.get_db_prep_save(f.pre_save(instance, True), db) for f in fields]
    with statement_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True
