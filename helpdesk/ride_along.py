"""Statements that travel with the next one (PostgreSQL).

Ingesting a batch, half the statements are writes whose answer nobody reads (a message's
row, its id reserved beforehand; its ticket's new columns), and some reads can be asked
before their answer is needed. Within ``ride_along()`` such statements are queued instead
of sent, and go out in one round trip with whatever statement the connection runs next
(psycopg's pipeline mode), ahead of it and in the order they were queued; what is left goes
out when the block ends. So every statement still runs before any later one that could read
its rows, and the code reads what it would have read. A queued write that fails raises from
the statement it travelled with (or from the block's end), and the block is taken back
whole by the caller's transaction; whatever was still queued is dropped with it. Outside
the block, and on other databases, writes go out at once and nothing is read ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from helpdesk.prepared import PreparedCursor, insert_statement, model_insert, statement_cursor

RESERVE = 64  # ids reserved per trip to a table's sequence


@dataclass
class Ahead:
    """A read sent with the next statement."""

    sql: str
    params: Any
    _rows: list[tuple[Any, ...]] | None = None

    def rows(self) -> list[tuple[Any, ...]]:
        """Its rows; sent now (with whatever else waits) if nothing has carried it yet."""
        if self._rows is None:
            queue = _queue.get()
            assert queue is not None, "a read ahead is answered within its block"
            _send(queue, None)
            assert self._rows is not None
        return self._rows


@dataclass
class _Queue:
    items: list[tuple[str, Any, Ahead | None]] = field(default_factory=list)
    ids: dict[type[models.Model], list[int]] = field(default_factory=dict)


_queue: ContextVar[_Queue | None] = ContextVar("ride_along", default=None)


@contextmanager
def ride_along() -> Iterator[None]:
    """Queue ``statement_defer``, ``model_insert_deferred`` and ``read_ahead`` statements
    within the block, to travel with the next statement."""
    if connection.vendor != "postgresql" or _queue.get() is not None:
        yield
        return
    queue = _Queue()
    token = _queue.set(queue)
    db = connections[DEFAULT_DB_ALIAS]
    try:
        with db.execute_wrapper(_wrapper(queue)):
            yield
        _send(queue, None)
    finally:
        _queue.reset(token)


def statement_defer(sql: str, params: Any) -> None:
    """Run ``sql`` (prepared) now, or with the next statement within ``ride_along``."""
    queue = _queue.get()
    if queue is None:
        with statement_cursor() as cursor:
            cursor.execute(sql, params)
        return
    queue.items.append((sql, params, None))


def read_ahead(sql: str, params: Any) -> Ahead | None:
    """``sql`` (prepared) to be sent with the next statement; None outside ``ride_along``
    (the caller then reads when it needs to)."""
    queue = _queue.get()
    if queue is None:
        return None
    ahead = Ahead(sql, params)
    queue.items.append((sql, params, ahead))
    return ahead


def model_insert_deferred(instance: models.Model) -> None:
    """``model_insert`` of a new row whose id is taken from the table's sequence beforehand,
    so the row itself can wait for the next statement."""
    queue = _queue.get()
    if queue is None:
        model_insert(instance)
        return
    model = type(instance)
    ids = queue.ids.get(model)
    if not ids:
        ids = queue.ids[model] = _ids_reserve(model)
    instance.pk = ids.pop()
    sql, fields = insert_statement(model, (), with_pk=True)
    db = connections[DEFAULT_DB_ALIAS]
    params = [f.get_db_prep_save(f.pre_save(instance, True), db) for f in fields]
    queue.items.append((sql, params, None))
    instance._state.adding = False
    instance._state.db = connection.alias


@cache
def _sequence_statement(model: type[models.Model]) -> str:
    table, column = model._meta.db_table, model._meta.pk.column
    # The names come from the model; the count is a parameter.
    return (
        f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', '{column}')) "  # noqa: S608
        "FROM generate_series(1, %s)"
    )


def _ids_reserve(model: type[models.Model]) -> list[int]:
    with statement_cursor() as cursor:
        cursor.execute(_sequence_statement(model), [RESERVE])
        return sorted((row[0] for row in cursor.fetchall()), reverse=True)  # pop() is next


Execute = Callable[[str, Any, bool, dict[str, Any]], Any]


def _wrapper(queue: _Queue) -> Callable[[Execute, str, Any, bool, dict[str, Any]], Any]:
    def ride(execute: Execute, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if not queue.items:
            return execute(sql, params, many, context)
        if isinstance(context["cursor"].cursor, psycopg.ServerCursor):  # not in a pipeline
            _send(queue, None)
            return execute(sql, params, many, context)
        return _send(queue, lambda: execute(sql, params, many, context))

    return ride


def _send(queue: _Queue, then: Callable[[], Any] | None) -> Any:
    """The queued statements, then ``then`` (the statement they ride with), in one round
    trip; the reads' rows are kept for them."""
    if not queue.items:
        return then() if then is not None else None
    items, queue.items = queue.items, []
    db = connections[DEFAULT_DB_ALIAS]
    pg = db.connection
    reads: list[tuple[Ahead, PreparedCursor]] = []
    with db.wrap_database_errors, pg.pipeline():
        writes = PreparedCursor(pg)
        for sql, params, ahead in items:
            cursor = writes if ahead is None else PreparedCursor(pg)
            cursor.execute(sql, params)
            if ahead is not None:
                reads.append((ahead, cursor))
            if db.queries_logged:  # shown with the connection's own statements
                db.queries_log.append({"sql": sql, "time": "0.000"})
        result = then() if then is not None else None
    for ahead, cursor in reads:
        ahead._rows = cursor.fetchall()
    return result
