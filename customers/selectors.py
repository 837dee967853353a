"""Reads on customers: lists, lookups that follow merges."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from customers.models import Customer, Identity

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
