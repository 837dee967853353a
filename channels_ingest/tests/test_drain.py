"""Batched draining: claims lease events, two claimers never share one, wakes re-arm."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_ingest.drain import (
    ARMED_KEY,
    drain_wake,
    drain_wake_soon,
    events_claim,
    events_drain,
    events_process,
)
from channels_ingest.models import Channel, EventState, InboundEvent
from channels_ingest.services import event_receive, events_due
from customers.models import Customer
from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_scope
from inbox.inbound import InboundMessage
from inbox.models import Message, Ticket
from tests.factories import ChannelFactory, TenantFactory
from tests.test_ride_along import trips


def _receive(
    channel: Channel, name: str, *, sender: str = "", message_id: str = ""
) -> InboundEvent:
    body = {
        "id": message_id or name,
        "from": {"kind": "email", "value": sender or f"{name}@example.com"},
        "text": "Hi",
    }
    with tenant_scope(channel.tenant):
        return event_receive(
            channel=channel,
            purpose="inbound",
            event_id=name,
            body=json.dumps(body).encode(),
            content_type="application/json",
            headers={},
        )[0]


def _setup(slug: str, count: int) -> tuple[Tenant, Channel, list[int]]:
    tenant = TenantFactory(slug=slug)
    with tenant_scope(tenant):
        channel = ChannelFactory(tenant=tenant)
    return tenant, channel, [_receive(channel, f"{slug}-{i}").pk for i in range(count)]


@pytest.mark.django_db
def test_a_claim_leases_its_events_and_a_second_claim_gets_the_rest() -> None:
    _, _, ids = _setup("claims", 5)
    first = events_claim(limit=3)
    second = events_claim(limit=3)
    assert [pk for _, pk in first] == ids[:3]
    assert [pk for _, pk in second] == ids[3:]
    assert events_claim(limit=3) == []
    leased = InboundEvent.objects.unscoped().filter(pk__in=ids)
    assert all(e.next_attempt_at > timezone.now() for e in leased)
    assert {e.state for e in leased} == {EventState.PENDING}
    # The sweeper leaves leased events alone until the lease and the grace ran out.
    assert events_due() == []
    expired = timezone.now() - timedelta(seconds=31)  # as if the claimer died a lease ago
    InboundEvent.objects.unscoped().filter(pk__in=ids).update(next_attempt_at=expired)
    assert sorted(pk for _, pk in events_due()) == ids


@pytest.mark.django_db
def test_a_drain_processes_every_due_event_once_and_disarms() -> None:
    tenant, channel, ids = _setup("drains", 7)
    cache.set(ARMED_KEY, 1)
    assert events_drain(batch=3) == 7
    assert cache.get(ARMED_KEY) is None
    with tenant_scope(tenant):
        states = set(InboundEvent.objects.filter(pk__in=ids).values_list("state", flat=True))
        assert states == {EventState.DONE}
        assert Message.objects.filter(channel_id=channel.pk).count() == 7
    assert events_drain(batch=3) == 0
    with tenant_scope(tenant):
        assert Message.objects.filter(channel_id=channel.pk).count() == 7


@pytest.mark.django_db
def test_one_broken_event_in_a_batch_leaves_the_others_stored(monkeypatch) -> None:
    from channels_ingest import services

    tenant, _, ids = _setup("batch", 3)
    real = services.message_ingest

    def flaky(*, tenant: Tenant, inbound: InboundMessage, savepoint: bool = True) -> Message | None:
        if inbound.external_id == "batch-1":
            raise RuntimeError("lost the connection")
        return real(tenant=tenant, inbound=inbound, savepoint=savepoint)

    monkeypatch.setattr(services, "message_ingest", flaky)
    assert events_process([(tenant.pk, pk) for pk in ids]) == 3
    with tenant_scope(tenant):
        rows = InboundEvent.objects.filter(pk__in=ids).order_by("id")
        assert [(e.state, e.attempts) for e in rows] == [
            (EventState.DONE, 1),
            (EventState.RETRY, 1),
            (EventState.DONE, 1),
        ]
        assert [e.last_error for e in rows] == ["", "RuntimeError: lost the connection", ""]
        assert rows[0].processed_at is not None and rows[1].processed_at is None
        assert rows[1].next_attempt_at > timezone.now() + timedelta(seconds=25)
        assert sorted(Message.objects.values_list("external_id", flat=True)) == [
            "batch-0",
            "batch-2",
        ]
    # Events of another tenant handed in with them are processed in that tenant.
    other, other_channel, other_ids = _setup("batch-other", 1)
    assert events_process([(other.pk, other_ids[0]), (tenant.pk, ids[1])]) == 2
    with tenant_scope(other):
        assert Message.objects.filter(channel_id=other_channel.pk).count() == 1
    with tenant_scope(tenant):
        assert InboundEvent.objects.get(pk=ids[1]).state == EventState.RETRY  # not due yet


@pytest.mark.django_db
def test_a_wake_enqueues_one_drain_until_a_drain_disarms(monkeypatch) -> None:
    from channels_ingest import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.inbound_events_drain, "delay", lambda: sent.append(1))
    cache.delete(ARMED_KEY)
    drain_wake()
    drain_wake()
    drain_wake()
    assert sent == [1]
    events_drain()  # clears the flag before it claims: the next event wakes another drain
    drain_wake()
    assert sent == [1, 1]
    cache.delete(ARMED_KEY)


@pytest.mark.django_db
def test_a_webhook_wake_is_armed_by_the_waker_thread_not_the_request(monkeypatch) -> None:
    from channels_ingest import tasks

    threads: list[str] = []
    woken = threading.Event()

    def delay() -> None:
        threads.append(threading.current_thread().name)
        woken.set()

    monkeypatch.setattr(tasks.inbound_events_drain, "delay", delay)
    conf = tasks.inbound_events_drain.app.conf
    eager, conf.task_always_eager = conf.task_always_eager, False  # a real broker
    cache.delete(ARMED_KEY)
    try:
        for _ in range(3):
            drain_wake_soon()
        assert woken.wait(5)
        time.sleep(0.05)  # any further arming of this burst would have happened by now
        assert threads == ["drain-waker"]  # armed once, off the caller's thread
        assert cache.get(ARMED_KEY) == 1
        events_drain()  # disarms: the next webhook wakes another drain
        woken.clear()
        drain_wake_soon()
        assert woken.wait(5)
        assert threads == ["drain-waker", "drain-waker"]
    finally:
        conf.task_always_eager = eager
        cache.delete(ARMED_KEY)


@pytest.mark.django_db
def test_with_eager_tasks_a_webhook_wake_runs_in_line(monkeypatch) -> None:
    from channels_ingest import tasks

    threads: list[str] = []
    monkeypatch.setattr(
        tasks.inbound_events_drain, "delay", lambda: threads.append(threading.current_thread().name)
    )
    cache.delete(ARMED_KEY)
    drain_wake_soon()
    assert threads == [threading.current_thread().name]
    cache.delete(ARMED_KEY)


@pytest.mark.django_db
def test_a_failed_enqueue_leaves_the_drain_unarmed(monkeypatch) -> None:
    from channels_ingest import tasks

    def broker_down() -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.inbound_events_drain, "delay", broker_down)
    cache.delete(ARMED_KEY)
    drain_wake()  # logged, not raised
    assert cache.get(ARMED_KEY) is None


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claimers_never_claim_one_event_twice() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    _, _, ids = _setup("rivals", 400)
    claimed: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def claimer(index: int) -> None:
        try:
            start.wait()
            while batch := events_claim(limit=7):
                claimed[index].extend(pk for _, pk in batch)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == ids


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_drains_store_each_message_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    tenant, channel, ids = _setup("drainers", 120)
    done: list[int] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            done.append(events_drain(batch=5))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(done) == 120
    with tenant_scope(tenant):
        assert Message.objects.filter(channel_id=channel.pk).count() == 120
        states = set(InboundEvent.objects.filter(pk__in=ids).values_list("state", flat=True))
        assert states == {EventState.DONE}


@pytest.mark.django_db
def test_the_sweeper_hands_out_leftovers_one_task_per_batch(monkeypatch) -> None:
    from channels_ingest import tasks

    tenant, channel, ids = _setup("sweeps", 120)
    overdue = timezone.now() - timedelta(minutes=1)
    InboundEvent.objects.unscoped().filter(pk__in=ids).update(next_attempt_at=overdue)
    sent: list[list[list[int]]] = []
    monkeypatch.setattr(tasks.inbound_events_process, "delay", sent.append)
    assert tasks.inbound_events_sweep() == 120
    assert [len(pairs) for pairs in sent] == [50, 50, 20]
    assert sorted(pk for pairs in sent for _, pk in pairs) == ids
    assert {tenant_id for pairs in sent for tenant_id, _ in pairs} == {tenant.pk}
    assert tasks.inbound_events_process(sent[0]) == 50
    with tenant_scope(tenant):
        assert Message.objects.filter(channel_id=channel.pk).count() == 50
    assert tasks.inbound_events_process(sent[0]) == 50  # again: nothing changes
    with tenant_scope(tenant):
        assert Message.objects.filter(channel_id=channel.pk).count() == 50


@pytest.mark.django_db(transaction=True)
def test_a_claimed_batch_waits_out_a_passing_row_lock_instead_of_leaving_events_behind() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    tenant, _, ids = _setup("passing", 3)
    claimed = events_claim(limit=3)
    locked, release = threading.Event(), threading.Event()

    def scanner() -> None:
        # What another drain's claim scan can do: lock a row it then does not take.
        try:
            with transaction.atomic():
                list(InboundEvent.objects.unscoped().select_for_update().filter(pk=ids[1]))
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=scanner)
    thread.start()
    assert locked.wait(10)
    threading.Timer(0.3, release.set).start()
    assert events_process(claimed) == 3
    thread.join(10)
    with tenant_scope(tenant):
        states = list(InboundEvent.objects.filter(pk__in=ids).values_list("state", flat=True))
        assert states == [EventState.DONE] * 3
        assert Message.objects.count() == 3


@pytest.mark.django_db
def test_a_batch_of_good_events_runs_under_one_savepoint_not_one_per_message() -> None:
    tenant, channel, first = _setup("together", 3)
    events_process([(tenant.pk, pk) for pk in first])
    senders = [f"together-{i}@example.com" for i in range(3)]  # known customers by now
    ids = [_receive(channel, f"again-{i}", sender=senders[i]).pk for i in range(3)]
    with CaptureQueriesContext(connection) as queries:
        events_process([(tenant.pk, pk) for pk in ids])
    savepoints = [q["sql"] for q in queries if q["sql"].startswith("SAVEPOINT")]
    # The batch's transaction (a savepoint here, inside the test's own) and the batch's
    # savepoint; one per message on top before.
    assert len(savepoints) == 2
    with tenant_scope(tenant):
        assert set(InboundEvent.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
            EventState.DONE
        }
        assert Message.objects.filter(channel_id=channel.pk).count() == 6
        assert Ticket.objects.count() == 3  # each follow-up joined its sender's ticket


@pytest.mark.django_db
def test_a_redelivery_in_a_batch_is_taken_back_and_the_batch_run_again_one_by_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tenant, channel, first = _setup("redo", 1)
    events_process([(tenant.pk, first[0])])
    # A provider sends message "redo-0" again under a new delivery id, between two new ones.
    ids = [
        _receive(channel, "redo-new-1").pk,
        _receive(channel, "redo-again", message_id="redo-0", sender="redo-0@example.com").pk,
        _receive(channel, "redo-new-2").pk,
    ]
    with caplog.at_level(logging.INFO, logger="channels_ingest.services"):
        events_process([(tenant.pk, pk) for pk in ids])
    assert "a batch of 3 events is run again one by one: IntegrityError" in caplog.text
    with tenant_scope(tenant):
        rows = InboundEvent.objects.filter(pk__in=ids).order_by("id")
        assert [(e.state, e.attempts, e.last_error) for e in rows] == [
            (EventState.DONE, 1, ""),
            (EventState.DONE, 1, ""),
            (EventState.DONE, 1, ""),
        ]
        assert sorted(Message.objects.values_list("external_id", flat=True)) == [
            "redo-0",
            "redo-new-1",
            "redo-new-2",
        ]
        assert Ticket.objects.count() == 3
        assert Customer.objects.count() == 3  # nothing of the first try was kept twice


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="writes ride along on PostgreSQL")
def test_in_a_batch_a_follow_up_costs_one_round_trip_the_rest_riding_along() -> None:
    tenant, channel, first = _setup("trips", 6)
    events_process([(tenant.pk, pk) for pk in first])  # six known senders, six tickets
    senders = [f"trips-{i}@example.com" for i in range(6)]

    def round_trips(names: list[str], count: int) -> int:
        ids = [_receive(channel, name, sender=senders[i]).pk for i, name in enumerate(names)]
        with trips() as sent:
            events_process([(tenant.pk, pk) for pk in ids[:count]])
        return len(sent)

    three = round_trips(["a-0", "a-1", "a-2"], 3)
    six = round_trips([f"b-{i}" for i in range(6)], 6)

    # The sender's look-up, carrying the conversation's read and the previous message's
    # writes; nothing else.
    assert six - three == 3
    with tenant_scope(tenant):
        assert Message.objects.filter(channel_id=channel.pk).count() == 15
        assert Ticket.objects.count() == 6
        assert set(
            Ticket.objects.values_list("last_inbound_at", flat=True)
        ) == set(  # each ticket's clocks moved with its own latest message
            Message.objects.filter(external_id__startswith="b-").values_list(
                "created_at", flat=True
            )
        )


def _world(slug: str, one_by_one: bool) -> dict[str, tuple[int, str]]:
    """Senders known, merged, claimed and new write in one batch (or one event at a time):
    each message's ticket number and its customer's name."""
    from customers.merging import customer_merge
    from customers.models import Identity, IdentityOrigin

    tenant, channel, first = _setup(slug, 2)  # ann and bob, a ticket each
    events_process([(tenant.pk, pk) for pk in first])
    with tenant_scope(tenant):
        ann = Customer.objects.get(identities__value=f"{slug}-0@example.com")
        bob = Customer.objects.get(identities__value=f"{slug}-1@example.com")
        Customer.objects.filter(pk=ann.pk).update(name="ann")
        Customer.objects.filter(pk=bob.pk).update(name="bob")
        ann.refresh_from_db()
        bob.refresh_from_db()
        customer_merge(survivor=bob, other=ann, actor=None)
        Identity.objects.create(  # typed by bob once: a claim, not a sighting
            tenant=tenant, customer=bob, kind="email", value="carol@example.com",
            origin=IdentityOrigin.PROVIDED,
        )  # fmt: skip
    later = [
        ("m-ann", f"{slug}-0@example.com"),  # merged into bob
        ("m-bob", f"{slug}-1@example.com"),
        ("m-dan-1", "dan@example.com"),  # new, twice in the batch
        ("m-carol", "carol@example.com"),  # the claim seen sending: a customer of her own
        ("m-dan-2", "dan@example.com"),
        ("m-bob-2", f"{slug}-1@example.com"),
    ]
    ids = [_receive(channel, f"{slug}-{name}", sender=sender).pk for name, sender in later]
    for group in [[pk] for pk in ids] if one_by_one else [ids]:
        events_process([(tenant.pk, pk) for pk in group])
    with tenant_scope(tenant):
        return {
            m.external_id.removeprefix(f"{slug}-"): (m.ticket.number, m.customer.name or "new")
            for m in Message.objects.select_related("ticket", "customer")
        }


@pytest.mark.django_db
def test_a_batch_threads_every_message_as_one_at_a_time_would() -> None:
    batch = _world("batch", one_by_one=False)
    single = _world("single", one_by_one=True)
    assert batch == single, (batch, single)
    assert batch["m-ann"] == batch["m-bob"] == batch["m-bob-2"]  # one customer, one thread
    assert batch["m-dan-1"][0] == batch["m-dan-2"][0] != batch["m-carol"][0]
    assert len({number for number, _ in batch.values()}) == 4


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the claim's one statement")
def test_a_claim_is_one_statement_oldest_first() -> None:
    _, _, ids = _setup("one-claim", 4)
    with CaptureQueriesContext(connection) as queries:
        claimed = events_claim(limit=3)
    assert [pk for _, pk in claimed] == ids[:3]
    assert len(queries) == 1 and queries[0]["sql"].lstrip().startswith("UPDATE")
