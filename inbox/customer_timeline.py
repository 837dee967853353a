"""The customer 360: every message of every ticket of a customer, and what surrounds them.

It lives in inbox because the messages do (customers cannot import inbox). A fixed number of
queries whatever the volume: the tickets, one page of messages (calls joined, attachments
prefetched) and, for a customer with an organization, its count of open tickets.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from customers.models import Customer
from inbox.models import ACTIVE_STATUSES, Attachment, Message, Ticket

TIMELINE_ORDERING = ("created_at", "id")


@dataclass(frozen=True)
class CustomerTimeline:
    customer: Customer
    tickets: list[Ticket]
    messages: QuerySet[Message]  # oldest first; the caller pages through it
    organization_open_tickets: int | None

    @property
    def open_tickets(self) -> list[Ticket]:
        return [t for t in self.tickets if t.status in ACTIVE_STATUSES]


def customer_timeline(*, customer: Customer) -> CustomerTimeline:
    """``customer`` comes with its organization (``customers.selectors.customer_resolve``)."""
    tickets = list(Ticket.objects.filter(customer=customer).order_by("created_at", "id"))
    messages = (
        Message.objects.filter(ticket__customer=customer)
        .select_related("call", "author__user", "customer")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by(*TIMELINE_ORDERING)
    )
    org_open = None
    if customer.organization_id:
        org_open = Ticket.objects.filter(
            customer__organization_id=customer.organization_id, status__in=ACTIVE_STATUSES
        ).count()
    return CustomerTimeline(
        customer=customer,
        tickets=tickets,
        messages=messages,
        organization_open_tickets=org_open,
    )
