"""The customer 360 timeline: all channels, oldest first, a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.merging import customer_merge
from customers.models import Customer, Organization
from customers.services import customer_create, organization_create
from helpdesk.tenancy import tenant_scope
from inbox.models import Call
from inbox.services import message_record, ticket_open, ticket_update
from tests.seats import Seat

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _customer_with_history(
    seat: Seat, tickets: int, per_ticket: int, organization: Organization | None = None
) -> Customer:
    with tenant_scope(seat.tenant) as tenant:
        customer = customer_create(
            tenant=tenant,
            name="Priya",
            organization=organization,
            identities=[("email", f"priya{tickets}@acme.example", True)],
        )
        kinds = ["email", "whatsapp", "voice", "chat"]
        for t in range(tickets):
            kind = kinds[t % len(kinds)]
            opened = START + timedelta(hours=t)
            ticket = ticket_open(
                tenant=tenant, customer=customer, subject=f"T{t}", channel_kind=kind, at=opened
            )
            for m in range(per_ticket):
                message = message_record(
                    ticket=ticket,
                    direction="inbound" if m % 2 == 0 else "outbound",
                    body_text=f"t{t} m{m}",
                    channel_kind=kind,
                    channel_id=10 + t % len(kinds),
                    customer=customer if m % 2 == 0 else None,
                    # interleave tickets: message m of every ticket comes before m+1 of any
                    at=START + timedelta(days=m, minutes=t),
                )
                if kind == "voice" and m == 0:
                    Call.objects.create(
                        tenant=tenant, message=message, direction="inbound", duration_seconds=61
                    )
        return customer


def test_every_message_of_every_ticket_oldest_first_with_its_channel(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant) as tenant:
        acme = organization_create(tenant=tenant, name="Acme", tier="tier1", plan="Enterprise")
        Organization.objects.filter(pk=acme.pk).update(
            contract="Premium support", contract_ends_on=dt.date(2027, 1, 31)
        )
    priya = _customer_with_history(seat_a, tickets=3, per_ticket=2, organization=acme)
    with tenant_scope(seat_a.tenant):
        first_ticket = priya.tickets.order_by("id").first()
        assert first_ticket is not None
        ticket_update(ticket=first_ticket, actor=None, status="solved")
    body = seat_a.client().get(f"/api/v1/customers/{priya.pk}/timeline/").json()
    assert [(m["body_text"], m["channel"], m["direction"]) for m in body["results"]] == [
        ("t0 m0", "email", "inbound"),
        ("t1 m0", "whatsapp", "inbound"),
        ("t2 m0", "voice", "inbound"),
        ("t0 m1", "email", "outbound"),
        ("t1 m1", "whatsapp", "outbound"),
        ("t2 m1", "voice", "outbound"),
    ]
    assert body["results"][2]["call"]["duration_seconds"] == 61
    assert body["results"][0]["author"] == {"type": "customer", "id": priya.pk, "name": "Priya"}
    assert [m["ticket"] for m in body["results"][:3]] == [t["id"] for t in body["tickets"]]
    assert [t["status"] for t in body["tickets"]] == ["solved", "new", "new"]
    assert body["open_tickets"] == [t["id"] for t in body["tickets"][1:]]
    assert body["organization"] == {
        "id": acme.pk,
        "name": "Acme",
        "tier": "tier1",
        "plan": "Enterprise",
        "contract": "Premium support",
        "contract_ends_on": "2027-01-31",
        "open_tickets": 2,
    }
    assert body["customer"]["tier"] == "tier1"
    assert body["customer"]["identities"][0]["value"] == "priya3@acme.example"
    assert body["next"] is None
    # each entry is the ticket messages API's representation plus its ticket
    ticket_id = body["tickets"][2]["id"]
    listed = seat_a.client().get(f"/api/v1/tickets/{ticket_id}/messages/").json()["results"]
    assert [{"ticket": ticket_id, **m} for m in listed] == [
        m for m in body["results"] if m["ticket"] == ticket_id
    ]


def test_pages_follow_each_other_and_a_merged_away_id_shows_the_survivor(seat_a: Seat) -> None:
    priya = _customer_with_history(seat_a, tickets=2, per_ticket=3)
    twin = _customer_with_history(seat_a, tickets=1, per_ticket=2)
    with tenant_scope(seat_a.tenant):
        customer_merge(survivor=priya, other=twin, actor=None)
    client = seat_a.client()
    url = f"/api/v1/customers/{twin.pk}/timeline/?limit=3"
    seen = []
    while url:
        page = client.get(url).json()
        assert page["customer"]["id"] == priya.pk
        seen += [m["body_text"] for m in page["results"]]
        url = page["next"]
    assert len(seen) == 8
    # the twin's first message (same minute as priya's, later id) joined in time order
    assert seen[:3] == ["t0 m0", "t0 m0", "t1 m0"]
    assert client.get(f"/api/v1/customers/{priya.pk}/timeline/?limit=0").status_code == 400


def test_the_timeline_costs_the_same_queries_whatever_the_volume(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant) as tenant:
        acme = organization_create(tenant=tenant, name="Acme")
    small = _customer_with_history(seat_a, tickets=1, per_ticket=2, organization=acme)
    large = _customer_with_history(seat_a, tickets=12, per_ticket=6, organization=acme)
    bare = _customer_with_history(seat_a, tickets=0, per_ticket=0)
    client = seat_a.client()
    counts = {}
    for name, customer in (("small", small), ("large", large), ("bare", bare)):
        client.get(f"/api/v1/customers/{customer.pk}/timeline/")  # token touch settles
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/customers/{customer.pk}/timeline/?limit=200")
        assert response.status_code == 200
        counts[name] = len(queries)
    full = client.get(f"/api/v1/customers/{large.pk}/timeline/?limit=200").json()
    assert len(full["results"]) == 72
    # token, customer, identities, tickets, org's open tickets, page of message ids, the
    # page's messages, their attachments; no organization: no count; no tickets: no messages
    assert counts == {"small": 8, "large": 8, "bare": 4}


def test_unknown_or_foreign_customers_have_no_timeline(seat_a: Seat, seat_b: Seat) -> None:
    priya = _customer_with_history(seat_a, tickets=1, per_ticket=1)
    assert seat_b.client().get(f"/api/v1/customers/{priya.pk}/timeline/").status_code == 404
    assert seat_a.client().get("/api/v1/customers/999999/timeline/").status_code == 404
    assert timezone.now() > START
