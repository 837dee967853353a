"""The customer 360: every message of every ticket of a customer, and what surrounds them.

It lives in inbox because the messages do (customers cannot import inbox). A fixed number of
queries whatever the volume: the tickets; one page of message ids by the ticket ids (the
``(tenant, ticket, created_at)`` index, no joins); the rows of that page with their calls and
authors joined and attachments prefetched; and, for a customer with an organization, its
count of open tickets. A customer without tickets costs no message query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from customers.models import Customer
from inbox.models import ACTIVE_STATUSES, Attachment, Message, Ticket

TIMELINE_ORDERING = ("created_at", "id")


@dataclass(frozen=True)
class CustomerTimeline:
    customer: Customer
    tickets: list[Ticket]
    message_keys: QuerySet[Message]  # id and created_at only, oldest first: page through it
    organization_open_tickets: int | None

    @property
    def open_tickets(self) -> list[Ticket]:
        return [t for t in self.tickets if t.status in ACTIVE_STATUSES]


def customer_timeline(*, customer: Customer) -> CustomerTimeline:
    """``customer`` comes with its organization (``customers.selectors.customer_resolve``)."""
    tickets = list(Ticket.objects.filter(customer=customer).order_by("created_at", "id"))
    keys = (
        Message.objects.filter(ticket_id__in=[t.pk for t in tickets])
        .only(*TIMELINE_ORDERING)
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
        message_keys=keys,
        organization_open_tickets=org_open,
    )


def timeline_messages(*, keys: Sequence[Message]) -> list[Message]:
    """The full messages of one page of keys, in the page's order."""
    if not keys:
        return []
    rows = (
        Message.objects.filter(pk__in=[k.pk for k in keys])
        .select_related("call", "author__user", "customer")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    by_id = {m.pk: m for m in rows}
    return [by_id[k.pk] for k in keys if k.pk in by_id]
