import pytest

from customers.models import Customer
from customers.services import customer_create, organization_create
from helpdesk.tenancy import tenant_scope
from tests.seats import Seat


@pytest.fixture
def priya(seat_a: Seat) -> Customer:
    with tenant_scope(seat_a.tenant):
        return customer_create(
            tenant=seat_a.tenant,
            name="Priya Raman",
            identities=[("email", "priya@acme.example", True), ("phone", "+14155550101", False)],
        )


def test_customer_representation(seat_a: Seat, priya: Customer) -> None:
    with tenant_scope(seat_a.tenant):
        organization_create(
            tenant=seat_a.tenant,
            name="Acme",
            tier="tier1",
            plan="Enterprise",
            domains=["ACME.example"],
        )
    body = seat_a.client().get(f"/api/v1/customers/{priya.pk}/").json()
    assert body["name"] == "Priya Raman"
    assert body["tier"] == "tier1"
    assert body["organization"]["name"] == "Acme"
    assert body["organization"]["plan"] == "Enterprise"
    assert body["identities"] == [
        {"kind": "email", "value": "priya@acme.example", "verified": True},
        {"kind": "phone", "value": "+14155550101", "verified": False},
    ]


def test_search_by_name_or_identity(seat_a: Seat, priya: Customer) -> None:
    with tenant_scope(seat_a.tenant):
        customer_create(
            tenant=seat_a.tenant, name="Tom", identities=[("email", "tom@x.test", True)]
        )
    client = seat_a.client()
    assert [c["id"] for c in client.get("/api/v1/customers/?q=priya").json()["results"]] == [
        priya.pk
    ]
    assert [c["id"] for c in client.get("/api/v1/customers/?q=5550101").json()["results"]] == [
        priya.pk
    ]
    assert len(client.get("/api/v1/customers/").json()["results"]) == 2


def test_merged_away_id_answers_with_the_survivor(seat_a: Seat, priya: Customer) -> None:
    with tenant_scope(seat_a.tenant):
        twin = customer_create(tenant=seat_a.tenant, name="P. Raman")
        Customer.objects.filter(pk=twin.pk).update(merged_into=priya)
    response = seat_a.client().get(f"/api/v1/customers/{twin.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == priya.pk
    listed = [c["id"] for c in seat_a.client().get("/api/v1/customers/").json()["results"]]
    assert listed == [priya.pk]


def test_patch_name_and_refuse_unknown_fields(seat_a: Seat, priya: Customer) -> None:
    client = seat_a.client()
    response = client.patch(f"/api/v1/customers/{priya.pk}/", {"name": "Priya R."}, format="json")
    assert response.json()["name"] == "Priya R."
    refused = client.patch(f"/api/v1/customers/{priya.pk}/", {"tier": "tier0"}, format="json")
    assert refused.status_code == 400
    with tenant_scope(seat_a.tenant):
        assert Customer.objects.get(pk=priya.pk).tier == ""


def test_unknown_customer_is_404(seat_a: Seat) -> None:
    assert seat_a.client().get("/api/v1/customers/424242/").status_code == 404
    assert seat_a.client().get("/api/v1/customers/abc/").status_code == 404
