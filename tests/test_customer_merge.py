"""Merging two customers, undoing it, and the refusals that leave everything as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from customers.merging import customer_merge, customer_references, customer_unmerge
from customers.models import Customer, CustomerAudit, Identity, MergeSuggestion
from customers.services import customer_create, identity_resolve, organization_create
from customers.suggestions import suggestion_raise
from helpdesk.errors import DomainError
from helpdesk.tenancy import tenant_scope
from inbox.models import Message, Ticket, TicketTag
from inbox.services import message_record, ticket_open, ticket_tags_set
from tests.seats import Seat


@dataclass
class Pair:
    priya: Customer
    twin: Customer


def _conversation(customer: Customer, kind: str, tags: list[str]) -> Ticket:
    ticket = ticket_open(
        tenant=customer.tenant, customer=customer, subject=f"via {kind}", channel_kind=kind
    )
    message_record(
        ticket=ticket, direction="inbound", body_text="help", channel_kind=kind, customer=customer
    )
    message_record(ticket=ticket, direction="outbound", body_text="on it", channel_kind=kind)
    message_record(ticket=ticket, direction="note", body_text="VIP, be quick")
    ticket_tags_set(ticket=ticket, names=tags)
    return ticket


@pytest.fixture
def pair(seat_a: Seat) -> Pair:
    with tenant_scope(seat_a.tenant) as tenant:
        acme = organization_create(tenant=tenant, name="Acme", tier="tier1")
        priya = customer_create(
            tenant=tenant,
            name="Priya Raman",
            identities=[("email", "priya@acme.example", True)],
        )
        twin = customer_create(
            tenant=tenant,
            name="+1 415 555 0101",
            language="en",
            organization=acme,
            identities=[("whatsapp", "+14155550101", True), ("phone", "+14155550101", False)],
        )
        _conversation(priya, "email", ["billing"])
        _conversation(twin, "whatsapp", ["urgent", "billing"])
        return Pair(priya=priya, twin=twin)


def snapshot() -> dict[str, Any]:
    return {
        "identities": sorted(Identity.objects.values_list("pk", "customer_id", "kind", "value")),
        "tickets": sorted(Ticket.objects.values_list("pk", "customer_id", "subject")),
        "messages": sorted(
            Message.objects.values_list("pk", "ticket_id", "customer_id", "body_text")
        ),
        "tags": sorted(TicketTag.objects.values_list("ticket_id", "tag__name")),
        "customers": sorted(
            Customer.objects.values_list(
                "pk", "name", "language", "tier", "organization_id", "merged_into_id"
            )
        ),
    }


def test_the_merge_moves_everything_and_the_undo_brings_it_all_back(
    seat_a: Seat, pair: Pair
) -> None:
    client = seat_a.client()
    with tenant_scope(seat_a.tenant):
        before = snapshot()
        twin_tickets = set(Ticket.objects.filter(customer=pair.twin).values_list("pk", flat=True))
    response = client.post(
        f"/api/v1/customers/{pair.priya.pk}/merge/",
        {"other": pair.twin.pk, "reason": "Same person, confirmed on the phone"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == pair.priya.pk
    assert body["name"] == "Priya Raman"
    assert body["language"] == "en"  # taken from the twin, who had one
    assert body["organization"]["name"] == "Acme"
    assert body["tier"] == "tier1"
    assert body["identities"] == [
        {"kind": "email", "value": "priya@acme.example", "verified": True},
        {"kind": "phone", "value": "+14155550101", "verified": False},
        {"kind": "whatsapp", "value": "+14155550101", "verified": True},
    ]
    with tenant_scope(seat_a.tenant):
        assert set(Ticket.objects.values_list("customer_id", flat=True)) == {pair.priya.pk}
        assert set(
            Message.objects.filter(direction="inbound").values_list("customer_id", flat=True)
        ) == {pair.priya.pk}
        assert TicketTag.objects.count() == 3
        audit = CustomerAudit.objects.get()
        assert (audit.action, audit.customer_id, audit.other_id, audit.actor_id) == (
            "merge",
            pair.priya.pk,
            pair.twin.pk,
            seat_a.member.pk,
        )
        assert audit.reason == "Same person, confirmed on the phone"
        assert set(audit.detail["moved"]["inbox.Ticket.customer"]) == twin_tickets
        assert len(audit.detail["moved"]["customers.Identity.customer"]) == 2
        assert len(audit.detail["moved"]["inbox.Message.customer"]) == 1
        assert audit.detail["filled"] == ["language", "organization_id"]
    # The merged-away id keeps answering with the survivor.
    assert client.get(f"/api/v1/customers/{pair.twin.pk}/").json()["id"] == pair.priya.pk
    listed = [c["id"] for c in client.get("/api/v1/customers/").json()["results"]]
    assert listed == [pair.priya.pk]

    undo = client.post(
        f"/api/v1/customers/{pair.priya.pk}/unmerge/",
        {"other": pair.twin.pk, "reason": "Wrong person after all"},
        format="json",
    )
    assert undo.status_code == 200
    assert undo.json()["id"] == pair.twin.pk
    with tenant_scope(seat_a.tenant):
        assert snapshot() == before
        merge, unmerge = CustomerAudit.objects.order_by("id")
        assert merge.undone_at is not None and merge.undone_by_id == seat_a.member.pk
        assert unmerge.action == "unmerge"
        assert unmerge.detail["merge"] == merge.pk
        assert unmerge.detail["restored"] == ["language", "organization_id"]
    history = client.get(f"/api/v1/customers/{pair.twin.pk}/audit/").json()["results"]
    assert [(h["action"], h["actor"]["id"]) for h in history] == [
        ("merge", seat_a.member.pk),
        ("unmerge", seat_a.member.pk),
    ]


def test_what_arrived_after_the_merge_stays_with_the_survivor(seat_a: Seat, pair: Pair) -> None:
    with tenant_scope(seat_a.tenant) as tenant:
        customer_merge(survivor=pair.priya, other=pair.twin, actor=None)
        later = identity_resolve(tenant=tenant, kind="whatsapp", value="14155550101")
        assert later.pk == pair.priya.pk
        _conversation(later, "whatsapp", [])
        customer_unmerge(survivor=pair.priya, other=pair.twin, actor=None)
        assert Ticket.objects.filter(customer=pair.priya).count() == 2
        assert Ticket.objects.filter(customer=pair.twin).count() == 1
        assert Identity.objects.get(kind="whatsapp").customer_id == pair.twin.pk


def test_chained_merges_resolve_and_undo_in_order(seat_a: Seat, pair: Pair) -> None:
    with tenant_scope(seat_a.tenant) as tenant:
        third = customer_create(tenant=tenant, name="P. R.")
        customer_merge(survivor=pair.twin, other=third, actor=None)
        customer_merge(survivor=pair.priya, other=pair.twin, actor=None)
    client = seat_a.client()
    assert client.get(f"/api/v1/customers/{third.pk}/").json()["id"] == pair.priya.pk
    refused = client.post(
        f"/api/v1/customers/{pair.twin.pk}/unmerge/", {"other": third.pk}, format="json"
    )
    # twin resolves to priya, into whom third was never merged
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "other": f"Customer {third.pk} is not merged into this one."
    }
    with tenant_scope(seat_a.tenant):
        with pytest.raises(DomainError, match="undo that first"):
            customer_unmerge(survivor=pair.twin, other=third, actor=None)
        customer_unmerge(survivor=pair.priya, other=pair.twin, actor=None)
        customer_unmerge(survivor=pair.twin, other=third, actor=None)
        assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_merge_accepts_the_suggestion_and_moves_the_others(seat_a: Seat, pair: Pair) -> None:
    with tenant_scope(seat_a.tenant) as tenant:
        third = customer_create(tenant=tenant, name="Someone")
        accepted = suggestion_raise(
            customer=pair.priya, other=pair.twin, signal="provided", evidence={"value": "x"}
        )
        suggestion_raise(customer=third, other=pair.twin, signal="text", evidence={"value": "y"})
    client = seat_a.client()
    listed = client.get(f"/api/v1/customers/{pair.twin.pk}/merge-suggestions/").json()
    assert [(s["customer"]["id"], s["confidence"]) for s in listed["results"]] == [
        (pair.priya.pk, 70),
        (third.pk, 40),
    ]
    assert listed["next"] is None
    client.post(f"/api/v1/customers/{pair.priya.pk}/merge/", {"other": pair.twin.pk}, format="json")
    with tenant_scope(seat_a.tenant):
        assert accepted is not None
        accepted.refresh_from_db()
        assert (accepted.status, accepted.resolved_by_id) == ("accepted", seat_a.member.pk)
        moved = MergeSuggestion.objects.get(status="open")
        assert (moved.customer_id, moved.other_id) == (pair.priya.pk, third.pk)
    with tenant_scope(seat_a.tenant):
        customer_unmerge(survivor=pair.priya, other=pair.twin, actor=None)
        accepted.refresh_from_db()
        assert accepted.status == "dismissed"  # undone: they are two people after all
        customer_merge(survivor=pair.priya, other=pair.twin, actor=None)
    after = client.get(f"/api/v1/customers/{pair.priya.pk}/merge-suggestions/").json()
    assert [s["customer"]["id"] for s in after["results"]] == [third.pk]
    dismissed = client.post(
        f"/api/v1/customers/{pair.priya.pk}/merge-suggestions/{moved.pk}/dismiss/"
    )
    assert dismissed.status_code == 204
    again = client.post(f"/api/v1/customers/{pair.priya.pk}/merge-suggestions/{moved.pk}/dismiss/")
    assert again.status_code == 404
    assert client.get(f"/api/v1/customers/{pair.priya.pk}/merge-suggestions/").json() == {
        "results": [],
        "next": None,
    }


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "other"),
        ({"other": "two"}, 400, "other"),
        ({"other": 424242}, 400, "other"),
        ({"other": 1, "why": "typo"}, 400, "why"),
    ],
)
def test_bad_merge_requests_change_nothing(
    seat_a: Seat, pair: Pair, body: dict[str, Any], status: int, field: str
) -> None:
    with tenant_scope(seat_a.tenant):
        before = snapshot()
    response = seat_a.client().post(
        f"/api/v1/customers/{pair.priya.pk}/merge/", body, format="json"
    )
    assert response.status_code == status
    assert field in response.json()["error"]["fields"]
    with tenant_scope(seat_a.tenant):
        assert snapshot() == before
        assert CustomerAudit.objects.count() == 0


def test_merging_into_itself_is_refused(seat_a: Seat, pair: Pair) -> None:
    with tenant_scope(seat_a.tenant):
        before = snapshot()
    response = seat_a.client().post(
        f"/api/v1/customers/{pair.priya.pk}/merge/", {"other": pair.priya.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "A customer cannot be merged with itself.",
        "fields": {"other": "A customer cannot be merged with itself."},
    }
    with tenant_scope(seat_a.tenant):
        assert snapshot() == before


def test_merging_across_tenants_is_refused(seat_a: Seat, seat_b: Seat, pair: Pair) -> None:
    with tenant_scope(seat_b.tenant) as tenant:
        theirs = customer_create(
            tenant=tenant, name="Bravo's", identities=[("email", "b@bravo.example", True)]
        )
    with tenant_scope(seat_a.tenant):
        before_a = snapshot()
    with tenant_scope(seat_b.tenant):
        before_b = snapshot()
    mine = seat_a.client().post(
        f"/api/v1/customers/{pair.priya.pk}/merge/", {"other": theirs.pk}, format="json"
    )
    assert mine.status_code == 400
    assert mine.json()["error"]["fields"] == {"other": "No customer with this id."}
    reverse = seat_b.client().post(
        f"/api/v1/customers/{theirs.pk}/merge/", {"other": pair.priya.pk}, format="json"
    )
    assert reverse.status_code == 400
    with tenant_scope(seat_a.tenant):
        assert snapshot() == before_a
        with pytest.raises(DomainError):
            customer_merge(survivor=pair.priya, other=theirs, actor=None)
    with tenant_scope(seat_b.tenant):
        assert snapshot() == before_b


def test_merging_an_already_merged_customer_is_a_conflict(seat_a: Seat, pair: Pair) -> None:
    with tenant_scope(seat_a.tenant) as tenant:
        third = customer_create(tenant=tenant, name="Third")
        customer_merge(survivor=pair.priya, other=pair.twin, actor=None)
        before = snapshot()
    response = seat_a.client().post(
        f"/api/v1/customers/{third.pk}/merge/", {"other": pair.twin.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        f"Customer {pair.twin.pk} was already merged into {pair.priya.pk}."
    )
    unmerge = seat_a.client().post(
        f"/api/v1/customers/{third.pk}/unmerge/", {"other": pair.priya.pk}, format="json"
    )
    assert unmerge.status_code == 400
    with tenant_scope(seat_a.tenant):
        assert snapshot() == before


def test_every_foreign_key_to_customer_is_carried_by_the_merge() -> None:
    labels = [label for label, _, _ in customer_references()]
    assert "inbox.Ticket.customer" in labels
    assert "inbox.Message.customer" in labels
    assert all(not label.startswith("customers.") for label in labels)
