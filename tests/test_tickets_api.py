"""The ticket API: the contract's shape, the inbox order, filters, pagination and patches."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk import events
from helpdesk.tenancy import tenant_scope
from inbox.models import Priority, Ticket
from inbox.services import message_record
from tests.factories import CustomerFactory, MembershipFactory, TeamFactory, TicketFactory
from tests.seats import Seat


def make(seat: Seat, **kwargs) -> Ticket:
    with tenant_scope(seat.tenant):
        return TicketFactory(tenant=seat.tenant, **kwargs)


def test_ticket_representation_matches_the_contract(seat_a: Seat) -> None:
    ticket = make(seat_a, subject="Refund", priority=Priority.HIGH)
    with tenant_scope(seat_a.tenant):
        message_record(ticket=ticket, direction="inbound", body_text="hi", channel_kind="email")
        message_record(ticket=ticket, direction="inbound", body_text="hi", channel_kind="whatsapp")
    body = seat_a.client().get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert set(body) == {
        "id",
        "number",
        "subject",
        "status",
        "priority",
        "customer",
        "channels",
        "assignee",
        "team",
        "tags",
        "sla",
        "created_at",
        "updated_at",
    }
    assert body["subject"] == "Refund"
    assert body["priority"] == "high"
    assert body["status"] == "new"
    assert body["channels"] == ["email", "whatsapp"]
    assert body["customer"] == ticket.customer_id
    assert set(body["sla"]) == {
        "policy",
        "first_response_due_at",
        "first_response_at",
        "next_response_due_at",
        "resolution_due_at",
        "breached",
        "paused",
        "breached_at",
        "targets",
    }
    assert body["sla"]["breached"] is False


def test_list_is_ordered_by_sla_urgency_then_priority(seat_a: Seat) -> None:
    now = timezone.now()
    late = make(seat_a, subject="late", sla_due_at=now + timedelta(hours=5))
    soon = make(seat_a, subject="soon", sla_due_at=now + timedelta(hours=1))
    none_low = make(seat_a, subject="none-low", priority=Priority.LOW)
    none_urgent = make(seat_a, subject="none-urgent", priority=Priority.URGENT)
    soon_urgent = make(
        seat_a, subject="soon-urgent", sla_due_at=soon.sla_due_at, priority=Priority.URGENT
    )
    results = seat_a.client().get("/api/v1/tickets/").json()["results"]
    assert [t["id"] for t in results] == [
        soon_urgent.pk,
        soon.pk,
        late.pk,
        none_urgent.pk,
        none_low.pk,
    ]


def test_cursor_pagination_walks_every_ticket_once(seat_a: Seat) -> None:
    now = timezone.now()
    made = []
    for i in range(7):
        due = now + timedelta(minutes=i % 3) if i % 2 else None
        made.append(make(seat_a, sla_due_at=due, priority=1 + i % 4).pk)
    client, seen, url = seat_a.client(), [], "/api/v1/tickets/?limit=2"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [t["id"] for t in body["results"]]
        url = body["next"]
        pages += 1
    assert pages == 4
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


def test_filters(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        customer = CustomerFactory(tenant=seat_a.tenant)
        team = TeamFactory(tenant=seat_a.tenant)
    mine = make(seat_a, subject="Billing question", assignee=seat_a.member, status="open")
    theirs = make(seat_a, subject="Login broken", customer=customer, team=team, status="pending")
    with tenant_scope(seat_a.tenant):
        message_record(
            ticket=theirs, direction="inbound", body_text="x", channel_kind="sms", channel_id=77
        )
    client = seat_a.client()

    def ids(query: str) -> list[int]:
        return [t["id"] for t in client.get(f"/api/v1/tickets/?{query}").json()["results"]]

    assert ids("status=open") == [mine.pk]
    assert sorted(ids("status=open,pending")) == sorted([mine.pk, theirs.pk])
    assert ids(f"customer={customer.pk}") == [theirs.pk]
    assert ids("assignee=me") == [mine.pk]
    assert ids(f"assignee={seat_a.member.pk}") == [mine.pk]
    assert ids("assignee=none") == [theirs.pk]
    assert ids(f"team={team.pk}") == [theirs.pk]
    assert ids("channel=sms") == [theirs.pk]
    assert ids("channel=77") == [theirs.pk]
    assert ids("channel=email") == []
    assert ids("q=billing") == [mine.pk]
    assert ids(f"q=%23{theirs.number}") == [theirs.pk]


def test_list_query_count_does_not_grow_with_tickets(seat_a: Seat) -> None:
    client = seat_a.client()
    client.get("/api/v1/tickets/")  # the token records its first use once
    for _ in range(3):
        make(seat_a)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/tickets/")
    for _ in range(12):
        make(seat_a)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/tickets/").json()["results"]) == 15
    # token, tickets with their relations, tags
    assert len(few) == len(many) == 3


def test_patch_changes_status_priority_assignee_team_tags(seat_a: Seat) -> None:
    ticket = make(seat_a)
    with tenant_scope(seat_a.tenant):
        agent = MembershipFactory(tenant=seat_a.tenant)
        team = TeamFactory(tenant=seat_a.tenant)
    response = seat_a.client().patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {
            "status": "solved",
            "priority": "urgent",
            "assignee": agent.pk,
            "team": team.pk,
            "tags": ["VIP", "refund", "vip"],
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["priority"], body["assignee"], body["team"], body["tags"]) == (
        "solved",
        "urgent",
        agent.pk,
        team.pk,
        ["refund", "vip"],
    )
    with tenant_scope(seat_a.tenant):
        ticket.refresh_from_db()
    assert ticket.solved_at is not None
    reopened = seat_a.client().patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"status": "open", "assignee": None, "tags": []},
        format="json",
    )
    assert (reopened.json()["assignee"], reopened.json()["tags"]) == (None, [])
    with tenant_scope(seat_a.tenant):
        ticket.refresh_from_db()
    assert ticket.solved_at is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "exploded"}, "status"),
        ({"priority": "critical"}, "priority"),
        ({"assignee": 999999}, "assignee"),
        ({"team": 999999}, "team"),
        ({"tags": "not-a-list"}, "tags"),
    ],
)
def test_invalid_patch_is_400_and_changes_nothing(seat_a: Seat, payload, field) -> None:
    ticket = make(seat_a, subject="Stay as is")
    response = seat_a.client().patch(f"/api/v1/tickets/{ticket.pk}/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    with tenant_scope(seat_a.tenant):
        after = Ticket.objects.get(pk=ticket.pk)
    assert (after.status, after.priority, after.assignee_id, after.team_id) == (
        "new",
        Priority.NORMAL,
        None,
        None,
    )


def test_assignee_from_another_tenant_is_refused(seat_a: Seat, seat_b: Seat) -> None:
    ticket = make(seat_a)
    response = seat_a.client().patch(
        f"/api/v1/tickets/{ticket.pk}/", {"assignee": seat_b.member.pk}, format="json"
    )
    assert response.status_code == 400
    with tenant_scope(seat_a.tenant):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_patch_publishes_one_event_after_commit(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    ticket = make(seat_a)
    seen: list[events.DomainEvent] = []
    events.subscribe("ticket.updated", seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            seat_a.client().patch(
                f"/api/v1/tickets/{ticket.pk}/", {"status": "open"}, format="json"
            )
            seat_a.client().patch(
                f"/api/v1/tickets/{ticket.pk}/", {"status": "open"}, format="json"
            )
    finally:
        events.unsubscribe("ticket.updated", seen.append)
    assert len(seen) == 1
    assert seen[0].tenant_id == seat_a.tenant.pk
    assert seen[0].payload["changed"] == ["status"]
    assert seen[0].payload["status"] == "open"


def test_messages_are_listed_oldest_first(seat_a: Seat) -> None:
    ticket = make(seat_a)
    now = timezone.now()
    with tenant_scope(seat_a.tenant):
        second = message_record(
            ticket=ticket,
            direction="outbound",
            body_text="second",
            channel_kind="email",
            author=seat_a.member,
            at=now,
        )
        first = message_record(
            ticket=ticket,
            direction="inbound",
            body_text="first",
            channel_kind="email",
            at=now - timedelta(minutes=5),
        )
    body = seat_a.client().get(f"/api/v1/tickets/{ticket.pk}/messages/").json()
    assert [m["id"] for m in body["results"]] == [first.pk, second.pk]
    assert body["results"][1]["author"] == {
        "type": "member",
        "id": seat_a.member.pk,
        "name": seat_a.member.display_name,
    }
    assert body["results"][0]["channel"] == "email"
    assert body["next"] is None
