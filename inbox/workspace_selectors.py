"""Reads shaped for the agent workspace pages: the inbox list and one conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from customers.models import Identity
from helpdesk.api.pagination import KeysetPagination
from helpdesk.models import Membership
from inbox.macro_selectors import macro_list
from inbox.models import ACTIVE_STATUSES, Direction, Macro, Message, Ticket, TicketStatus
from inbox.outbound import ChannelInfo, channel_info
from inbox.selectors import (
    TICKET_NULLABLE_ORDERING,
    TICKET_ORDERING,
    TicketFilters,
    ticket_list,
    ticket_messages,
)
from routing.models import TeamMember

INBOX_PAGE_SIZE = 50
VIEWS = ("all", "mine", "unassigned", "team", "breached")
SMS_KINDS = ("sms",)
WHATSAPP_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class InboxQuery:
    view: str = "all"
    status: str = "active"  # "active", "all" or one status
    channel: str = ""
    q: str = ""


def inbox_filters(*, query: InboxQuery, member: Membership) -> TicketFilters:
    if query.status == "active":
        statuses: tuple[str, ...] = tuple(ACTIVE_STATUSES)
    elif query.status in TicketStatus.values:
        statuses = (query.status,)
    else:
        statuses = ()
    team_ids = None
    if query.view == "team":
        team_ids = tuple(
            TeamMember.objects.filter(membership=member).values_list("team_id", flat=True)
        )
    return TicketFilters(
        statuses=statuses,
        channel=query.channel or None,
        assignee_id=member.pk if query.view == "mine" else None,
        unassigned=query.view == "unassigned",
        team_ids=team_ids,
        breached=query.view == "breached",
        q=query.q[:200],
    )


# What an inbox row shows (``ticket_row``): loading only these columns halves the cost of
# building 50 tickets with their customer and assignee.
ROW_FIELDS = (
    "id",
    "tenant_id",
    "number",
    "subject",
    "status",
    "priority",
    "channel_kinds",
    "sla_due_at",
    "sla_breached_at",
    "customer__id",
    "customer__name",
    "assignee__id",
    "assignee__user__id",
    "assignee__user__name",
    "assignee__user__email",
)


def inbox_tickets(*, query: InboxQuery, member: Membership) -> list[Ticket]:
    """The first page of the inbox, most urgent first (SLA due time, then priority)."""
    tickets = ticket_list(filters=inbox_filters(query=query, member=member))
    ordering = KeysetPagination.order_by(TICKET_ORDERING, TICKET_NULLABLE_ORDERING)
    tickets = tickets.select_related(None).select_related("customer", "assignee__user")
    return list(tickets.only(*ROW_FIELDS).order_by(*ordering)[:INBOX_PAGE_SIZE])


def member_choices() -> QuerySet[Membership]:
    return Membership.objects.filter(is_active=True).select_related("user").order_by("user__name")


@dataclass
class ReplyChannel:
    info: ChannelInfo
    last_inbound_at: datetime | None
    window_closes_at: datetime | None = None  # WhatsApp only

    @property
    def window_open(self) -> bool:
        return self.window_closes_at is None or self.window_closes_at > timezone.now()


@dataclass
class TicketPage:
    ticket: Ticket
    messages: list[Message]
    identities: list[Identity]
    other_tickets: list[Ticket]
    members: list[Membership]
    macros: list[Macro]
    channels: list[ReplyChannel]
    default_channel: ReplyChannel | None
    handoff: Message | None
    more_before: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


TIMELINE_LIMIT = 200
# Threading headers and provider ids: the timeline never shows them.
TIMELINE_UNUSED = ("external_id", "message_id_header", "in_reply_to", "references")


def ticket_timeline(*, ticket: Ticket) -> tuple[list[Message], bool]:
    """The latest messages of the ticket, oldest first; True when older ones exist."""
    messages = ticket_messages(ticket=ticket).defer(*TIMELINE_UNUSED)
    latest = list(messages.order_by("-created_at", "-id")[: TIMELINE_LIMIT + 1])
    more = len(latest) > TIMELINE_LIMIT
    return list(reversed(latest[:TIMELINE_LIMIT])), more


def workspace_ticket(*, ticket_id: int) -> Ticket:
    """One ticket of the active tenant (404 for any other tenant's id)."""
    tickets = Ticket.objects.select_related(
        "customer__organization", "assignee__user", "team", "sla_policy"
    )
    return get_object_or_404(tickets, pk=ticket_id)


def _reply_channels(messages: list[Message]) -> tuple[list[ReplyChannel], ReplyChannel | None]:
    last_inbound: dict[int, datetime | None] = {}
    latest_inbound_channel: int | None = None
    for message in messages:
        if message.channel_id is None or message.direction == Direction.NOTE:
            continue
        last_inbound.setdefault(message.channel_id, None)
        if message.direction == Direction.INBOUND:
            last_inbound[message.channel_id] = message.created_at
            latest_inbound_channel = message.channel_id
    channels = []
    for channel_id, last in last_inbound.items():
        info = channel_info(channel_id)
        if info is None:
            continue
        window = None
        if info.kind == "whatsapp":
            window = (last + WHATSAPP_WINDOW) if last else timezone.now()
        channels.append(ReplyChannel(info=info, last_inbound_at=last, window_closes_at=window))
    default = next((c for c in channels if c.info.id == latest_inbound_channel), None)
    return channels, default


def ticket_page(*, ticket_id: int) -> TicketPage:
    ticket = workspace_ticket(ticket_id=ticket_id)
    messages, more = ticket_timeline(ticket=ticket)
    channels, default = _reply_channels(messages)
    handoff = next(
        (
            m
            for m in reversed(messages)
            if m.direction == Direction.NOTE
            and (m.metadata or {}).get("handoff", {}).get("to") == ticket.assignee_id
            and ticket.assignee_id is not None
        ),
        None,
    )
    identities = list(
        Identity.objects.filter(customer_id=ticket.customer_id).order_by("kind", "value")
    )
    other_tickets = list(
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .only("id", "tenant_id", "number", "subject", "status", "channel_kinds")
        .order_by(F("last_activity_at").desc())[:10]
    )
    return TicketPage(
        ticket=ticket,
        messages=messages,
        identities=identities,
        other_tickets=other_tickets,
        members=list(member_choices()),
        macros=list(macro_list(active_only=True)),
        channels=channels,
        default_channel=default,
        handoff=handoff,
        more_before=more,
    )
