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
from customers.models import Customer, MergeSuggestion, Organization
from helpdesk.models import Membership, Tenant
from inbox.models import Macro, Ticket
from knowledge.models import Article, Category
from knowledge.services import article_create, category_create
from tests.factories import (
    ChannelFactory,
    CustomerFactory,
    MembershipFactory,
    MessageFactory,
    OrganizationFactory,
    TicketFactory,
)

ObjectMaker = Callable[[Tenant], dict[str, Any]]


def _ticket(tenant: Tenant) -> dict[str, Any]:
    return {"pk": TicketFactory(tenant=tenant).pk}


def _ticket_with_message(tenant: Tenant) -> dict[str, Any]:
    return {"ticket_id": MessageFactory(tenant=tenant).ticket_id}


def _customer(tenant: Tenant) -> dict[str, Any]:
    return {"pk": CustomerFactory(tenant=tenant).pk}


def _customer_with_ticket(tenant: Tenant) -> dict[str, Any]:
    return {"pk": MessageFactory(tenant=tenant).ticket.customer_id}


def _suggestion(tenant: Tenant) -> dict[str, Any]:
    low, high = CustomerFactory(tenant=tenant), CustomerFactory(tenant=tenant)
    suggestion = MergeSuggestion.objects.create(
        tenant=tenant, customer=low, other=high, confidence=40, evidence=[]
    )
    return {"pk": low.pk, "suggestion_id": suggestion.pk}


def _macro(tenant: Tenant) -> dict[str, Any]:
    return {"pk": Macro.objects.unscoped().create(tenant=tenant, name="Refund", body="Hi").pk}


def _ticket_and_macro(tenant: Tenant) -> dict[str, Any]:
    macro = Macro.objects.unscoped().create(tenant=tenant, name="Solve", set_status="solved")
    return {"ticket_id": TicketFactory(tenant=tenant).pk, "macro_id": macro.pk}


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
    "channel-detail": lambda tenant: {"pk": ChannelFactory(tenant=tenant).pk},
    "customer-merge": _customer,
    "customer-unmerge": _customer,
    "customer-merge-suggestions": _customer,
    "customer-merge-suggestion-dismiss": _suggestion,
    "customer-audit": _customer,
    "customer-timeline": _customer_with_ticket,
    "customer-export": _customer_with_ticket,
    "customer-erase": _customer_with_ticket,
    "organization-detail": lambda tenant: {"pk": OrganizationFactory(tenant=tenant).pk},
    "macro-detail": _macro,
    "ticket-macro-apply": _ticket_and_macro,
    "kb-article-detail": _kb_article,
    "kb-category-detail": _kb_category,
}

LIST_ROUTES: dict[str, type[models.Model]] = {
    "ticket-list": Ticket,
    "customer-list": Customer,
    "member-list": Membership,
    "channel-list": Channel,
    "organization-list": Organization,
    "macro-list": Macro,
    "kb-article-list": Article,
    "kb-category-list": Category,
    # With no query both answer the tenant's popular published articles.
    "kb-search": Article,
    "kb-suggestions": Article,
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
    ("customer-merge", "post"): {"other": 1, "reason": "B"},
    ("customer-unmerge", "post"): {"other": 1},
    ("customer-erase", "post"): {"reason": "Asked by B"},
    ("macro-detail", "patch"): {"name": "Renamed by B", "is_active": False},
    ("kb-article-detail", "patch"): {"title": "Renamed by B", "status": "draft"},
    ("kb-category-detail", "patch"): {"name": "Renamed by B"},
}


# Routing and SLAs.
def _hours(tenant: Tenant) -> dict[str, Any]:
    from routing.models import BusinessHours

    weekly = {"mon": [["09:00", "17:00"]]}
    return {"pk": BusinessHours.objects.create(tenant=tenant, name="H", weekly=weekly).pk}


def _policy(tenant: Tenant) -> dict[str, Any]:
    from routing.models import SlaPolicy

    return {"pk": SlaPolicy.objects.create(tenant=tenant, name="P", first_response_minutes=5).pk}


def _team(tenant: Tenant) -> dict[str, Any]:
    from routing.models import Team

    return {"pk": Team.objects.create(tenant=tenant, name="T").pk}


def _skill(tenant: Tenant) -> dict[str, Any]:
    from routing.models import Skill

    return {"pk": Skill.objects.create(tenant=tenant, name="S").pk}


def _rule(tenant: Tenant) -> dict[str, Any]:
    from routing.models import RoutingRule

    actions = [{"type": "add_tag", "tag": "x"}]
    return {"pk": RoutingRule.objects.create(tenant=tenant, name="R", actions=actions).pk}


def _trace(tenant: Tenant) -> dict[str, Any]:
    from inbox.models import RoutingTrace

    ticket = TicketFactory(tenant=tenant)
    RoutingTrace.objects.create(tenant=tenant, ticket=ticket, trigger="created")
    return {"ticket_id": ticket.pk}


def _routing_models() -> dict[str, type[models.Model]]:
    from routing.models import BusinessHours, RoutingRule, Skill, SlaPolicy, Team

    return {
        "business-hours-list": BusinessHours,
        "sla-policy-list": SlaPolicy,
        "team-list": Team,
        "skill-list": Skill,
        "routing-rule-list": RoutingRule,
    }


DETAIL_ROUTES.update(
    {
        "business-hours-detail": _hours,
        "sla-policy-detail": _policy,
        "team-detail": _team,
        "skill-detail": _skill,
        "routing-rule-detail": _rule,
        "ticket-routing-trace": _trace,
    }
)
LIST_ROUTES.update(_routing_models())
BODIES.update(
    {
        ("business-hours-detail", "patch"): {"timezone": "Europe/Paris"},
        ("sla-policy-detail", "patch"): {"first_response_minutes": 1},
        ("team-detail", "patch"): {"name": "Renamed by B"},
        ("skill-detail", "patch"): {"name": "Renamed by B"},
        ("routing-rule-detail", "patch"): {"enabled": False},
    }
)
