"""Capacity under concurrency: workers on separate PostgreSQL connections assign at once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections, transaction

from helpdesk.models import Role
from helpdesk.tenancy import tenant_scope
from inbox.assignment import ticket_assign_auto
from inbox.models import Ticket
from routing.models import AgentLoad
from routing.services import agent_settings_update
from tests.factories import MembershipFactory, TicketFactory
from tests.seats import make_seat

pytestmark = pytest.mark.django_db(transaction=True)

AGENTS, CAPACITY, TICKETS, WORKERS = 20, 3, 100, 8


def test_concurrent_workers_never_assign_past_capacity() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes every writer, so nothing races")
    seat = make_seat("race")
    with tenant_scope(seat.tenant):
        agents = [MembershipFactory(tenant=seat.tenant, role=Role.AGENT) for _ in range(AGENTS)]
        for member in agents:
            agent_settings_update(membership=member, capacity={"chat": CAPACITY}, presence="online")
        ids = [TicketFactory(tenant=seat.tenant, channel_kinds=["chat"]).pk for _ in range(TICKETS)]
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def work(share: list[int]) -> None:
        try:
            barrier.wait()
            with tenant_scope(seat.tenant):
                for ticket_id in share:
                    with transaction.atomic():
                        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
                        ticket_assign_auto(ticket=ticket)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(ids[i::WORKERS],)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with tenant_scope(seat.tenant):
        per_agent = Counter(
            Ticket.objects.filter(assignee__isnull=False).values_list("assignee_id", flat=True)
        )
        loads = dict(
            AgentLoad.objects.filter(channel_kind="chat").values_list("membership_id", "active")
        )
        queued = Ticket.objects.filter(assignee__isnull=True, routing_queued_at__isnull=False)
        # Nobody above capacity, nobody idle while work waits, the counters agree with rows.
        assert per_agent == Counter({m.pk: CAPACITY for m in agents})
        assert loads == {m.pk: CAPACITY for m in agents}
        assert queued.count() == TICKETS - AGENTS * CAPACITY
