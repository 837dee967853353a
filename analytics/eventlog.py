"""The append-only analytics event log: a ``"*"`` subscriber that writes one row per event.

It runs after the publishing transaction committed. The rows are handed to a per-process
background writer that inserts them in batches every ~0.1 s with ``synchronous_commit off``
(an ingestion pays only for building them; a PostgreSQL crash can lose the last fraction of a
second of log rows, never the tickets and messages they describe, which stay the truth).

Derived names make the log easy to query:
``ticket.status`` (value: none, label: the new status) for status changes,
``ticket.assigned`` / ``ticket.transferred`` (team change) for assignment,
``message.inbound`` / ``message.outbound`` / ``message.note`` for messages.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from psycopg.types.json import Jsonb

from analytics.models import AnalyticsEvent
from helpdesk.events import DomainEvent

logger = logging.getLogger(__name__)
BATCH_MAX = 1000
FLUSH_SECONDS = 0.1
# The writer's connection outlives short pauses: a new PostgreSQL backend per burst costs more
# than the rows it writes.
IDLE_SECONDS = 5.0

# Events that are pure real-time noise for reporting.
IGNORED = frozenset({"presence.changed", "typing"})


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ticket_fields(ticket: Mapping[str, Any]) -> dict[str, Any]:
    channels = ticket.get("channels") or []
    return {
        "ticket_id": _int(ticket.get("id")),
        "customer_id": _int(ticket.get("customer")),
        "member_id": _int(ticket.get("assignee")),
        "team_id": _int(ticket.get("team")),
        "channel_kind": str(channels[-1])[:16] if channels else "",
    }


def event_row(event: DomainEvent) -> list[AnalyticsEvent]:
    """The log rows one domain event becomes (usually one; a ticket update may add more)."""
    payload = dict(event.payload)
    base: dict[str, Any] = {
        "tenant_id": event.tenant_id,
        "occurred_at": event.occurred_at,
        "seq": event.seq,
        "payload": payload,
    }
    name = event.name
    fields: dict[str, Any] = {}
    label = ""
    if name.startswith("ticket."):
        fields = _ticket_fields(payload)
        label = str(payload.get("status", ""))[:64]
    elif name == "message.created":
        ticket = payload.get("ticket") or {}
        fields = _ticket_fields(ticket) if isinstance(ticket, Mapping) else {}
        fields["channel_kind"] = str(payload.get("channel", ""))[:16]
        name = f"message.{payload.get('direction', 'created')}"[:64]
    else:
        fields = {
            "ticket_id": _int(payload.get("ticket")),
            "customer_id": _int(payload.get("customer")),
            "member_id": _int(payload.get("member") or payload.get("assignee")),
            "team_id": _int(payload.get("team")),
            "channel_kind": str(payload.get("channel_kind", ""))[:16],
        }
        value = payload.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            fields["value"] = float(value)
    rows = [AnalyticsEvent(name=name[:64], label=label, **base, **fields)]
    if event.name == "ticket.updated":
        changed = payload.get("changed") or []
        for part, derived in (
            ("status", "ticket.status"),
            ("assignee", "ticket.assigned"),
            ("team", "ticket.transferred"),
        ):
            if part in changed:
                rows.append(AnalyticsEvent(name=derived, label=label, **base, **fields))
    return rows


def rows_insert(rows: list[AnalyticsEvent]) -> None:
    """Many rows in one statement: on PostgreSQL a ``COPY``, without waiting for the WAL
    flush (a multi-row ``INSERT`` quotes every value into arrays on both sides)."""
    with transaction.atomic():
        if connection.vendor != "postgresql":
            AnalyticsEvent.objects.unscoped().bulk_create(rows)  # rows name their tenant
            return
        fields = [f for f in AnalyticsEvent._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        table = quote(AnalyticsEvent._meta.db_table)
        columns = ", ".join(quote(str(f.column)) for f in fields)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([_copy_value(row, f) for f in fields])


def _copy_value(row: AnalyticsEvent, field: Any) -> Any:
    value = getattr(row, field.attname)
    return Jsonb(value) if field.name == "payload" else value


class _BackgroundWriter:
    """Batches log rows off the request path: a daemon thread per process flushes them."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[list[AnalyticsEvent]] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.pid = 0
        self.thread: threading.Thread | None = None

    def put(self, rows: list[AnalyticsEvent]) -> None:
        if self.pid != os.getpid():  # first use in this process (or after a fork)
            with self.lock:
                if self.pid != os.getpid():
                    self.queue = queue.SimpleQueue()
                    self.thread = threading.Thread(
                        target=self._run, name="analytics-event-log", daemon=True
                    )
                    self.thread.start()
                    self.pid = os.getpid()
        self.queue.put(rows)

    def _drain(self, first: list[AnalyticsEvent] | None = None) -> list[AnalyticsEvent]:
        batch = list(first or [])
        while len(batch) < BATCH_MAX:
            try:
                batch += self.queue.get_nowait()
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            try:
                first = self.queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:  # idle: hold no connection (this thread's own only)
                connections.close_all()
                first = self.queue.get()
            batch = self._drain(first)
            try:
                rows_insert(batch)
            except Exception:
                logger.exception("analytics event log: %d rows not written", len(batch))
            time.sleep(FLUSH_SECONDS)

    def flush(self) -> int:
        """Write whatever this process still holds, in the caller's thread."""
        written = 0
        while True:
            batch = self._drain()
            if not batch:
                return written
            rows_insert(batch)
            written += len(batch)


writer = _BackgroundWriter()
atexit.register(writer.flush)


def event_log_write(event: DomainEvent) -> None:
    """The ``"*"`` subscriber. Inside a transaction the rows join it (and commit with it);
    outside one (the normal case: the bus runs after commit) they go to the background writer,
    so an ingestion pays for building the rows only."""
    if event.name in IGNORED:
        return
    rows = event_row(event)
    if connection.in_atomic_block or not settings.ANALYTICS_EVENT_LOG_ASYNC:
        AnalyticsEvent.objects.unscoped().bulk_create(rows)  # rows name their tenant
    else:
        writer.put(rows)
