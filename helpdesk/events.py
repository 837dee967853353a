"""The domain event bus.

Services call ``event_publish`` inside their transaction; subscribers run once it commits,
each event stamped with the tenant's next ``seq``. Rooms lower in the house subscribe in their
``AppConfig.ready`` so nothing imports upward. A failing subscriber is logged and never blocks
the others: state is the truth, events are notifications of it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from helpdesk.redis_client import cache_key, cache_redis
from helpdesk.tenancy import tenant_current_or_none

if TYPE_CHECKING:
    from helpdesk.models import Tenant

logger = logging.getLogger(__name__)

ALL = "*"


@dataclass(frozen=True)
class DomainEvent:
    name: str
    tenant_id: int
    payload: Mapping[str, Any]
    occurred_at: datetime
    seq: int = 0
    user_ids: tuple[int, ...] = ()
    broadcast: bool = True  # False: only the named users' groups receive it
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_message(self) -> dict[str, Any]:
        return {
            "event": self.name,
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(),
            "data": dict(self.payload),
        }


Handler = Callable[[DomainEvent], None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    """Run ``handler`` for every committed event called ``name`` (``"*"`` for all)."""
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    if handler in _subscribers[name]:
        _subscribers[name].remove(handler)


def event_tenant(event: DomainEvent) -> Tenant | None:
    """The event's tenant: the active one when it is the same (events are dispatched when the
    transaction that published them commits, usually still in its tenant's scope), else read."""
    active = tenant_current_or_none()
    if active is not None and active.pk == event.tenant_id:
        return active
    from helpdesk.models import Tenant  # models import this module's callers

    return Tenant.objects.filter(pk=event.tenant_id).first()


def seq_next(tenant_id: int, count: int = 1) -> int:
    """The last of the tenant's next ``count`` event sequence numbers (atomic in Redis; per
    process in memory)."""
    key = f"event-seq:{tenant_id}"
    client = cache_redis()
    if client is not None:  # one INCRBY (a missing key counts from 0) instead of three calls
        return int(client.incrby(cache_key(key), count))
    cache.add(key, 0, timeout=None)
    try:
        return int(cache.incr(key, count))
    except ValueError:  # evicted between add and incr
        cache.add(key, 0, timeout=None)
        return int(cache.incr(key, count))


def seq_current(tenant_id: int) -> int:
    return int(cache.get(f"event-seq:{tenant_id}", 0))


def event_publish(
    *,
    tenant_id: int,
    name: str,
    payload: Mapping[str, Any],
    user_ids: tuple[int, ...] = (),
    broadcast: bool = True,
) -> None:
    """Queue an event for dispatch when the current transaction commits."""
    event = DomainEvent(
        name=name,
        tenant_id=tenant_id,
        payload=payload,
        occurred_at=timezone.now(),
        user_ids=user_ids,
        broadcast=broadcast,
    )
    transaction.on_commit(partial(_dispatch, event))


_held: ContextVar[list[DomainEvent] | None] = ContextVar("held_events", default=None)


@contextmanager
def events_held() -> Iterator[None]:
    """Events whose transaction commits within the block wait and are dispatched together at
    its end, each tenant's sequence numbers taken in one call (batch work: the inbound drain).
    Order is kept; events of a transaction that rolled back never arrive here."""
    held: list[DomainEvent] = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
        counts: dict[int, int] = {}
        for event in held:
            counts[event.tenant_id] = counts.get(event.tenant_id, 0) + 1
        next_seq = {tenant: seq_next(tenant, n) - n + 1 for tenant, n in counts.items()}
        for event in held:
            seq = next_seq[event.tenant_id]
            next_seq[event.tenant_id] = seq + 1
            _handle(replace(event, seq=seq))


def _dispatch(event: DomainEvent) -> None:
    held = _held.get()
    if held is not None:
        held.append(event)
        return
    _handle(replace(event, seq=seq_next(event.tenant_id)))


def _handle(stamped: DomainEvent) -> None:
    for handler in [*_subscribers.get(stamped.name, ()), *_subscribers.get(ALL, ())]:
        try:
            handler(stamped)
        except Exception:
            logger.exception("event handler %r failed for %s", handler, stamped.name)
