"""Organizations: create with domains (customers join), list, get; refusals change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import Customer, Organization, OrganizationDomain
from customers.services import customer_create, organization_create
from helpdesk.models import Role
from helpdesk.tenancy import tenant_scope
from tests.factories import MembershipFactory, token_for
from tests.seats import Seat


@pytest.fixture
def people(seat_a: Seat) -> dict[str, Customer]:
    with tenant_scope(seat_a.tenant) as tenant:
        return {
            "marcus": customer_create(
                tenant=tenant, name="Marcus", identities=[("email", "marcus@acme.example", True)]
            ),
            "lucia": customer_create(
                tenant=tenant, name="Lucía", identities=[("email", "lucia@münchen.de", True)]
            ),
            "tom": customer_create(
                tenant=tenant, name="Tom", identities=[("email", "tom@acme.example.org", True)]
            ),
        }


def test_create_picks_up_customers_by_domain(seat_a: Seat, people: dict[str, Customer]) -> None:
    client = seat_a.client()
    response = client.post(
        "/api/v1/organizations/",
        {
            "name": "Acme",
            "tier": "tier1",
            "plan": "Enterprise",
            "contract_ends_on": "2027-01-31",
            "domains": ["ACME.example", "@xn--mnchen-3ya.de"],
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("name", "tier", "plan", "contract_ends_on", "domains")} == {
        "name": "Acme",
        "tier": "tier1",
        "plan": "Enterprise",
        "contract_ends_on": "2027-01-31",
        "domains": ["acme.example", "münchen.de"],
    }
    with tenant_scope(seat_a.tenant):
        joined = dict(Customer.objects.values_list("name", "organization_id"))
    assert joined == {"Marcus": body["id"], "Lucía": body["id"], "Tom": None}
    customer = client.get(f"/api/v1/customers/{people['marcus'].pk}/").json()
    assert (customer["organization"]["name"], customer["tier"]) == ("Acme", "tier1")
    assert client.get(f"/api/v1/organizations/{body['id']}/").json() == body
    assert [o["id"] for o in client.get("/api/v1/organizations/").json()["results"]] == [body["id"]]


def _state(seat: Seat) -> list[Any]:
    with tenant_scope(seat.tenant):
        return [
            sorted(Organization.objects.values_list("pk", "name")),
            sorted(OrganizationDomain.objects.values_list("domain", "organization_id")),
            sorted(Customer.objects.values_list("pk", "organization_id")),
        ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Globex", "domains": ["taken.example"]}, "domains"),
        ({"name": "Initech", "domains": ["not a domain"]}, "domains"),
        ({"name": "Initech", "domains": ["gmail.com"]}, "domains"),
        ({"name": "Initech", "domains": ["-bad-.example"]}, "domains"),
        ({"name": "Existing"}, "name"),
        ({"name": "   "}, "name"),
        ({"tier": "tier1"}, "name"),
        ({"name": "Initech", "domains": "initech.example"}, "domains"),
        ({"name": "Initech", "owner": "me"}, "owner"),
    ],
)
def test_bad_organizations_are_refused_and_nothing_changes(
    seat_a: Seat, people: dict[str, Customer], body: dict[str, Any], field: str
) -> None:
    with tenant_scope(seat_a.tenant) as tenant:
        organization_create(tenant=tenant, name="Existing", domains=["taken.example"])
    before = _state(seat_a)
    response = seat_a.client().post("/api/v1/organizations/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert _state(seat_a) == before


def test_agents_read_organizations_but_do_not_create_them(seat_a: Seat) -> None:
    member = MembershipFactory(tenant=seat_a.tenant, role=Role.AGENT)
    client = Seat(tenant=seat_a.tenant, member=member, token=token_for(member)).client()
    assert client.get("/api/v1/organizations/").status_code == 200
    refused = client.post("/api/v1/organizations/", {"name": "Mine"}, format="json")
    assert refused.status_code == 403
    with tenant_scope(seat_a.tenant):
        assert Organization.objects.count() == 0
