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


def test_a_freed_slot_always_takes_waiting_work_while_workers_solve_at_once() -> None:
    """Solving on 6 connections at once while a monitor reads the queue and the loads in
    one snapshot after another: never an agent with room while a ticket waits."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes every writer, so nothing races")
    from inbox.services import ticket_update

    agents_n, capacity, tickets_n, workers = 10, 2, 120, 6
    seat = make_seat("drain")
    with tenant_scope(seat.tenant):
        agents = [MembershipFactory(tenant=seat.tenant, role=Role.AGENT) for _ in range(agents_n)]
        for member in agents:
            agent_settings_update(membership=member, capacity={"chat": capacity}, presence="online")
        for _ in range(tickets_n):
            with transaction.atomic():
                ticket_assign_auto(ticket=TicketFactory(tenant=seat.tenant, channel_kinds=["chat"]))
        assert Ticket.objects.filter(assignee__isnull=True).count() == tickets_n - 20
    table, loads = Ticket._meta.db_table, AgentLoad._meta.db_table
    stop = threading.Event()
    errors: list[BaseException] = []
    seen = {"samples": 0, "idle_while_waiting": 0, "over": 0}

    def monitor() -> None:
        try:
            with connection.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute(
                        f"SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant_id = %s AND status "
                        "IN ('new', 'open') AND assignee_id IS NULL), EXISTS (SELECT 1 FROM "
                        f"{loads} WHERE tenant_id = %s AND channel_kind = 'chat' AND active < "
                        f"capacity), (SELECT max(active) FROM {loads} WHERE tenant_id = %s)",
                        [seat.tenant.pk] * 3,
                    )
                    waiting, room, top = cursor.fetchone()
                    seen["samples"] += 1
                    seen["idle_while_waiting"] += bool(waiting and room)
                    seen["over"] += top > capacity
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def solve() -> None:
        try:
            with tenant_scope(seat.tenant):
                while True:
                    with transaction.atomic():
                        ticket = (
                            Ticket.objects.filter(status="new", assignee__isnull=False)
                            .select_for_update(skip_locked=True)
                            .order_by("id")
                            .first()
                        )
                        if ticket is None:
                            if not Ticket.objects.filter(status="new").exists():
                                return
                            continue
                        ticket_update(ticket=ticket, actor=None, status="solved")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=monitor)
    watcher.start()
    threads = [threading.Thread(target=solve) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stop.set()
    watcher.join()
    assert errors == []
    with tenant_scope(seat.tenant):
        assert Ticket.objects.filter(status="solved").count() == tickets_n
        assert set(
            AgentLoad.objects.filter(channel_kind="chat").values_list("active", flat=True)
        ) == {0}
    assert seen["samples"] > 50
    assert (seen["idle_while_waiting"], seen["over"]) == (0, 0)
