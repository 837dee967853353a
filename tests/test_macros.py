"""Macros and canned responses: variables, ticket changes, the API and its refusals."""

from __future__ import annotations

import pytest

from helpdesk.models import Role
from helpdesk.tenancy import tenant_scope
from inbox.macro_selectors import macro_render
from inbox.models import Macro, Ticket
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    TicketFactory,
    UserFactory,
    token_for,
)
from tests.seats import Seat


def test_variables_render_for_the_ticket_on_any_channel(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        customer = CustomerFactory(tenant=seat_a.tenant, name="Dana Scully")
        ticket = TicketFactory(tenant=seat_a.tenant, customer=customer, subject="Login")
    agent = MembershipFactory(tenant=seat_a.tenant, user=UserFactory(name="Maya Lin"))
    text = macro_render(
        body="Hi {{ customer.first_name }} ({{customer.name}}), #{{ ticket.number }} "
        "'{{ ticket.subject }}' -- {{ agent.first_name }} / {{ agent.name }}",
        ticket=ticket,
        agent=agent,
    )
    assert text == f"Hi Dana (Dana Scully), #{ticket.number} 'Login' -- Maya / Maya Lin"


def test_api_creates_lists_and_applies_a_macro(seat_a: Seat) -> None:
    client = seat_a.client()
    created = client.post(
        "/api/v1/macros/",
        {
            "name": "Solve with thanks",
            "body": "Thanks {{ customer.first_name }}!",
            "set_status": "solved",
            "set_priority": "low",
            "add_tags": ["Billing", "billing", " thanks "],
            "set_assignee": seat_a.member.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["add_tags"] == ["billing", "thanks"]
    assert body["set_priority"] == "low"
    assert [m["name"] for m in client.get("/api/v1/macros/").json()["results"]] == [
        "Solve with thanks"
    ]
    with tenant_scope(seat_a.tenant):
        customer = CustomerFactory(tenant=seat_a.tenant, name="Fox Mulder")
        ticket = TicketFactory(tenant=seat_a.tenant, customer=customer, status="open")
    applied = client.post(
        f"/api/v1/tickets/{ticket.pk}/macros/{body['id']}/apply/", {}, format="json"
    )
    assert applied.status_code == 200, applied.content
    assert applied.json() == {
        "body": "Thanks Fox!",
        "changed": ["status", "priority", "assignee", "tags"],
    }
    with tenant_scope(seat_a.tenant):
        ticket = Ticket.objects.get(pk=ticket.pk)
        assert (ticket.status, ticket.priority, ticket.assignee_id) == (
            "solved",
            1,
            seat_a.member.pk,
        )
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "thanks"]
    again = client.post(
        f"/api/v1/tickets/{ticket.pk}/macros/{body['id']}/apply/", {}, format="json"
    )
    assert again.json()["changed"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Bad", "body": "Hi {{ customer.password }}"}, "body"),
        ({"name": "Empty", "body": ""}, "body"),
        ({"name": "Odd", "body": "x", "set_status": "exploded"}, "set_status"),
        ({"name": "Meh", "body": "x", "set_priority": "meh"}, "set_priority"),
        ({"name": "Who", "body": "x", "set_assignee": 999999}, "set_assignee"),
        ({"name": "Typo", "body": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_macros_are_refused_and_nothing_is_written(
    seat_a: Seat, payload: dict[str, object], field: str
) -> None:
    response = seat_a.client().post("/api/v1/macros/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    with tenant_scope(seat_a.tenant):
        assert Macro.objects.count() == 0


def test_duplicate_name_is_refused(seat_a: Seat) -> None:
    client = seat_a.client()
    assert (
        client.post("/api/v1/macros/", {"name": "Hi", "body": "x"}, format="json").status_code
        == 201
    )
    again = client.post("/api/v1/macros/", {"name": "Hi", "body": "y"}, format="json")
    assert again.status_code == 400
    assert "exists" in str(again.json()["error"]["fields"]["name"])
    with tenant_scope(seat_a.tenant):
        assert list(Macro.objects.values_list("body", flat=True)) == ["x"]


def test_agents_apply_but_do_not_edit_macros(seat_a: Seat) -> None:
    agent = MembershipFactory(tenant=seat_a.tenant, role=Role.AGENT)
    with tenant_scope(seat_a.tenant):
        macro = Macro.objects.create(tenant=seat_a.tenant, name="Hello", body="Hello!")
        ticket = TicketFactory(tenant=seat_a.tenant)
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(agent)}")
    assert (
        client.post("/api/v1/macros/", {"name": "Mine", "body": "x"}, format="json").status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/macros/{macro.pk}/", {"name": "X"}, format="json").status_code == 403
    )
    applied = client.post(
        f"/api/v1/tickets/{ticket.pk}/macros/{macro.pk}/apply/", {}, format="json"
    )
    assert applied.json() == {"body": "Hello!", "changed": []}
    with tenant_scope(seat_a.tenant):
        assert list(Macro.objects.values_list("name", flat=True)) == ["Hello"]


def test_a_switched_off_macro_does_not_apply(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        macro = Macro.objects.create(
            tenant=seat_a.tenant, name="Off", body="x", set_status="closed", is_active=False
        )
        ticket = TicketFactory(tenant=seat_a.tenant, status="open")
    response = seat_a.client().post(
        f"/api/v1/tickets/{ticket.pk}/macros/{macro.pk}/apply/", {}, format="json"
    )
    assert response.status_code == 400
    with tenant_scope(seat_a.tenant):
        assert Ticket.objects.get(pk=ticket.pk).status == "open"
