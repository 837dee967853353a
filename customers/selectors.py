"""Reads on customers: lists, lookups that follow merges."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from customers.models import (
    Customer,
    CustomerAudit,
    Identity,
    MergeSuggestion,
    Organization,
    OrganizationDomain,
    SuggestionStatus,
)

MAX_MERGE_HOPS = 10


def customer_list(*, q: str = "") -> QuerySet[Customer]:
    customers = (
        Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
        .select_related("organization")
        .prefetch_related(Prefetch("identities", queryset=Identity.objects.order_by("kind", "id")))
    )
    if q:
        customers = customers.filter(
            Q(name__icontains=q) | Q(identities__value__icontains=q.lower())
        ).distinct()
    return customers


def customer_resolve(*, customer_id: int) -> Customer | None:
    """The customer with this id, or the survivor it was merged into."""
    customers = Customer.objects.select_related("organization").prefetch_related(
        Prefetch("identities", queryset=Identity.objects.order_by("kind", "id"))
    )
    customer = customers.filter(pk=customer_id).first()
    hops = 0
    while customer is not None and customer.merged_into_id and hops < MAX_MERGE_HOPS:
        customer = customers.filter(pk=customer.merged_into_id).first()
        hops += 1
    return customer


def merge_suggestions_for(*, customer: Customer) -> QuerySet[MergeSuggestion]:
    """Open suggestions involving this customer, most confident first."""
    return (
        MergeSuggestion.objects.filter(
            Q(customer=customer) | Q(other=customer), status=SuggestionStatus.OPEN
        )
        .select_related("customer__organization", "other__organization")
        .order_by("-confidence", "-updated_at", "id")
    )


def customer_audit_list(*, customer: Customer) -> QuerySet[CustomerAudit]:
    """Audit entries where this customer is the subject or the merged-away side."""
    return (
        CustomerAudit.objects.filter(Q(customer=customer) | Q(other=customer))
        .select_related("actor__user")
        .order_by("created_at", "id")
    )


def organization_list() -> QuerySet[Organization]:
    return Organization.objects.prefetch_related(
        Prefetch("domains", queryset=OrganizationDomain.objects.order_by("domain"))
    )


def identities_detail(*, customer: Customer) -> list[dict[str, Any]]:
    """Every identity with how and when we learned it (prefetched ``identities`` are used)."""
    return [
        {
            "kind": i.kind,
            "value": i.value,
            "verified": i.verified,
            "origin": i.origin,
            "source_channel_id": i.source_channel_id,
            "first_seen_at": i.first_seen_at.isoformat(),
            "last_seen_at": i.last_seen_at.isoformat(),
        }
        for i in customer.identities.all()
    ]
