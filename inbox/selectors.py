"""Reads on tickets and messages, shaped for the inbox and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from helpdesk.models import Membership
from inbox.models import Message, Tag, Ticket

# The inbox order: SLA urgency (earliest due first, none last), then priority, then age.
TICKET_ORDERING = ("sla_due_at", "-priority", "id")
TICKET_NULLABLE_ORDERING = ("sla_due_at",)


@dataclass(frozen=True)
class TicketFilters:
    statuses: tuple[str, ...] = ()
    customer_id: int | None = None
    channel: str | None = None  # a channel kind or a channel id
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    q: str = ""
    team_ids: tuple[int, ...] | None = None  # the workspace's "my teams" view
    breached: bool = False


def ticket_list(*, filters: TicketFilters) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related(
        "customer", "assignee__user", "team", "sla_policy"
    ).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    if filters.statuses:
        tickets = tickets.filter(status__in=filters.statuses)
    if filters.customer_id is not None:
        tickets = tickets.filter(customer_id=filters.customer_id)
    if filters.assignee_id is not None:
        tickets = tickets.filter(assignee_id=filters.assignee_id)
    if filters.unassigned:
        tickets = tickets.filter(assignee__isnull=True)
    if filters.team_id is not None:
        tickets = tickets.filter(team_id=filters.team_id)
    if filters.team_ids is not None:
        tickets = tickets.filter(team_id__in=filters.team_ids)
    if filters.breached:
        tickets = tickets.filter(sla_breached_at__isnull=False)
    if filters.channel:
        on_channel = Message.objects.filter(ticket=OuterRef("pk"))
        if filters.channel.isdigit():
            on_channel = on_channel.filter(channel_id=int(filters.channel))
        else:
            on_channel = on_channel.filter(channel_kind=filters.channel)
        tickets = tickets.filter(Exists(on_channel))
    if filters.q:
        query = Q(subject__icontains=filters.q) | Q(customer__name__icontains=filters.q)
        if filters.q.lstrip("#").isdigit():
            query |= Q(number=int(filters.q.lstrip("#")))
        tickets = tickets.filter(query)
    return tickets


def ticket_messages(*, ticket: Ticket) -> QuerySet[Message]:
    return (
        Message.objects.filter(ticket=ticket)
        .select_related("author__user", "customer", "call")
        .prefetch_related("attachments")
    )


def membership_by_id(member_id: int) -> Membership | None:
    return Membership.objects.select_related("user").filter(pk=member_id).first()
