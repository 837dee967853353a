"""Workers claim stored events in batches instead of one broker task per event.

A webhook wakes the drain once its event committed: a ``SET NX`` flag in the cache, and a
Celery task only when the flag was not set already, so a burst of webhooks costs one task per
batch rather than one per event. The flag is set by a waker thread of the web process, so
the webhook's answer never waits for Redis and a burst sets it once per round.

A drain clears the flag before each claim, so an event committed after a claim found nothing
re-arms the flag and wakes another drain. Claims use ``FOR UPDATE SKIP LOCKED`` and lease
what they hand out (``next_attempt_at`` moves ahead), so two drains never take the same
event; ``events_process_locked`` still locks and checks them, and the periodic sweeper still
re-queues whatever a dead worker held once its lease ran out (in batches too: one task per
``BATCH`` events).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Sequence
from datetime import timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from channels_ingest.models import EventState, InboundEvent
from channels_ingest.services import channel_memo, events_process_locked
from helpdesk.events import events_held
from helpdesk.models import Tenant
from helpdesk.prepared import statement_cursor
from helpdesk.realtime import relay_batched
from helpdesk.redis_client import cache_key, cache_redis
from helpdesk.tenancy import tenant_scope
from routing.selectors import routing_config_memo

logger = logging.getLogger(__name__)

ARMED_KEY = "inbound-drain-armed"
ARMED_SECONDS = 60  # a lost drain task stops blocking new wakes after this
BATCH = 50
LEASE = timedelta(seconds=30)


def drain_wake() -> None:
    """Make sure a drain will look for new events (call after the event committed).

    Never raises: the webhook's answer depends on PostgreSQL alone, and the sweeper
    recovers events whose wake-up was lost.
    """
    from channels_ingest.tasks import inbound_events_drain

    try:
        if not _arm():
            return  # a drain is queued, or running and will claim again before it stops
    except Exception:
        logger.exception("could not arm the inbound drain")
        return
    try:
        inbound_events_drain.delay()
    except Exception:
        logger.exception("could not enqueue the inbound drain")
        _disarm()


_wake_due = threading.Event()
_waker: threading.Thread | None = None
_waker_lock = threading.Lock()


def drain_wake_soon() -> None:
    """``drain_wake`` off the caller's thread (a webhook's request, after its commit).

    One waker thread per process arms the drain; a request only flags that a wake is due.
    The waker clears the flag before it arms, so every commit is followed by an arming that
    starts after it, and a burst of webhooks costs one Redis call per round instead of one
    per request. With eager tasks (tests, the embedded set-up) it wakes at once, in line.
    """
    from channels_ingest.tasks import inbound_events_drain

    if inbound_events_drain.app.conf.task_always_eager:
        drain_wake()
        return
    global _waker
    if _waker is None or not _waker.is_alive():  # first use, or a forked child
        with _waker_lock:
            if _waker is None or not _waker.is_alive():
                _waker = threading.Thread(target=_wake_loop, name="drain-waker", daemon=True)
                _waker.start()
    _wake_due.set()


def _wake_loop() -> None:
    while True:
        _wake_due.wait()
        _wake_due.clear()
        drain_wake()


def _arm() -> bool:
    client = cache_redis()
    if client is None:
        return bool(cache.add(ARMED_KEY, 1, timeout=ARMED_SECONDS))
    return bool(client.set(cache_key(ARMED_KEY), 1, nx=True, ex=ARMED_SECONDS))


def _disarm() -> None:
    client = cache_redis()
    if client is None:
        cache.delete(ARMED_KEY)
    else:
        client.delete(cache_key(ARMED_KEY))


def events_claim(*, limit: int = BATCH, lease: timedelta = LEASE) -> list[tuple[int, int]]:
    """``(tenant_id, event_id)`` of up to ``limit`` due events, leased to the caller."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        with statement_cursor() as cursor:  # one statement, its own transaction
            cursor.execute(_claim_statement(), [now + lease, now, limit])
            return sorted(cursor.fetchall(), key=lambda row: row[1])  # oldest first
    with transaction.atomic():
        due = list(
            InboundEvent.objects.unscoped()  # the drain serves every tenant
            .select_for_update(skip_locked=True)
            .filter(state__in=[EventState.PENDING, EventState.RETRY], next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("tenant_id", "id")[:limit]
        )
        if due:
            # Lease what was claimed, across tenants like the look-up above.
            InboundEvent.objects.unscoped().filter(pk__in=[pk for _, pk in due]).update(
                next_attempt_at=now + lease
            )
    return due


@functools.cache
def _claim_statement() -> str:
    table = InboundEvent._meta.db_table
    due = ", ".join(f"'{state}'" for state in (EventState.PENDING, EventState.RETRY))
    # The drain serves every tenant; the rows it leases are named by id.
    return f"""
UPDATE {table} SET next_attempt_at = %s WHERE id IN (
    SELECT id FROM {table} WHERE state IN ({due}) AND next_attempt_at <= %s
    ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED
) RETURNING tenant_id, id
"""  # noqa: S608 (the table and states come from the model)


def events_drain(*, batch: int = BATCH, max_seconds: float = 20.0) -> int:
    """Claim and process batches until none is left; the number of events processed.

    After ``max_seconds`` with work still coming, it wakes a successor and returns, so
    other tasks get a turn on this worker process.
    """
    started = time.monotonic()
    tenants: dict[int, Tenant] = {}
    done = 0
    while True:
        try:
            _disarm()  # from here on, a new event wakes another drain
        except Exception:
            logger.exception("could not disarm the inbound drain")
        claimed = events_claim(limit=batch)
        events_process(claimed, tenants=tenants)
        done += len(claimed)
        if len(claimed) < batch:
            return done
        if time.monotonic() - started > max_seconds:
            drain_wake()
            return done


def events_process(
    pairs: Sequence[tuple[int, int]], *, tenants: dict[int, Tenant] | None = None
) -> int:
    """Process ``(tenant_id, event_id)`` pairs, each tenant's in one transaction, reading
    each tenant's routing and each channel once. Each event is still locked and checked, so
    an event done meanwhile is skipped. Returns how many were handed in."""
    tenants = {} if tenants is None else tenants
    by_tenant: dict[int, list[int]] = {}
    for tenant_id, event_id in pairs:
        by_tenant.setdefault(tenant_id, []).append(event_id)
    with routing_config_memo(), channel_memo():
        for tenant_id, event_ids in by_tenant.items():
            tenant = tenants.get(tenant_id)
            if tenant is None:
                tenant = tenants[tenant_id] = Tenant.objects.get(pk=tenant_id)
            # Subscribers run in the tenant too; the batch's live updates leave together.
            with tenant_scope(tenant), relay_batched(), events_held():
                events_process_locked(event_ids, leased=True)
    return len(pairs)
