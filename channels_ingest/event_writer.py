"""The webhook lane's durable insert: every verified delivery waiting at the moment, in one
statement and one commit.

A request hands its row over and waits; while a statement is running the next rows gather,
so a burst costs a few statements and a few disk flushes instead of one of each per
request, and a lone request waits for nothing but its own insert. The statement also checks
that each row's channel is still active with the exact (sealed) configuration the request
was verified with: a row whose channel changed meanwhile is not stored, and its request
goes the ordinary way, which reads the channel again.

PostgreSQL only. The connection is psycopg's own asynchronous one, in autocommit mode, so a
row is durable (``synchronous_commit`` as configured) before its request is answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

import psycopg
from django.db import connections
from django.utils import timezone

from channels_ingest.models import Channel, EventState, InboundEvent

logger = logging.getLogger(__name__)


class Stored(Enum):
    CREATED = "created"  # a new event: wake the drain
    EXISTING = "existing"  # a redelivery: nothing changed
    STALE = "stale"  # the channel changed or went away: ask the ordinary path


@dataclass(frozen=True)
class EventRow:
    tenant_id: int
    channel_id: int
    webhook_key: str
    sealed: str  # the channel's stored config the request was verified with
    purpose: str
    provider_event_id: str
    content_type: str
    body: bytes
    headers: Mapping[str, str]

    @property
    def key(self) -> tuple[int, str, str]:
        return self.channel_id, self.purpose, self.provider_event_id


@cache
def _statement() -> str:
    event, channel = InboundEvent._meta.db_table, Channel._meta.db_table
    # Every row names its tenant, and its channel must belong to that tenant.
    return f"""
WITH v AS (
    SELECT * FROM unnest(%(tenant)s::bigint[], %(channel)s::bigint[], %(key)s::text[],
        %(sealed)s::text[], %(purpose)s::text[], %(event)s::text[], %(ctype)s::text[],
        %(body)s::bytea[], %(headers)s::text[])
        WITH ORDINALITY AS v(tenant_id, channel_id, webhook_key, sealed, purpose,
            provider_event_id, content_type, body, headers, n)
), live AS (
    SELECT v.* FROM v JOIN {channel} AS c
        ON c.id = v.channel_id AND c.tenant_id = v.tenant_id AND c.webhook_key = v.webhook_key
        AND c.is_active AND c.config = v.sealed
), made AS (
    INSERT INTO {event} (tenant_id, channel_id, purpose, provider_event_id, content_type,
        body, headers, state, attempts, next_attempt_at, last_error, received_at, processed_at)
    SELECT tenant_id, channel_id, purpose, provider_event_id, content_type, body,
        headers::jsonb, '{EventState.PENDING.value}', 0, %(now)s, '', %(now)s, NULL
    FROM live ORDER BY n
    ON CONFLICT (tenant_id, channel_id, purpose, provider_event_id) DO NOTHING
    RETURNING channel_id, purpose, provider_event_id
)
SELECT v.n, live.n IS NOT NULL, made.channel_id IS NOT NULL
FROM v LEFT JOIN live ON live.n = v.n
LEFT JOIN made ON made.channel_id = v.channel_id AND made.purpose = v.purpose
    AND made.provider_event_id = v.provider_event_id
ORDER BY v.n
"""  # noqa: S608 (table names come from the models; every value is a parameter)


def connection_params() -> dict[str, Any]:
    """The default database's connection parameters, without Django's own cursor, adapters
    and prepare settings (this connection has psycopg's defaults)."""
    params = dict(connections["default"].get_connection_params())
    for name in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(name, None)
    return params


class EventWriter:
    """Gathers rows from concurrent requests into one insert; one per process and loop."""

    def __init__(self) -> None:
        self._pending: list[tuple[EventRow, asyncio.Future[Stored]]] = []
        self._flushing = False
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def store(self, row: EventRow) -> Stored:
        """Store ``row`` unless it exists; raises when the database could not be asked."""
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    outcomes = await self._insert([row for row, _ in batch])
                except Exception as exc:
                    logger.warning("webhook lane insert failed: %r", exc)
                    await self.close()
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)
        finally:
            self._flushing = False

    async def _insert(self, rows: list[EventRow]) -> list[Stored]:
        first: dict[tuple[int, str, str], int] = {}  # a copy in the same batch asks once
        unique = [first.setdefault(row.key, n) == n for n, row in enumerate(rows)]
        sent = [row for row, is_first in zip(rows, unique, strict=True) if is_first]
        params: dict[str, Any] = {
            "tenant": [r.tenant_id for r in sent],
            "channel": [r.channel_id for r in sent],
            "key": [r.webhook_key for r in sent],
            "sealed": [r.sealed for r in sent],
            "purpose": [r.purpose for r in sent],
            "event": [r.provider_event_id for r in sent],
            "ctype": [r.content_type for r in sent],
            "body": [r.body for r in sent],
            "headers": [json.dumps(dict(r.headers), sort_keys=True) for r in sent],
            "now": timezone.now(),
        }
        conn = await self._connection()
        async with conn.cursor() as cursor:
            await cursor.execute(_statement(), params, prepare=True)
            answers = await cursor.fetchall()
        by_key: dict[tuple[int, str, str], Stored] = {}
        for (n, live, made), row in zip(answers, sent, strict=True):
            assert n == len(by_key) + 1
            by_key[row.key] = Stored.CREATED if made else Stored.EXISTING if live else Stored.STALE
        # A copy of a row made in this batch is a redelivery; otherwise it shares its answer.
        return [
            Stored.EXISTING
            if not is_first and by_key[row.key] is Stored.CREATED
            else by_key[row.key]
            for row, is_first in zip(rows, unique, strict=True)
        ]

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                **connection_params(), autocommit=True
            )
        return self._conn

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:
                logger.debug("closing the webhook lane connection failed", exc_info=True)
