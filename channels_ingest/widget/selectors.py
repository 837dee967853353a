"""Reads for the widget: who the visitor is to us, their conversation and its history."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from channels_ingest.models import Channel
from channels_ingest.widget import guard
from channels_ingest.widget.tokens import Visitor
from customers.models import Identity
from inbox.models import ACTIVE_STATUSES, Direction, Message, Ticket
from routing.models import AgentProfile, Presence

HISTORY_LIMIT = 100


def widget_channel(channel_id: int) -> Channel | None:
    """The active widget channel behind a public URL or socket, with its tenant."""
    # Public endpoints carry no tenant: the channel id names it.
    return (
        Channel.objects.unscoped()
        .select_related("tenant")
        .filter(pk=channel_id, provider="widget", kind="chat", is_active=True)
        .first()
    )


def visitor_customer_id(visitor: Visitor) -> int | None:
    kind, value = (
        ("chat_user", visitor.user_id) if visitor.verified else ("chat_visitor", visitor.id)
    )
    return (
        Identity.objects.filter(kind=kind, value=value.strip())
        .values_list("customer_id", flat=True)
        .first()
    )


def visitor_ticket(visitor: Visitor) -> Ticket | None:
    """The visitor's latest conversation on this widget (active first)."""
    customer_id = visitor_customer_id(visitor)
    if customer_id is None:
        return None
    tickets = Ticket.objects.filter(
        customer_id=customer_id, messages__channel_id=visitor.channel_id
    ).order_by("-last_activity_at")
    return tickets.filter(status__in=ACTIVE_STATUSES).first() or tickets.first()


def visitor_ticket_id_cached(visitor: Visitor) -> int | None:
    """The conversation a typing visitor is on, cached briefly (typing comes every second)."""
    key = f"{guard.namespace}:ticket:{visitor.channel_id}:{visitor.recipient}"
    found = cache.get(key)
    if found is None:
        ticket = visitor_ticket(visitor)
        if ticket is None:  # not cached: the first message is about to open one
            return None
        found = ticket.pk
        cache.set(key, found, timeout=30)
    return int(found)


def message_view(message: Message) -> dict[str, Any]:
    """A message as the widget shows it: text only (rendered with textContent)."""
    author = ""
    if message.direction == Direction.OUTBOUND:
        author = message.author.display_name if message.author else "Support"
    return {
        "id": message.pk,
        "client_id": message.external_id.rsplit("/", 1)[-1]
        if message.direction == Direction.INBOUND
        else "",
        "direction": message.direction,
        "text": message.body_text,
        "author": author,
        "status": message.status,
        "created_at": message.created_at.isoformat(),
        "ticket": message.ticket_id,
        "attachments": [
            {"filename": a.filename, "size": a.size} for a in message.attachments.all()
        ],
    }


def visitor_history(visitor: Visitor, *, after: int = 0) -> list[dict[str, Any]]:
    """The visitor's messages on this widget, all their conversations, oldest first."""
    customer_id = visitor_customer_id(visitor)
    if customer_id is None:
        return []
    messages = (
        Message.objects.filter(
            ticket__customer_id=customer_id,
            channel_id=visitor.channel_id,
            direction__in=[Direction.INBOUND, Direction.OUTBOUND],
            id__gt=after,
        )
        .select_related("author__user")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )
    return [message_view(m) for m in reversed(list(messages))]


def agents_online() -> bool:
    return AgentProfile.objects.filter(presence=Presence.ONLINE).exists()


def unread_replies(visitor: Visitor, *, up_to: int) -> list[str]:
    """External ids of agent replies to this visitor, up to ``up_to``, not yet read."""
    customer_id = visitor_customer_id(visitor)
    if customer_id is None:
        return []
    return list(
        Message.objects.filter(
            ticket__customer_id=customer_id,
            channel_id=visitor.channel_id,
            direction=Direction.OUTBOUND,
            status__in=["sent", "delivered"],
            id__lte=up_to,
        )
        .exclude(external_id="")
        .values_list("external_id", flat=True)[:200]
    )
