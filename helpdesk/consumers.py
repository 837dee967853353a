"""The agents' WebSocket: relays the tenant's and the user's events, each with its ``seq``.

Rooms add client actions (typing, viewing) with ``client_action`` in their ``ready()``, and
other rooms may listen to an action after it ran (``client_action_listen``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from helpdesk.events import seq_current
from helpdesk.models import Membership
from helpdesk.realtime import tenant_group, user_group

ClientAction = Callable[["AgentConsumer", dict[str, Any]], Awaitable[None]]
_actions: dict[str, ClientAction] = {}
_listeners: dict[str, list[ClientAction]] = {}


def client_action(name: str, handler: ClientAction) -> None:
    _actions[name] = handler


def client_action_listen(name: str, listener: ClientAction) -> None:
    """Run ``listener`` after the action ``name`` (e.g. relay an agent's typing elsewhere)."""
    if listener not in _listeners.setdefault(name, []):
        _listeners[name].append(listener)


@database_sync_to_async
def _membership(user_id: int, slug: str | None) -> Membership | None:
    seats = Membership.objects.unscoped().select_related("tenant", "user")  # tenant chosen here
    seats = seats.filter(user_id=user_id, is_active=True)
    if slug:
        seats = seats.filter(tenant__slug=slug)
    found = list(seats[:2])
    return found[0] if len(found) == 1 else None


class AgentConsumer(AsyncJsonWebsocketConsumer):
    membership: Membership
    groups_joined: list[str]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        query = dict(
            part.split("=", 1)
            for part in self.scope.get("query_string", b"").decode().split("&")
            if "=" in part
        )
        membership = await _membership(user.pk, query.get("tenant"))
        if membership is None:
            await self.close(code=4404)
            return
        self.membership = membership
        self.groups_joined = [tenant_group(membership.tenant_id), user_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        seq = await database_sync_to_async(seq_current)(membership.tenant_id)
        await self.send_json({"event": "hello", "seq": seq, "member": membership.pk})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not hasattr(self, "membership"):
            return
        action = _actions.get(str(content.get("action", "")))
        if action is None:
            await self.send_json({"event": "error", "message": "Unknown action."})
            return
        await action(self, content)
        for listener in _listeners.get(str(content["action"]), ()):
            await listener(self, content)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs ``close_old_connections`` in the one shared sync thread before every
        # handler; a relayed event touches no database, and with a hundred sockets per event
        # those serialized thread hops were most of the fan-out time.
        if message.get("type") == "helpdesk.event":
            await self.helpdesk_event(message)
        else:
            await super().dispatch(message)

    async def helpdesk_event(self, message: dict[str, Any]) -> None:
        text = message.get("text")
        if isinstance(text, str):  # the relay's own encoding of message["event"]
            await self.send(text_data=text)
        else:
            await self.send_json(message["event"])
