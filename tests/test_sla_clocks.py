"""SLA clocks through the real path: API-made calendars and policies, ingested messages,
agent replies, status changes and the sweeper."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from customers.models import Customer, Identity
from helpdesk.tenancy import tenant_scope
from inbox.inbound import InboundMessage, SenderIdentity
from inbox.models import Direction, Ticket
from inbox.services import message_ingest, message_record, ticket_update
from inbox.sla_sweep import sla_sweep_run
from tests.factories import OrganizationFactory
from tests.seats import Seat

WEEKDAYS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """Freeze ``timezone.now`` at a settable instant (status changes use it)."""
    now = [utc(2026, 11, 23, 14, 0)]
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    yield now


def setup(seat: Seat, *, weekly: Any = WEEKDAYS, holidays: Any = (), **policy: Any) -> int:
    client = seat.client()
    hours = client.post(
        "/api/v1/business-hours/",
        {
            "name": "New York",
            "timezone": "America/New_York",
            "weekly": weekly,
            "holidays": list(holidays),
        },
        format="json",
    )
    assert hours.status_code == 201, hours.content
    body = {
        "name": "Standard",
        "tier": None,
        "priority": None,
        "business_hours": hours.json()["id"],
    }
    body.update(policy)
    created = client.post("/api/v1/sla-policies/", body, format="json")
    assert created.status_code == 201, created.content
    return int(created.json()["id"])


def email(text: str, at: datetime, ext: str, sender: str = "ana@acme.example") -> InboundMessage:
    return InboundMessage(
        channel_id=1,
        channel_kind="email",
        external_id=ext,
        sender=SenderIdentity(kind="email", value=sender, verified=True),
        body_text=text,
        subject=text,
        sent_at=at,
        message_id=f"<{ext}@mail>",
    )


def whatsapp(text: str, at: datetime, ext: str, number: str = "+14155550101") -> InboundMessage:
    return InboundMessage(
        channel_id=2,
        channel_kind="whatsapp",
        external_id=ext,
        sender=SenderIdentity(kind="whatsapp", value=number, verified=True),
        body_text=text,
        sent_at=at,
    )


def ingest(seat: Seat, inbound: InboundMessage) -> Ticket:
    message = message_ingest(tenant=seat.tenant, inbound=inbound)
    assert message is not None
    return Ticket.objects.get(pk=message.ticket_id)


@pytest.mark.parametrize(
    ("arrived", "first_due", "weekly", "holidays"),
    [
        # Friday 16:00 EST + 120 business minutes: 60 on Friday, 60 on Monday from 09:00.
        (utc(2026, 11, 20, 21, 0), utc(2026, 11, 23, 15, 0), WEEKDAYS, ()),
        # The DST week: Friday 16:00 EDT (UTC-4), Monday 10:00 EST (UTC-5) after fall-back.
        (utc(2026, 10, 30, 20, 0), utc(2026, 11, 2, 15, 0), WEEKDAYS, ()),
        # Wednesday 16:00 before a Thursday holiday: the rest lands on Friday 10:00.
        (utc(2026, 11, 25, 21, 0), utc(2026, 11, 27, 15, 0), WEEKDAYS, ("2026-11-26",)),
        # Split shift 09-12 and 13-17: Monday 11:30 + 120 = 30 before lunch, 90 after.
        (
            utc(2026, 11, 23, 16, 30),
            utc(2026, 11, 23, 19, 30),
            {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]},
            (),
        ),
    ],
    ids=["friday-to-monday", "dst-week", "holiday", "split-shift"],
)
def test_business_minute_due_times_through_the_policy(
    seat_a: Seat, arrived: datetime, first_due: datetime, weekly: Any, holidays: Any
) -> None:
    policy_id = setup(
        seat_a,
        weekly=weekly,
        holidays=holidays,
        first_response_minutes=120,
        resolution_minutes=480,
    )
    with tenant_scope(seat_a.tenant):
        ticket = ingest(seat_a, email("Cannot log in", arrived, "m1"))
    assert (ticket.sla_policy_id, ticket.first_response_due_at) == (policy_id, first_due)
    assert ticket.sla_due_at == first_due
    assert ticket.resolution_due_at is not None and ticket.resolution_due_at > first_due
    sla = seat_a.client().get(f"/api/v1/tickets/{ticket.pk}/").json()["sla"]
    assert sla["policy"] == {"id": policy_id, "name": "Standard"}
    assert sla["first_response_due_at"] == first_due.isoformat().replace("+00:00", "Z")
    assert (sla["breached"], sla["paused"], sla["first_response_at"]) == (False, False, None)


def test_same_customer_on_email_and_whatsapp_gets_the_same_policy(seat_a: Seat) -> None:
    client = seat_a.client()
    for name, tier, minutes in (("Tier 1", "tier1", 30), ("Everyone", None, 240)):
        response = client.post(
            "/api/v1/sla-policies/",
            {"name": name, "tier": tier, "first_response_minutes": minutes},
            format="json",
        )
        assert response.status_code == 201
    with tenant_scope(seat_a.tenant):
        org = OrganizationFactory(tenant=seat_a.tenant, tier="tier1")
        customer = Customer.objects.create(tenant=seat_a.tenant, name="Ana", organization=org)
        for kind, value in (("email", "ana@acme.example"), ("whatsapp", "+14155550101")):
            Identity.objects.create(
                tenant=seat_a.tenant, customer=customer, kind=kind, value=value, verified=True
            )
        at = utc(2026, 11, 23, 14, 0)
        by_mail = ingest(seat_a, email("Refund please", at, "e1"))
        by_chat = ingest(seat_a, whatsapp("Refund please", at, "w1"))
        assert by_mail.pk != by_chat.pk
        assert by_mail.customer_id == by_chat.customer_id == customer.pk
        assert by_mail.sla_policy.name == by_chat.sla_policy.name == "Tier 1"
        assert (
            by_mail.first_response_due_at
            == by_chat.first_response_due_at
            == at + timedelta(minutes=30)
        )


def test_pause_on_pending_resumes_with_the_remaining_time(
    seat_a: Seat, clock: list[datetime]
) -> None:
    seat_a.client().post(
        "/api/v1/sla-policies/",
        {"name": "24/7", "first_response_minutes": 60, "resolution_minutes": 240},
        format="json",
    )
    start = utc(2026, 11, 23, 9, 0)
    with tenant_scope(seat_a.tenant):
        ticket = ingest(seat_a, whatsapp("Help", start, "w1"))
        assert ticket.first_response_due_at == start + timedelta(minutes=60)
        clock[0] = start + timedelta(minutes=20)
        ticket_update(ticket=ticket, actor=None, status="pending")
        ticket.refresh_from_db()
        assert ticket.sla_paused_at == clock[0]
        assert (ticket.first_response_due_at, ticket.sla_due_at, ticket.sla_next_check_at) == (
            None,
            None,
            None,
        )
        targets = seat_a.client().get(f"/api/v1/tickets/{ticket.pk}/").json()["sla"]["targets"]
        assert targets["first_response"]["remaining_seconds"] == 40 * 60
        assert targets["resolution"]["remaining_seconds"] == 220 * 60
        clock[0] = start + timedelta(hours=2)
        ticket_update(ticket=ticket, actor=None, status="open")
        ticket.refresh_from_db()
        assert ticket.sla_paused_at is None
        assert ticket.first_response_due_at == clock[0] + timedelta(minutes=40)
        assert ticket.resolution_due_at == clock[0] + timedelta(minutes=220)
        # An agent reply meets the first response in time; solving meets the resolution.
        clock[0] += timedelta(minutes=10)
        message_record(
            ticket=ticket,
            direction=Direction.OUTBOUND,
            body_text="On it",
            author=seat_a.member,
            at=clock[0],
        )
        ticket.refresh_from_db()
        assert ticket.first_response_at == clock[0]
        assert ticket.sla_clock["clocks"]["first_response"]["met_at"] == clock[0].isoformat()
        assert ticket.sla_due_at == ticket.resolution_due_at
        clock[0] += timedelta(minutes=10)
        ticket_update(ticket=ticket, actor=None, status="solved")
        ticket.refresh_from_db()
        assert ticket.sla_clock["clocks"]["resolution"]["met_at"] == clock[0].isoformat()
        assert (ticket.sla_due_at, ticket.sla_next_check_at, ticket.sla_breached_at) == (
            None,
            None,
            None,
        )


def test_next_response_restarts_on_each_customer_message_after_a_reply(seat_a: Seat) -> None:
    seat_a.client().post(
        "/api/v1/sla-policies/",
        {"name": "24/7", "first_response_minutes": 60, "next_response_minutes": 30},
        format="json",
    )
    start = utc(2026, 11, 23, 9, 0)
    with tenant_scope(seat_a.tenant):
        ticket = ingest(seat_a, whatsapp("Help", start, "w1"))
        ingest(seat_a, whatsapp("Still there?", start + timedelta(minutes=5), "w2"))
        ticket.refresh_from_db()
        assert ticket.next_response_due_at is None  # nobody answered yet
        reply_at = start + timedelta(minutes=10)
        message_record(ticket=ticket, direction=Direction.OUTBOUND, body_text="Hi", at=reply_at)
        again = start + timedelta(minutes=50)
        ticket = ingest(seat_a, whatsapp("Thanks, one more thing", again, "w3"))
        assert ticket.next_response_due_at == again + timedelta(minutes=30)
        assert ticket.sla_due_at == again + timedelta(minutes=30)


def test_breach_after_downtime_is_dated_at_the_due_time(seat_a: Seat) -> None:
    team = seat_a.client().post(
        "/api/v1/teams/", {"name": "Leads", "members": [seat_a.member.pk]}, format="json"
    )
    assert team.status_code == 201
    seat_a.client().post(
        "/api/v1/sla-policies/",
        {
            "name": "24/7",
            "first_response_minutes": 30,
            "warning_minutes": 10,
            "escalation": [
                {"when": "breach", "type": "set_priority", "priority": "urgent"},
                {"when": "breach", "type": "notify_team", "team": team.json()["id"]},
            ],
        },
        format="json",
    )
    start = timezone.now() - timedelta(hours=5)
    with tenant_scope(seat_a.tenant):
        ticket = ingest(seat_a, whatsapp("Help", start, "w1"))
    due = start + timedelta(minutes=30)
    assert ticket.sla_next_check_at == due - timedelta(minutes=10)
    # Nothing ran for five hours; the first sweep afterwards marks the breach at the due time.
    result = sla_sweep_run()
    assert (result.checked, result.breaches, result.warnings) == (1, 1, 0)
    with tenant_scope(seat_a.tenant):
        ticket.refresh_from_db()
        assert ticket.sla_breached_at == due
        assert ticket.sla_clock["clocks"]["first_response"]["breached_at"] == due.isoformat()
        assert (ticket.priority, ticket.sla_next_check_at) == (4, None)
        trace = ticket.routing_traces.order_by("id").last()
        assert trace is not None and trace.trigger == "sla_breached"
    assert sla_sweep_run().checked == 0
    sla = seat_a.client().get(f"/api/v1/tickets/{ticket.pk}/").json()["sla"]
    assert sla["breached"] is True


def test_warning_fires_before_the_breach(seat_a: Seat) -> None:
    seat_a.client().post(
        "/api/v1/sla-policies/",
        {"name": "24/7", "first_response_minutes": 30, "warning_minutes": 10},
        format="json",
    )
    start = timezone.now() - timedelta(minutes=25)
    with tenant_scope(seat_a.tenant):
        ticket = ingest(seat_a, whatsapp("Help", start, "w1"))
    result = sla_sweep_run()
    assert (result.breaches, result.warnings) == (0, 1)
    with tenant_scope(seat_a.tenant):
        ticket.refresh_from_db()
    assert ticket.sla_breached_at is None
    assert ticket.sla_next_check_at == start + timedelta(minutes=30)
