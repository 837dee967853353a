"""Per-ticket metric definitions: written once, used by the rollup and by drill-downs.

Every formula here is the one the README's Analytics section quotes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from analytics.models import AnalyticsEvent
from inbox.models import ACTIVE_STATUSES, Direction, Message, Ticket, TicketStatus
from routing.calendar import BusinessCalendar, CalendarError, business_seconds_between
from routing.models import SlaPolicy

RESOLVED = (TicketStatus.SOLVED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class Dims:
    channel_kind: str
    team_id: int
    member_id: int
    tier: str
    multi_channel: bool


@dataclass(frozen=True)
class TicketFacts:
    ticket_id: int
    number: int
    subject: str
    dims: Dims
    created_at: datetime
    first_touch_at: datetime
    first_response_at: datetime | None
    frt_seconds: int | None
    frt_business_seconds: int | None
    solved_at: datetime | None  # set only while the ticket is solved or closed
    resolution_seconds: int | None
    agent_replies: int
    fcr: bool
    switched: bool
    transferred: bool
    sla_policy_id: int | None
    sla_met: bool | None


@dataclass(frozen=True)
class _Msg:
    direction: str
    channel_kind: str
    author_id: int | None
    created_at: datetime


def _calendar(policy: SlaPolicy | None) -> BusinessCalendar | None:
    hours = policy.business_hours if policy else None
    if hours is None:
        return None
    try:
        return BusinessCalendar.from_spec(
            timezone=hours.timezone,
            weekly=hours.weekly,
            holidays=hours.holidays,
            country=hours.country or None,
        )
    except CalendarError:
        return None


def _reopened(statuses: Sequence[str]) -> bool:
    """A status sequence that left solved/closed for an active status at least once."""
    was_resolved = False
    for status in statuses:
        if status in RESOLVED:
            was_resolved = True
        elif was_resolved and status in ACTIVE_STATUSES:
            return True
    return False


def ticket_facts(
    *,
    ticket: Ticket,
    messages: Sequence[_Msg],
    statuses: Sequence[str],
    calendar: BusinessCalendar | None,
) -> TicketFacts:
    """The metric inputs of one ticket. ``messages`` oldest first; ``statuses`` in order."""
    first_touch = ticket.first_touch_at or ticket.created_at
    inbound = [m for m in messages if m.direction == Direction.INBOUND]
    last_channel = next(
        (m.channel_kind for m in reversed(inbound) if m.channel_kind),
        ticket.channel_kinds[-1] if ticket.channel_kinds else "",
    )
    switched = len(set(ticket.channel_kinds)) > 1
    tier = ticket.customer.effective_tier if ticket.customer_id else ""
    dims = Dims(
        channel_kind=last_channel,
        team_id=ticket.team_id or 0,
        member_id=ticket.assignee_id or 0,
        tier=tier,
        multi_channel=switched,
    )
    frt = frt_business = None
    if ticket.first_response_at is not None:
        frt = max(0, int((ticket.first_response_at - first_touch).total_seconds()))
        frt_business = business_seconds_between(calendar, first_touch, ticket.first_response_at)
    solved_at = ticket.solved_at if ticket.status in RESOLVED else None
    resolution = None
    if solved_at is not None:
        resolution = max(0, int((solved_at - first_touch).total_seconds()))
        before = [m for m in messages if m.created_at <= solved_at]
    else:
        before = list(messages)
    replies = [m for m in before if m.direction == Direction.OUTBOUND and m.author_id]
    # Transfer: an agent reply on another channel than the customer's latest message before it.
    transferred = False
    latest_inbound = ""
    for m in before:
        if m.direction == Direction.INBOUND and m.channel_kind:
            latest_inbound = m.channel_kind
        elif m.direction == Direction.OUTBOUND and m.author_id and latest_inbound:
            transferred = transferred or m.channel_kind != latest_inbound
    fcr = False
    if solved_at is not None and len(replies) == 1:
        reply_at = replies[0].created_at
        wrote_again = any(
            m.direction == Direction.INBOUND and m.created_at > reply_at for m in before
        )
        fcr = not wrote_again and not _reopened(statuses)
    sla_met = None
    if solved_at is not None and ticket.sla_policy_id:
        sla_met = ticket.sla_breached_at is None
    return TicketFacts(
        ticket_id=ticket.pk,
        number=ticket.number,
        subject=ticket.subject,
        dims=dims,
        created_at=ticket.created_at,
        first_touch_at=first_touch,
        first_response_at=ticket.first_response_at,
        frt_seconds=frt,
        frt_business_seconds=frt_business,
        solved_at=solved_at,
        resolution_seconds=resolution,
        agent_replies=len(replies),
        fcr=fcr,
        switched=switched,
        transferred=transferred,
        sla_policy_id=ticket.sla_policy_id,
        sla_met=sla_met,
    )


def tickets_facts(*, ticket_ids: Iterable[int]) -> list[TicketFacts]:
    """Facts for many tickets with four queries (tickets, messages, status log, policies)."""
    ids = list(ticket_ids)
    if not ids:
        return []
    tickets = list(
        Ticket.objects.filter(pk__in=ids)
        .select_related("customer__organization", "sla_policy__business_hours")
        .order_by("pk")
    )
    messages: dict[int, list[_Msg]] = defaultdict(list)
    for row in (
        Message.objects.filter(ticket_id__in=ids)
        .order_by("created_at", "id")
        .values_list("ticket_id", "direction", "channel_kind", "author_id", "created_at")
    ):
        messages[row[0]].append(_Msg(*row[1:]))
    statuses: dict[int, list[str]] = defaultdict(list)
    for ticket_id, label in (
        AnalyticsEvent.objects.filter(ticket_id__in=ids, name="ticket.status")
        .order_by("occurred_at", "id")
        .values_list("ticket_id", "label")
    ):
        statuses[ticket_id or 0].append(label)
    calendars: dict[int, BusinessCalendar | None] = {}
    facts = []
    for ticket in tickets:
        policy_id = ticket.sla_policy_id or 0
        if policy_id not in calendars:
            calendars[policy_id] = _calendar(ticket.sla_policy)
        facts.append(
            ticket_facts(
                ticket=ticket,
                messages=messages[ticket.pk],
                statuses=statuses[ticket.pk],
                calendar=calendars[policy_id],
            )
        )
    return facts


def day_of(value: datetime | None) -> date | None:
    """Analytics days are UTC days."""
    return value.date() if value is not None else None
