"""The customers side of a privacy export and erasure.

The content a customer wrote lives in inbox; ``inbox.customer_privacy`` composes these
functions with its own so that one transaction erases everything and one export holds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q

from customers.models import Customer, CustomerAudit, Identity, MergeSuggestion
from customers.selectors import identities_detail


def customer_group(*, customer: Customer) -> list[Customer]:
    """The customer and every customer merged into it, at any depth."""
    group = [customer]
    frontier = [customer.pk]
    while frontier:
        merged = list(Customer.objects.filter(merged_into_id__in=frontier).order_by("id"))
        group += merged
        frontier = [c.pk for c in merged]
    return group


def customer_records_export(*, customer: Customer) -> dict[str, Any]:
    """Everything customers holds about a person: record, identities, merges, suggestions."""
    group = customer_group(customer=customer)
    ids = [c.pk for c in group]
    org = customer.organization
    suggestions = MergeSuggestion.objects.filter(Q(customer_id__in=ids) | Q(other_id__in=ids))
    audit = CustomerAudit.objects.filter(Q(customer_id__in=ids) | Q(other_id__in=ids))
    return {
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "language": customer.language,
            "tier": customer.effective_tier,
            "created_at": customer.created_at.isoformat(),
            "erased_at": customer.erased_at.isoformat() if customer.erased_at else None,
        },
        "organization": None
        if org is None
        else {"id": org.pk, "name": org.name, "tier": org.tier, "plan": org.plan},
        "identities": identities_detail(customer=customer),
        "merged_customers": [
            {"id": c.pk, "name": c.name, "merged_into": c.merged_into_id} for c in group[1:]
        ],
        "merge_suggestions": [
            {
                "customers": [s.customer_id, s.other_id],
                "confidence": s.confidence,
                "status": s.status,
                "evidence": s.evidence,
            }
            for s in suggestions.order_by("id")
        ],
        "audit": [
            {
                "action": a.action,
                "customer": a.customer_id,
                "other": a.other_id,
                "actor": a.actor_id,
                "reason": a.reason,
                "created_at": a.created_at.isoformat(),
                "undone_at": a.undone_at.isoformat() if a.undone_at else None,
            }
            for a in audit.order_by("created_at", "id")
        ],
    }


def customer_records_erase(*, customers: list[Customer], at: datetime) -> dict[str, int]:
    """Delete identities and suggestions, blank the personal fields, stamp ``erased_at``."""
    ids = [c.pk for c in customers]
    identities, _ = Identity.objects.filter(customer_id__in=ids).delete()
    suggestions, _ = MergeSuggestion.objects.filter(
        Q(customer_id__in=ids) | Q(other_id__in=ids)
    ).delete()
    Customer.objects.filter(pk__in=ids).update(
        name="", language="", tier="", erased_at=at, updated_at=at
    )
    for customer in customers:
        customer.name, customer.language, customer.tier, customer.erased_at = "", "", "", at
    return {"customers": len(ids), "identities": identities, "merge_suggestions": suggestions}
