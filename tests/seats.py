"""Shared fixtures: two tenants with members and tokens, and an API client per tenant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from helpdesk.models import Membership, Role, Tenant
from helpdesk.tenancy import tenant_scope
from tests.factories import MembershipFactory, TenantFactory, token_for


@dataclass
class Seat:
    tenant: Tenant
    member: Membership
    token: str

    def client(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")
        return client


def make_seat(slug: str, role: str = Role.ADMIN) -> Seat:
    tenant = TenantFactory(slug=slug, name=slug.title())
    member = MembershipFactory(tenant=tenant, role=role)
    return Seat(tenant=tenant, member=member, token=token_for(member))


@pytest.fixture
def seat_a(db: None) -> Seat:
    return make_seat("alpha")


@pytest.fixture
def seat_b(db: None) -> Seat:
    return make_seat("bravo")


@pytest.fixture
def in_a(seat_a: Seat) -> Iterator[Tenant]:
    with tenant_scope(seat_a.tenant) as tenant:
        yield tenant
