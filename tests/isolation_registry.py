"""What the tenant-isolation matrix needs to know about each API route.

Every named route under ``/api/v1/`` must appear here: detail routes with a function that
creates tenant A's object and returns the URL kwargs, list routes with the model they list.
A route missing from this file fails the matrix, so new endpoints join it automatically.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from channels_ingest.models import Channel
from customers.models import Customer
from helpdesk.models import Membership, Tenant
from inbox.models import Ticket
from tests.factories import (
    ChannelFactory,
    CustomerFactory,
    MembershipFactory,
    MessageFactory,
    TicketFactory,
)

ObjectMaker = Callable[[Tenant], dict[str, Any]]


def _ticket(tenant: Tenant) -> dict[str, Any]:
    return {"pk": TicketFactory(tenant=tenant).pk}


def _ticket_with_message(tenant: Tenant) -> dict[str, Any]:
    return {"ticket_id": MessageFactory(tenant=tenant).ticket_id}


DETAIL_ROUTES: dict[str, ObjectMaker] = {
    "ticket-detail": _ticket,
    "ticket-messages": _ticket_with_message,
    "customer-detail": lambda tenant: {"pk": CustomerFactory(tenant=tenant).pk},
    "member-detail": lambda tenant: {"pk": MembershipFactory(tenant=tenant).pk},
    "channel-detail": lambda tenant: {"pk": ChannelFactory(tenant=tenant).pk},
}

LIST_ROUTES: dict[str, type[models.Model]] = {
    "ticket-list": Ticket,
    "customer-list": Customer,
    "member-list": Membership,
    "channel-list": Channel,
}



def _summary_data(tenant: Tenant) -> None:
    """Tenant A's tickets, rolled up, so its summary counts are not zero."""
    from analytics.rollup import rollup_refresh

    TicketFactory(tenant=tenant)
    rollup_refresh(tenant=tenant)


# Aggregate routes: they list no objects but count them. Tenant B must see zero counts at the
# given JSON path while tenant A sees its own data there.
SUMMARY_ROUTES: dict[str, tuple[Callable[[Tenant], None], tuple[str, ...]]] = {
    "analytics-summary": (_summary_data, ("headline", "tickets_created")),
}

# Bodies that would be valid for tenant A's own client, so a 404 is not a validation error.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("ticket-detail", "patch"): {"status": "solved", "priority": "urgent", "tags": ["x"]},
    ("customer-detail", "patch"): {"name": "Renamed by B"},
    ("member-detail", "patch"): {"role": "admin", "is_active": False},
    ("ticket-messages", "post"): {"body": "Written by B", "internal": False},
    ("channel-detail", "patch"): {"name": "Renamed by B", "is_active": False},
}
