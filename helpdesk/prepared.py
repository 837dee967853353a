"""Prepared statements for the few hot raw statements (PostgreSQL only).

Django's psycopg cursors bind parameters client-side and never prepare, so PostgreSQL plans
every statement on every call; for a multi-CTE statement that planning costs more than
running it. ``prepared_cursor()`` is a Django cursor (query logging, execute wrappers, error
mapping) over a psycopg cursor that binds server-side and prepares every statement it runs,
once per connection. Only statements run through it are prepared: the connection's
threshold is set so that psycopg never prepares anything else on its own.
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

# psycopg prepares a statement after this many runs unless told to at once; Django leaves
# it unset (never prepare). A threshold no statement reaches keeps that for Django's own.
PREPARE_ONLY_WHEN_ASKED = 2**31


class _Prepared(psycopg.Cursor[Any]):
    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None
    ) -> _Prepared:
        return super().execute(query, params, prepare=True, binary=binary)


class _PreparedDebug(CursorDebugWrapper):
    """Logs the statement as written: a prepared execution has no interpolated text."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


def prepared_cursor() -> CursorWrapper:
    """A cursor whose statements are planned once per connection, with a generic plan."""
    connection.ensure_connection()
    pg = connection.connection
    if pg.prepare_threshold is None:
        pg.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
        with connection.cursor() as cursor:
            # Only prepared statements (ours) follow this. They look rows up by key, so the
            # generic plan is as good as a custom one and is not planned again per call.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
    raw = _Prepared(pg)
    if connection.queries_logged:
        return _PreparedDebug(raw, connection)
    return CursorWrapper(raw, connection)
