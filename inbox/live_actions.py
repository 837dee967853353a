"""Ephemeral client actions on the agents' WebSocket: viewing, typing and presence.

They are broadcast to the tenant's group as they come and never written anywhere; they carry
no ``seq`` because missing one loses nothing (viewers repeat themselves every few seconds).
"""

from __future__ import annotations

from typing import Any

from helpdesk.consumers import AgentConsumer, client_action
from helpdesk.realtime import tenant_group

VIEWING_STATES = ("joined", "here", "left")
PRESENCE_STATES = ("online", "away")


async def _broadcast(consumer: AgentConsumer, name: str, data: dict[str, Any]) -> None:
    member = consumer.membership
    event = {
        "event": name,
        "seq": None,
        "data": {"member": member.pk, "name": member.display_name, **data},
    }
    await consumer.channel_layer.group_send(
        tenant_group(member.tenant_id), {"type": "helpdesk.event", "event": event}
    )


def _ticket_id(content: dict[str, Any]) -> int | None:
    ticket = content.get("ticket")
    return (
        ticket if isinstance(ticket, int) and not isinstance(ticket, bool) and ticket > 0 else None
    )


async def viewing(consumer: AgentConsumer, content: dict[str, Any]) -> None:
    ticket = _ticket_id(content)
    state = content.get("state", "joined")
    if ticket is None or state not in VIEWING_STATES:
        await consumer.send_json({"event": "error", "message": "viewing needs a ticket id."})
        return
    await _broadcast(consumer, "agent.viewing", {"ticket": ticket, "state": state})


async def typing(consumer: AgentConsumer, content: dict[str, Any]) -> None:
    ticket = _ticket_id(content)
    if ticket is None:
        await consumer.send_json({"event": "error", "message": "typing needs a ticket id."})
        return
    await _broadcast(
        consumer, "agent.typing", {"ticket": ticket, "internal": bool(content.get("internal"))}
    )


async def presence(consumer: AgentConsumer, content: dict[str, Any]) -> None:
    state = content.get("state")
    if state not in PRESENCE_STATES:
        await consumer.send_json({"event": "error", "message": "presence is online or away."})
        return
    await _broadcast(consumer, "agent.presence", {"state": state})


def register() -> None:
    client_action("viewing", viewing)
    client_action("typing", typing)
    client_action("presence", presence)
