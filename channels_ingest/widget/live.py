"""The widget's real-time side: what reaches a visitor's tabs and what the workspace sees of them.

Visitors' tabs join ``widget.<channel>.<digest>`` groups (``adapters/widget/groups.py``).
Agents' typing and viewing on a widget ticket, and a solved ticket (the CSAT prompt), are
pushed there; a visitor's typing goes to the tenant's workspace group as ``customer.typing``.
Ephemeral: nothing here is stored, and the widget refetches its history on reconnect.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache

from channels_ingest.adapters.widget.groups import visitor_group
from channels_ingest.models import Channel
from channels_ingest.widget import guard
from channels_ingest.widget.email_copy import reply_email_copy
from helpdesk import events
from helpdesk.consumers import AgentConsumer, client_action_listen
from helpdesk.models import Tenant
from helpdesk.realtime import tenant_group
from helpdesk.tenancy import tenant_scope
from inbox.models import Direction, Message, Ticket


def _widget_channel_ids() -> set[int]:
    return set(Channel.objects.filter(provider="widget").values_list("id", flat=True))


def ticket_visitor_group(ticket_id: int) -> str | None:
    """The group of the visitor a ticket's latest widget message came from (cached)."""
    key = f"{guard.namespace}:ticket-group:{ticket_id}"
    found = cache.get(key)
    if found is None:
        latest = (
            Message.objects.filter(
                ticket_id=ticket_id,
                direction=Direction.INBOUND,
                channel_id__in=_widget_channel_ids(),
            )
            .order_by("-created_at", "-id")
            .values_list("channel_id", "metadata")
            .first()
        )
        found = ""
        if latest is not None:
            channel_id, metadata = latest
            value = str((metadata or {}).get("sender", {}).get("value", ""))
            found = visitor_group(int(channel_id or 0), value) if value else ""
        # A miss is kept briefly: a widget conversation's first message may be on its way.
        cache.set(key, found, timeout=30 if found else 5)
    return found or None


def push(group: str, name: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            group, {"type": "widget.event", "event": {"event": name, "data": data}}
        )


async def customer_typing_relay(tenant_id: int, ticket_id: int, name: str) -> None:
    """A visitor is typing: the workspace shows it on that ticket."""
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"event": "customer.typing", "seq": None, "data": {"ticket": ticket_id, "name": name}}
    await layer.group_send(tenant_group(tenant_id), {"type": "helpdesk.event", "event": event})


@database_sync_to_async
def _group_for(tenant: Tenant, ticket_id: int) -> str | None:
    with tenant_scope(tenant):
        return ticket_visitor_group(ticket_id)


async def _agent_typing(consumer: AgentConsumer, content: dict[str, Any]) -> None:
    ticket = content.get("ticket")
    if not isinstance(ticket, int) or isinstance(ticket, bool) or content.get("internal"):
        return  # internal notes are nobody's business but the agents'
    group = await _group_for(consumer.membership.tenant, ticket)
    if group:
        name = consumer.membership.display_name.split(" ")[0]
        await consumer.channel_layer.group_send(
            group, {"type": "widget.event", "event": {"event": "typing", "data": {"name": name}}}
        )


async def _agent_viewing(consumer: AgentConsumer, content: dict[str, Any]) -> None:
    ticket = content.get("ticket")
    if not isinstance(ticket, int) or isinstance(ticket, bool) or content.get("state") == "left":
        return
    group = await _group_for(consumer.membership.tenant, ticket)
    if group:  # the agent has the conversation open: the visitor's messages are seen
        await consumer.channel_layer.group_send(
            group, {"type": "widget.event", "event": {"event": "seen", "data": {}}}
        )


def _on_ticket_updated(event: events.DomainEvent) -> None:
    """Tell the visitor when their conversation is solved (the widget asks for CSAT)."""
    payload = event.payload
    if "status" not in (payload.get("changed") or []):
        return
    tenant = events.event_tenant(event)
    if tenant is None or not isinstance(payload.get("id"), int):
        return
    with tenant_scope(tenant):
        group = ticket_visitor_group(int(payload["id"]))
        if group:
            push(group, "ticket", {"id": payload["id"], "status": payload.get("status")})


def _on_ticket_created(event: events.DomainEvent) -> None:
    """A widget conversation opened a ticket: its visitor keys go to knowledge, which attaches
    the help-center searches made under them (``chat.contact``)."""
    ticket_id = event.payload.get("id")
    if "chat" not in (event.payload.get("channels") or ()):
        return  # opened on another channel: not a widget conversation
    tenant = events.event_tenant(event)
    if tenant is None or not isinstance(ticket_id, int):
        return
    with tenant_scope(tenant):
        ticket = Ticket.objects.filter(pk=ticket_id).values_list("via_channel_id", flat=True)
        via = ticket.first()
        if via is None or not Channel.objects.filter(pk=via, provider="widget").exists():
            return
        first = (
            Message.objects.filter(ticket_id=ticket_id, direction=Direction.INBOUND)
            .order_by("created_at", "id")
            .values_list("metadata", flat=True)
            .first()
        )
        keys = [str(k) for k in ((first or {}).get("widget") or {}).get("search_keys") or ()]
        if keys:
            events.event_publish(
                tenant_id=tenant.pk,
                name="chat.contact",
                payload={"ticket_id": ticket_id, "visitor_keys": keys},
                broadcast=False,
            )


def connect() -> None:
    client_action_listen("typing", _agent_typing)
    client_action_listen("viewing", _agent_viewing)
    events.subscribe("ticket.updated", _on_ticket_updated)
    events.subscribe("ticket.created", _on_ticket_created)
    events.subscribe("message.queued", reply_email_copy)
