"""What the tenant-isolation matrix needs to know about each API route.

Every named route under ``/api/v1/`` must appear here: detail routes with a function that
creates tenant A's object and returns the URL kwargs, list routes with the model they list.
A route missing from this file fails the matrix, so new endpoints join it automatically.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from customers.models import Customer
from helpdesk.models import Membership, Tenant
from inbox.models import Ticket
from knowledge.models import Article, Category
from knowledge.services import article_create, category_create
from tests.factories import CustomerFactory, MembershipFactory, MessageFactory, TicketFactory

ObjectMaker = Callable[[Tenant], dict[str, Any]]


def _ticket(tenant: Tenant) -> dict[str, Any]:
    return {"pk": TicketFactory(tenant=tenant).pk}


def _ticket_with_message(tenant: Tenant) -> dict[str, Any]:
    return {"ticket_id": MessageFactory(tenant=tenant).ticket_id}


def _kb_article(tenant: Tenant) -> dict[str, Any]:
    article = article_create(
        tenant=tenant, title="Reset your password", body="Use the sign-in page.",
        status="published", locale="en",
    )  # fmt: skip
    return {"pk": article.pk}


def _kb_category(tenant: Tenant) -> dict[str, Any]:
    return {"pk": category_create(tenant=tenant, name=f"Billing {Category.objects.count()}").pk}


DETAIL_ROUTES: dict[str, ObjectMaker] = {
    "ticket-detail": _ticket,
    "ticket-messages": _ticket_with_message,
    "customer-detail": lambda tenant: {"pk": CustomerFactory(tenant=tenant).pk},
    "member-detail": lambda tenant: {"pk": MembershipFactory(tenant=tenant).pk},
    "kb-article-detail": _kb_article,
    "kb-category-detail": _kb_category,
}

LIST_ROUTES: dict[str, type[models.Model]] = {
    "ticket-list": Ticket,
    "customer-list": Customer,
    "member-list": Membership,
    "kb-article-list": Article,
    "kb-category-list": Category,
    # With no query both answer the tenant's popular published articles.
    "kb-search": Article,
    "kb-suggestions": Article,
}

# Bodies that would be valid for tenant A's own client, so a 404 is not a validation error.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("ticket-detail", "patch"): {"status": "solved", "priority": "urgent", "tags": ["x"]},
    ("customer-detail", "patch"): {"name": "Renamed by B"},
    ("member-detail", "patch"): {"role": "admin", "is_active": False},
    ("ticket-messages", "post"): {"body": "Written by B", "internal": False},
    ("kb-article-detail", "patch"): {"title": "Renamed by B", "status": "draft"},
    ("kb-category-detail", "patch"): {"name": "Renamed by B"},
}
