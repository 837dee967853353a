"""Merge suggestions: two customers who may be one person, with a confidence and evidence.

Nothing here merges. Suggestions are raised by resolution when evidence is weak (a typed
email, a number in a signature, a provider alias) and resolved by an agent: merged through
``customers.merging.customer_merge`` or dismissed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import Customer, MergeSuggestion, SuggestionStatus
from helpdesk.errors import DomainError
from helpdesk.events import event_publish
from helpdesk.models import Membership

EVIDENCE_KEPT = 20

# Confidence (percent) of each signal; the strongest one seen wins.
CONFIDENCE = {
    "shared_number": 90,  # one number known as phone on one customer, WhatsApp on another
    "provided_verified": 90,  # the channel vouched for an extra identity owned by someone else
    "claim_confirmed_provided": 80,  # a typed identity later seen sending as its own customer
    "provided": 70,  # an identity typed or given with a message, owned by someone else
    "claim_confirmed_hint": 60,  # an address found in text later seen sending
    "email_alias": 50,  # same mailbox by provider aliasing (+tag, Gmail dots)
    "text": 40,  # an address or number found in a message's text, owned by someone else
}


def suggestion_raise(
    *,
    customer: Customer,
    other: Customer,
    signal: str,
    evidence: Mapping[str, Any],
) -> MergeSuggestion | None:
    """Record (or strengthen) the suggestion that two customers are one.

    A dismissed or accepted pair stays as it is (its evidence still grows); a customer is
    never suggested with itself.
    """
    if customer.pk == other.pk or customer.tenant_id != other.tenant_id:
        return None
    low, high = sorted((customer, other), key=lambda c: c.pk)
    confidence = CONFIDENCE[signal]
    item = {"signal": signal, "at": timezone.now().isoformat(), **evidence}
    suggestion = MergeSuggestion.objects.filter(customer=low, other=high).first()
    if suggestion is None:
        try:
            with transaction.atomic():
                suggestion = MergeSuggestion.objects.create(
                    tenant_id=customer.tenant_id,
                    customer=low,
                    other=high,
                    confidence=confidence,
                    evidence=[item],
                )
        except IntegrityError:  # raised concurrently for the same pair
            suggestion = MergeSuggestion.objects.get(customer=low, other=high)
        else:
            _published(suggestion)
            return suggestion
    if any(
        old.get("signal") == signal and old.get("value") == evidence.get("value")
        for old in suggestion.evidence
    ):
        return suggestion  # the same signature on every message adds nothing
    suggestion.evidence = [*suggestion.evidence, item][-EVIDENCE_KEPT:]
    suggestion.confidence = max(suggestion.confidence, confidence)
    suggestion.updated_at = timezone.now()
    suggestion.save(update_fields=["evidence", "confidence", "updated_at"])
    if suggestion.status == SuggestionStatus.OPEN:
        _published(suggestion)
    return suggestion


def _published(suggestion: MergeSuggestion) -> None:
    event_publish(
        tenant_id=suggestion.tenant_id,
        name="customer.merge_suggested",
        payload={
            "id": suggestion.pk,
            "customers": [suggestion.customer_id, suggestion.other_id],
            "confidence": suggestion.confidence,
        },
    )


@transaction.atomic
def suggestion_dismiss(*, suggestion: MergeSuggestion, actor: Membership | None) -> MergeSuggestion:
    if suggestion.status != SuggestionStatus.OPEN:
        raise DomainError("This suggestion is no longer open.", field="suggestion")
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.resolved_by = actor
    suggestion.updated_at = timezone.now()
    suggestion.save(update_fields=["status", "resolved_by", "updated_at"])
    return suggestion


def suggestions_follow_merge(
    *, survivor: Customer, merged: Customer, actor: Membership | None
) -> int | None:
    """After a merge: the pair's suggestion is accepted, the others move to the survivor.

    Returns the id of the accepted suggestion, if there was one.
    """
    low, high = sorted((survivor.pk, merged.pk))
    accepted = MergeSuggestion.objects.filter(customer_id=low, other_id=high).first()
    if accepted is not None:
        accepted.status = SuggestionStatus.ACCEPTED
        accepted.resolved_by = actor
        accepted.updated_at = timezone.now()
        accepted.save(update_fields=["status", "resolved_by", "updated_at"])
    for suggestion in MergeSuggestion.objects.filter(
        status=SuggestionStatus.OPEN, customer=merged
    ) | MergeSuggestion.objects.filter(status=SuggestionStatus.OPEN, other=merged):
        third = suggestion.other if suggestion.customer_id == merged.pk else suggestion.customer
        suggestion.delete()
        for item in suggestion.evidence:
            signal = str(item.get("signal", "text"))
            if signal in CONFIDENCE:
                suggestion_raise(customer=survivor, other=third, signal=signal, evidence=item)
    return accepted.pk if accepted else None


def suggestion_after_unmerge(*, suggestion_id: int | None, actor: Membership | None) -> None:
    """An undone merge says the pair are two people: its accepted suggestion is dismissed."""
    if suggestion_id is None:
        return
    MergeSuggestion.objects.filter(pk=suggestion_id, status=SuggestionStatus.ACCEPTED).update(
        status=SuggestionStatus.DISMISSED, resolved_by=actor, updated_at=timezone.now()
    )
