"""Privacy requests: export everything about a customer, erase it, both audited, admins only."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from customers.merging import customer_merge
from customers.models import Customer, CustomerAudit, Identity, MergeSuggestion
from customers.services import customer_create
from customers.suggestions import suggestion_raise
from helpdesk.models import Role
from helpdesk.tenancy import tenant_scope
from inbox.models import Attachment, Call, Message, Ticket
from inbox.services import message_record, ticket_open
from tests.factories import MembershipFactory, token_for
from tests.seats import Seat, make_seat


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


@pytest.fixture
def priya(seat_a: Seat, media: Path) -> Customer:
    with tenant_scope(seat_a.tenant) as tenant:
        priya = customer_create(
            tenant=tenant,
            name="Priya Raman",
            identities=[("email", "priya@acme.example", True)],
        )
        twin = customer_create(
            tenant=tenant, name="Priya R", identities=[("phone", "+14155550101", True)]
        )
        ticket = ticket_open(tenant=tenant, customer=twin, subject="My invoice 2231")
        inbound = message_record(
            ticket=ticket,
            direction="inbound",
            body_text="Card ending 4242 was charged twice",
            channel_kind="email",
            customer=twin,
        )
        message_record(ticket=ticket, direction="outbound", body_text="Refunded, Priya")
        call = message_record(
            ticket=ticket, direction="inbound", body_text="", channel_kind="voice", customer=twin
        )
        Call.objects.create(
            tenant=tenant,
            message=call,
            direction="inbound",
            from_number="+14155550101",
            recording_url="https://api.twilio.com/rec/RE1",
            transcript="Hi it's Priya",
        )
        content = b"%PDF-1.4 invoice"
        attachment = Attachment(
            tenant=tenant,
            message=inbound,
            filename="invoice.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        attachment.file.save("invoice.pdf", ContentFile(content), save=False)
        attachment.save()
        customer_merge(survivor=priya, other=twin, actor=None)
        stranger = customer_create(tenant=tenant, name="Stranger")
        suggestion_raise(customer=priya, other=stranger, signal="text", evidence={"v": "x"})
        return priya


def test_export_holds_everything_and_is_audited(seat_a: Seat, priya: Customer) -> None:
    response = seat_a.client().get(f"/api/v1/customers/{priya.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="customer-{priya.pk}.json"'
    data = response.json()
    assert data["customer"]["name"] == "Priya Raman"
    assert sorted(i["value"] for i in data["identities"]) == [
        "+14155550101",
        "priya@acme.example",
    ]
    assert [c["name"] for c in data["merged_customers"]] == ["Priya R"]
    assert [t["subject"] for t in data["tickets"]] == ["My invoice 2231"]
    assert [m["body_text"] for m in data["messages"]] == [
        "Card ending 4242 was charged twice",
        "Refunded, Priya",
        "",
    ]
    assert data["messages"][0]["attachments"][0]["filename"] == "invoice.pdf"
    assert data["messages"][2]["call"]["transcript"] == "Hi it's Priya"
    assert [a["action"] for a in data["audit"]] == ["merge"]
    assert len(data["merge_suggestions"]) == 1
    with tenant_scope(seat_a.tenant):
        audit = CustomerAudit.objects.get(action="export")
        assert (audit.customer_id, audit.actor_id) == (priya.pk, seat_a.member.pk)
        assert audit.detail == {"tickets": 1, "messages": 3}


def test_erase_removes_identities_content_and_files(
    seat_a: Seat, priya: Customer, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_scope(seat_a.tenant):
        stored = media / Attachment.objects.get().file.name
        twin_id = Customer.objects.get(merged_into=priya).pk
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = seat_a.client().post(
            f"/api/v1/customers/{priya.pk}/erase/", {"reason": "GDPR request #88"}, format="json"
        )
    assert len(callbacks) == 2  # the file deletion and the customer.erased event
    assert response.status_code == 200
    assert response.json()["erased"] == {
        "customers": 2,
        "identities": 2,
        "merge_suggestions": 1,
        "tickets": 1,
        "messages": 3,
        "attachments": 1,
        "calls": 1,
    }
    assert not stored.exists()
    with tenant_scope(seat_a.tenant):
        assert Identity.objects.count() == 0
        assert MergeSuggestion.objects.count() == 0
        assert Attachment.objects.count() == 0
        assert set(Message.objects.values_list("body_text", "body_html", "subject")) == {
            ("", "", "")
        }
        assert Ticket.objects.get().subject == ""
        call = Call.objects.get()
        assert (call.from_number, call.recording_url, call.transcript) == ("", "", "")
        for customer in Customer.objects.filter(pk__in=[priya.pk, twin_id]):
            assert (customer.name, customer.erased_at is not None) == ("", True)
        assert Customer.objects.get(name="Stranger").erased_at is None
        audit = CustomerAudit.objects.get(action="erase")
        assert (audit.actor_id, audit.reason) == (seat_a.member.pk, "GDPR request #88")
        assert audit.detail["customers"] == [priya.pk, twin_id]
    again = seat_a.client().post(
        f"/api/v1/customers/{priya.pk}/erase/", {"reason": "again"}, format="json"
    )
    assert again.status_code == 409
    shown = seat_a.client().get(f"/api/v1/customers/{priya.pk}/").json()
    assert (shown["name"], shown["identities"]) == ("", [])


def _state(seat: Seat) -> dict[str, Any]:
    with tenant_scope(seat.tenant):
        return {
            "identities": sorted(Identity.objects.values_list("pk", "customer_id", "value")),
            "customers": sorted(Customer.objects.values_list("pk", "name", "erased_at")),
            "messages": sorted(Message.objects.values_list("pk", "body_text")),
            "attachments": Attachment.objects.count(),
            "audit": CustomerAudit.objects.count(),
        }


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "x", "hard": True}, "hard")],
)
def test_erase_refusals_change_nothing(
    seat_a: Seat, priya: Customer, body: dict[str, Any], field: str
) -> None:
    before = _state(seat_a)
    response = seat_a.client().post(f"/api/v1/customers/{priya.pk}/erase/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert _state(seat_a) == before


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER])
def test_only_admins_export_or_erase(seat_a: Seat, priya: Customer, role: str) -> None:
    member = MembershipFactory(tenant=seat_a.tenant, role=role)
    seat = Seat(tenant=seat_a.tenant, member=member, token=token_for(member))
    before = _state(seat_a)
    client = seat.client()
    export = client.get(f"/api/v1/customers/{priya.pk}/export/")
    erase = client.post(
        f"/api/v1/customers/{priya.pk}/erase/", {"reason": "I want to"}, format="json"
    )
    assert (export.status_code, erase.status_code) == (403, 403)
    assert _state(seat_a) == before
    assert client.get(f"/api/v1/customers/{priya.pk}/timeline/").status_code == 200


def test_a_merged_away_id_erases_the_survivor(seat_a: Seat, priya: Customer) -> None:
    with tenant_scope(seat_a.tenant):
        twin_id = Customer.objects.get(merged_into=priya).pk
    response = seat_a.client().post(
        f"/api/v1/customers/{twin_id}/erase/", {"reason": "request"}, format="json"
    )
    assert response.status_code == 200
    with tenant_scope(seat_a.tenant):
        assert Customer.objects.get(pk=priya.pk).erased_at is not None
    other_tenant = make_seat("charlie")
    assert (
        other_tenant.client()
        .post(f"/api/v1/customers/{priya.pk}/erase/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )
