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
from inbox.models import Macro, Ticket
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


def _macro(tenant: Tenant) -> dict[str, Any]:
    return {"pk": Macro.objects.unscoped().create(tenant=tenant, name="Refund", body="Hi").pk}


def _ticket_and_macro(tenant: Tenant) -> dict[str, Any]:
    macro = Macro.objects.unscoped().create(tenant=tenant, name="Solve", set_status="solved")
    return {"ticket_id": TicketFactory(tenant=tenant).pk, "macro_id": macro.pk}


DETAIL_ROUTES: dict[str, ObjectMaker] = {
    "ticket-detail": _ticket,
    "ticket-messages": _ticket_with_message,
    "customer-detail": lambda tenant: {"pk": CustomerFactory(tenant=tenant).pk},
    "member-detail": lambda tenant: {"pk": MembershipFactory(tenant=tenant).pk},
    "channel-detail": lambda tenant: {"pk": ChannelFactory(tenant=tenant).pk},
    "macro-detail": _macro,
    "ticket-macro-apply": _ticket_and_macro,
}

LIST_ROUTES: dict[str, type[models.Model]] = {
    "ticket-list": Ticket,
    "customer-list": Customer,
    "member-list": Membership,
    "channel-list": Channel,
    "macro-list": Macro,
}

# Bodies that would be valid for tenant A's own client, so a 404 is not a validation error.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("ticket-detail", "patch"): {"status": "solved", "priority": "urgent", "tags": ["x"]},
    ("customer-detail", "patch"): {"name": "Renamed by B"},
    ("member-detail", "patch"): {"role": "admin", "is_active": False},
    ("ticket-messages", "post"): {"body": "Written by B", "internal": False},
    ("channel-detail", "patch"): {"name": "Renamed by B", "is_active": False},
    ("macro-detail", "patch"): {"name": "Renamed by B", "is_active": False},
}
