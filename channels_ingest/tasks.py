"""Celery tasks of the channels room. Tasks take ids and are idempotent."""

from __future__ import annotations

from celery import shared_task

from channels_ingest.delivery import message_deliver_now
from channels_ingest.services import event_process, events_due
from helpdesk.tasks import tenant_task


@shared_task(name="channels_ingest.inbound_event_process")
@tenant_task
def inbound_event_process(tenant_id: int, event_id: int) -> str:
    return event_process(event_id=event_id)


@shared_task(name="channels_ingest.inbound_events_drain")
def inbound_events_drain() -> int:
    """Process stored events in claimed batches (woken by webhooks; see ``drain``)."""
    from channels_ingest.drain import events_drain

    return events_drain()


@shared_task(name="channels_ingest.inbound_events_process")
def inbound_events_process(pairs: list[list[int]]) -> int:
    """Process the ``[tenant_id, event_id]`` pairs the sweeper handed out."""
    from channels_ingest.drain import events_process

    return events_process([(tenant_id, event_id) for tenant_id, event_id in pairs])


@shared_task(name="channels_ingest.inbound_events_sweep")
def inbound_events_sweep() -> int:
    """Re-queue events nobody processed (lost wake-up, crashed worker, broker down), one
    task per batch."""
    from channels_ingest.drain import BATCH

    due = events_due()
    for start in range(0, len(due), BATCH):
        inbound_events_process.delay([list(pair) for pair in due[start : start + BATCH]])
    return len(due)


@shared_task(
    name="channels_ingest.message_deliver",
    bind=True,
    max_retries=6,
    acks_late=True,
)
def message_deliver(self, tenant_id: int, message_id: int) -> str:  # type: ignore[no-untyped-def]
    return tenant_task(_deliver)(tenant_id, message_id, self)


def _deliver(tenant_id: int, message_id: int, task) -> str:  # type: ignore[no-untyped-def]
    final = task.request.retries >= task.max_retries
    outcome = message_deliver_now(message_id=message_id, final_attempt=final)
    if outcome == "retry":
        raise task.retry(countdown=min(30 * 2**task.request.retries, 1800))
    return outcome


@shared_task(name="channels_ingest.imap_channels_poll")
def imap_channels_poll() -> int:
    """Fetch new mail of every IMAP channel (periodic)."""
    from channels_ingest.imap_services import imap_channels_poll as poll

    return poll()
