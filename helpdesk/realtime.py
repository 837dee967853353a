"""Relay committed domain events to WebSocket groups ``tenant.<id>`` and ``user.<id>``."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from helpdesk.events import DomainEvent


def tenant_group(tenant_id: int) -> str:
    return f"tenant.{tenant_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def event_relay(event: DomainEvent) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "helpdesk.event", "event": event.as_message()}
    groups = [tenant_group(event.tenant_id)] if event.broadcast else []
    groups += [user_group(user_id) for user_id in event.user_ids]
    send = async_to_sync(layer.group_send)
    for group in groups:
        send(group, message)
