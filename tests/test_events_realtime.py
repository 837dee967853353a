"""The event bus and the agents' WebSocket: on-commit dispatch, per-tenant seq, relay."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from helpdesk import events
from helpdesk.asgi import application
from helpdesk.tenancy import tenant_scope
from inbox.services import ticket_update
from tests.factories import TicketFactory
from tests.seats import Seat

ORIGIN = (b"origin", b"http://testserver")


@pytest.mark.django_db(transaction=True)
def test_events_dispatch_only_after_commit_with_increasing_seq() -> None:
    seen: list[events.DomainEvent] = []
    events.subscribe("thing.happened", seen.append)
    try:
        with transaction.atomic():
            events.event_publish(tenant_id=1, name="thing.happened", payload={"n": 1})
            events.event_publish(tenant_id=1, name="thing.happened", payload={"n": 2})
            assert seen == []
        with pytest.raises(RuntimeError), transaction.atomic():
            events.event_publish(tenant_id=1, name="thing.happened", payload={"n": 3})
            raise RuntimeError("rolled back")
        events.event_publish(tenant_id=2, name="thing.happened", payload={"n": 4})
    finally:
        events.unsubscribe("thing.happened", seen.append)
    assert [e.payload["n"] for e in seen] == [1, 2, 4]
    assert seen[1].seq == seen[0].seq + 1
    assert seen[2].tenant_id == 2


@pytest.mark.django_db(transaction=True)
def test_held_events_arrive_together_at_the_end_in_order_with_consecutive_seqs() -> None:
    seen: list[events.DomainEvent] = []
    events.subscribe("batch.item", seen.append)
    try:
        with events.events_held():
            with transaction.atomic():
                events.event_publish(tenant_id=1, name="batch.item", payload={"n": 1})
            with pytest.raises(RuntimeError), transaction.atomic():
                events.event_publish(tenant_id=1, name="batch.item", payload={"n": 2})
                raise RuntimeError("rolled back")
            events.event_publish(tenant_id=2, name="batch.item", payload={"n": 3})
            events.event_publish(tenant_id=1, name="batch.item", payload={"n": 4})
            assert seen == []  # committed, and held until the block ends
        events.event_publish(tenant_id=1, name="batch.item", payload={"n": 5})
    finally:
        events.unsubscribe("batch.item", seen.append)
    assert [(e.tenant_id, e.payload["n"]) for e in seen] == [(1, 1), (2, 3), (1, 4), (1, 5)]
    tenant_one = [e.seq for e in seen if e.tenant_id == 1]
    assert tenant_one == list(range(tenant_one[0], tenant_one[0] + 3))


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_block_the_others() -> None:
    seen: list[str] = []

    def broken(event: events.DomainEvent) -> None:
        raise ValueError("boom")

    events.subscribe("x", broken)
    events.subscribe("x", lambda e: seen.append(e.name))
    try:
        events.event_publish(tenant_id=1, name="x", payload={})
    finally:
        events._subscribers.pop("x")
    assert seen == ["x"]


async def _connect(seat: Seat, query: str = "") -> WebsocketCommunicator:
    from django.test import Client

    client = Client()
    await sync_to_async(client.force_login)(seat.member.user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    communicator = WebsocketCommunicator(
        application,
        f"/ws/agent/{query}",
        headers=[(b"cookie", cookie.encode()), (b"host", b"testserver"), ORIGIN],
    )
    return communicator


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_agent_socket_receives_its_tenants_events_only(seat_a: Seat, seat_b: Seat) -> None:
    sock_a, sock_b = await _connect(seat_a), await _connect(seat_b)
    assert (await sock_a.connect())[0] and (await sock_b.connect())[0]
    hello = await sock_a.receive_json_from()
    assert hello["event"] == "hello"

    await sock_b.receive_json_from()

    def change() -> int:
        with tenant_scope(seat_a.tenant):
            ticket = TicketFactory(tenant=seat_a.tenant)
            ticket_update(ticket=ticket, actor=seat_a.member, status="open")
            return ticket.pk

    ticket_id = await sync_to_async(change)()
    updated = await sock_a.receive_json_from(timeout=5)
    assert updated["event"] == "ticket.updated"
    assert updated["data"]["id"] == ticket_id
    assert updated["seq"] > hello["seq"]
    assert await sock_b.receive_nothing(timeout=0.3)
    await sock_a.disconnect()
    await sock_b.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_anonymous_socket_is_refused() -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/agent/", headers=[(b"host", b"testserver"), ORIGIN]
    )
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401
