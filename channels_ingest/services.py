"""Writes on channels and inbound events: create/update channels, receive and process events."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from channels_ingest.adapters.base import ChannelContext, NormalizeError
from channels_ingest.adapters.registry import adapter_for
from channels_ingest.models import Channel, EventState, InboundEvent
from channels_ingest.selectors import channel_context
from helpdesk.errors import DomainError
from helpdesk.models import Tenant
from helpdesk.prepared import model_insert
from helpdesk.ride_along import ride_along
from inbox.inbound import CallUpdate, InboundMessage, StatusUpdate
from inbox.models import ChannelKind
from inbox.services import call_update_apply, message_ingest, message_status_apply

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def _validated_config(*, kind: str, provider: str, config: Mapping[str, Any]) -> dict[str, Any]:
    adapter = adapter_for(provider)
    if adapter is None:
        raise DomainError(f"Unknown provider '{provider}'.", field="provider")
    if kind not in ChannelKind.values:
        raise DomainError(f"Unknown channel kind '{kind}'.", field="kind")
    if kind not in adapter.kinds:
        kinds = ", ".join(sorted(adapter.kinds))
        raise DomainError(f"Provider '{provider}' serves {kinds}, not '{kind}'.", field="kind")
    missing = sorted(adapter.required_fields.get(kind, frozenset()) - set(config))
    if missing:
        raise DomainError(f"Missing config: {', '.join(missing)}.", field="config")
    errors = adapter.config_errors(kind, config)
    if errors:
        field, message = next(iter(sorted(errors.items())))
        raise DomainError(message, field=f"config.{field}")
    return dict(config)


@transaction.atomic
def channel_create(
    *, tenant: Tenant, kind: str, provider: str, name: str, config: Mapping[str, Any]
) -> Channel:
    clean = _validated_config(kind=kind, provider=provider, config=config)
    return Channel.objects.create(
        tenant=tenant, kind=kind, provider=provider, name=name, config=clean
    )


@transaction.atomic
def channel_update(
    *,
    channel: Channel,
    name: str | None = None,
    config: Mapping[str, Any] | None = None,
    is_active: bool | None = None,
) -> Channel:
    """Rename, (de)activate, or merge ``config`` into the current one (null removes a key)."""
    if config is not None:
        merged = {**channel.config, **config}
        merged = {key: value for key, value in merged.items() if value is not None}
        channel.config = _validated_config(
            kind=channel.kind, provider=channel.provider, config=merged
        )
    if name is not None:
        channel.name = name
    if is_active is not None:
        channel.is_active = is_active
    channel.save()
    return channel


def event_receive(
    *,
    channel: Channel,
    purpose: str,
    event_id: str,
    body: bytes,
    content_type: str,
    headers: Mapping[str, str],
) -> tuple[InboundEvent, bool]:
    """Store a verified delivery once; ``(event, created)``. A redelivery changes nothing.

    One ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: no savepoint, no second round
    trip, and a concurrent copy waits for the first and then inserts nothing.
    """
    now = timezone.now()
    event = InboundEvent(
        tenant_id=channel.tenant_id,
        channel=channel,
        purpose=purpose,
        provider_event_id=event_id[:255],
        content_type=content_type[:127],
        body=body,
        headers=dict(headers),
        received_at=now,
        next_attempt_at=now,
    )
    if model_insert(event, unless_exists=("tenant", "channel", "purpose", "provider_event_id")):
        return event, True
    existing = InboundEvent.objects.unscoped().get(  # the channel names the tenant
        channel=channel, purpose=purpose, provider_event_id=event.provider_event_id
    )
    return existing, False


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def event_process(*, event_id: int) -> str:
    """Turn a stored event into messages, exactly once. Returns the event's final state."""
    return events_process_locked([event_id]).get(event_id, "skipped")


def events_process_locked(event_ids: Sequence[int], *, leased: bool = False) -> dict[int, str]:
    """Process the active tenant's ``event_ids`` in one transaction; their final states.

    The events are locked in one statement (ones done already are left out of the answer),
    each runs in a savepoint of its own, so one bad event never undoes another, and their new
    states are written in one statement. An event another worker holds is skipped, unless the
    caller ``leased`` the events: then a row lock is someone's passing claim scan (which can
    touch rows it does not take) and is waited for, so a claimed event is never left behind.
    """
    with transaction.atomic():
        events = list(
            # Lock the event rows alone: locking their channel too would make every other
            # worker skip (and leave to the sweeper) events of the same channel meanwhile.
            InboundEvent.objects.select_for_update(skip_locked=not leased)
            .filter(pk__in=list(event_ids), state__in=[EventState.PENDING, EventState.RETRY])
            .order_by("id")
        )
        if not events:
            return {}
        _commit_without_waiting_for_disk()
        if not _run_together(events):
            for event in events:
                _event_run(event)
        _states_save(events)
    return {event.pk: str(event.state) for event in events}


def _run_together(events: Sequence[InboundEvent]) -> bool:
    """Run a batch's events under one savepoint instead of one per message (two round trips
    fewer per message), the writes nobody waits for (message rows, ticket updates) riding
    along with the next statement. True if none failed; else everything they did is taken
    back, their states are as before, and the caller runs them one by one to keep the good
    ones."""
    if len(events) < 2:
        return False
    before = [[getattr(event, name) for name in _STATE_FIELDS] for event in events]
    try:
        with transaction.atomic(), ride_along():
            for event in events:
                _event_run(event, together=True)
    except Exception as exc:
        logger.info("a batch of %d events is run again one by one: %r", len(events), exc)
        for event, values in zip(events, before, strict=True):
            for name, value in zip(_STATE_FIELDS, values, strict=True):
                setattr(event, name, value)
        return False
    return True


_STATE_FIELDS = ["state", "attempts", "next_attempt_at", "last_error", "processed_at"]


def _states_save(events: Sequence[InboundEvent]) -> None:
    """The events' new states in one statement (``unnest`` of one array per column on
    PostgreSQL; the ORM's CASE per column costs more to build than to run elsewhere)."""
    if connection.vendor != "postgresql":
        InboundEvent.objects.bulk_update(events, _STATE_FIELDS)
        return
    table = InboundEvent._meta.db_table
    sql = f"""
UPDATE {table} AS e SET state = v.state, attempts = v.attempts,
    next_attempt_at = v.next_attempt_at, last_error = v.last_error, processed_at = v.processed_at
FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::timestamptz[], %s::text[],
    %s::timestamptz[]) AS v(id, state, attempts, next_attempt_at, last_error, processed_at)
WHERE e.id = v.id AND e.tenant_id = %s
"""  # noqa: S608 (the table name comes from the model)
    columns = [[e.pk for e in events]]
    columns += [[getattr(e, name) for e in events] for name in _STATE_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*columns, events[0].tenant_id])


def _event_run(event: InboundEvent, *, together: bool = False) -> None:
    """Normalize and apply one locked event in a savepoint; record how it went on ``event``.

    ``together``: the caller's savepoint covers a whole batch, so a failure while applying
    (which may have broken the transaction) is raised for it; normalizing writes nothing, so
    a payload refused there is still recorded on the event.
    """
    event.attempts += 1
    channel, context = _channel_of(event.channel_id)
    adapter = adapter_for(channel.provider)
    applying = False
    try:
        if adapter is None:
            raise NormalizeError(f"No adapter for provider '{channel.provider}'.")
        items = adapter.normalize(context, event.purpose, bytes(event.body), event.headers)
        applying = True
        if together:
            for item in items:
                _apply(tenant=channel.tenant, item=item, savepoint=False)
        elif len(items) == 1 and isinstance(items[0], InboundMessage):
            _apply(tenant=channel.tenant, item=items[0])  # in a savepoint of its own
        else:
            with transaction.atomic():  # all of the event's items, or none
                for item in items:
                    _apply(tenant=channel.tenant, item=item)
    except Exception as exc:  # one bad event must never wedge the pipeline
        if together and applying:
            raise
        retryable = not isinstance(exc, NormalizeError) or exc.retryable
        event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if retryable and event.attempts < MAX_ATTEMPTS:
            event.state = EventState.RETRY
            event.next_attempt_at = timezone.now() + _backoff(event.attempts)
        else:
            event.state = EventState.FAILED
        logger.warning("inbound event %s failed: %s", event.pk, event.last_error)
    else:
        event.state = EventState.DONE if items else EventState.IGNORED
        event.processed_at = timezone.now()
        event.last_error = ""


_channel_memo: ContextVar[dict[int, tuple[Channel, ChannelContext]] | None] = ContextVar(
    "channel_memo", default=None
)


@contextmanager
def channel_memo() -> Iterator[None]:
    """Within the block each channel is loaded and decrypted once (a batch of events: a
    channel changed meanwhile is read again from the next block on)."""
    token = _channel_memo.set({})
    try:
        yield
    finally:
        _channel_memo.reset(token)


def _channel_of(channel_id: int) -> tuple[Channel, ChannelContext]:
    memo = _channel_memo.get()
    if memo is not None and channel_id in memo:
        return memo[channel_id]
    channel = Channel.objects.select_related("tenant").get(pk=channel_id)
    found = (channel, channel_context(channel))
    if memo is not None:
        memo[channel_id] = found
    return found


def _commit_without_waiting_for_disk() -> None:
    """Processing may commit asynchronously (PostgreSQL ``synchronous_commit = off``).

    The event's new state and the rows it produced commit together, so a commit lost in a
    crash leaves the event pending and the sweeper processes it again: still exactly once.
    Only the webhook's insert must be durable before its 200, and it keeps the default.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _apply(
    *, tenant: Tenant, item: InboundMessage | StatusUpdate | CallUpdate, savepoint: bool = True
) -> None:
    if isinstance(item, InboundMessage):
        message_ingest(tenant=tenant, inbound=item, savepoint=savepoint)
    elif isinstance(item, StatusUpdate):
        message_status_apply(update=item)
    else:
        call_update_apply(update=item)


def events_due(
    *,
    limit: int = 500,
    grace: timedelta = timedelta(seconds=30),
    lease: timedelta = timedelta(minutes=2),
) -> list[tuple[int, int]]:
    """``(tenant_id, event_id)`` of events left unprocessed past the grace period.

    Each one handed out is not handed out again for ``lease``: a backlog the workers are
    still draining is re-queued once, not on every sweep.
    """
    now = timezone.now()
    with transaction.atomic():
        due = list(
            InboundEvent.objects.unscoped()  # the sweeper serves every tenant
            .select_for_update(skip_locked=True)
            .filter(
                state__in=[EventState.PENDING, EventState.RETRY],
                next_attempt_at__lte=now - grace,
            )
            .order_by("next_attempt_at")
            .values_list("tenant_id", "id")[:limit]
        )
        # Lease what was handed out, across tenants like the look-up above.
        InboundEvent.objects.unscoped().filter(pk__in=[pk for _, pk in due]).update(
            next_attempt_at=now + lease - grace
        )
    return due
