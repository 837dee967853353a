"""The visitors' WebSocket, ``/ws/widget/<channel_id>/?token=...``.

The page's Origin must be one of the channel's allowed origins (not ALLOWED_HOSTS: the
widget runs on customers' sites). The socket joins the visitor's group and receives agent
replies, agent typing, "seen" and the ticket's status; the visitor sends ``typing`` and
``read`` (``{"action": "read", "up_to": <message id>}``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from channels_ingest.adapters.widget.adapter import allowed_origins, origin_normalize
from channels_ingest.adapters.widget.groups import visitor_group
from channels_ingest.models import Channel
from channels_ingest.widget import guard
from channels_ingest.widget.live import customer_typing_relay
from channels_ingest.widget.selectors import visitor_ticket_id_cached, widget_channel
from channels_ingest.widget.services import widget_read_record
from channels_ingest.widget.tokens import BadToken, Visitor, visitor_from_token
from helpdesk.tenancy import tenant_scope


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


class VisitorConsumer(AsyncJsonWebsocketConsumer):
    channel: Channel
    visitor: Visitor
    group: str = ""

    async def connect(self) -> None:
        channel_id = int(self.scope["url_route"]["kwargs"]["channel_id"])
        channel = await database_sync_to_async(widget_channel)(channel_id)
        origin = origin_normalize(_header(self.scope, b"origin"))
        if channel is None or origin is None or origin not in allowed_origins(channel.config):
            await self.close(code=4403)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            visitor = visitor_from_token((query.get("token") or [""])[0], channel_id=channel_id)
        except BadToken:
            await self.close(code=4401)
            return
        self.channel, self.visitor = channel, visitor
        self.group = visitor_group(channel_id, visitor.recipient)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"event": "hello"})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not self.group or not isinstance(content, dict):
            return
        action = content.get("action")
        if action == "typing":
            await self._typing()
        elif action == "read":
            up_to = content.get("up_to")
            if isinstance(up_to, int) and not isinstance(up_to, bool) and up_to > 0:
                await self._read(up_to)

    @database_sync_to_async
    def _limited(self, action: str) -> bool:
        ip = str((self.scope.get("client") or ("",))[0])
        try:
            guard.rate_check(
                action=action, channel_id=self.channel.pk, visitor=self.visitor.id, ip=ip
            )
        except guard.Refused:
            return True
        return False

    @database_sync_to_async
    def _ticket_id(self) -> int | None:
        with tenant_scope(self.channel.tenant):
            return visitor_ticket_id_cached(self.visitor)

    async def _typing(self) -> None:
        if await self._limited("typing"):
            return
        ticket_id = await self._ticket_id()
        if ticket_id:
            name = self.visitor.name or "The customer"
            await customer_typing_relay(self.channel.tenant_id, ticket_id, name)

    async def _read(self, up_to: int) -> None:
        if await self._limited("read"):
            return

        def record() -> None:
            with tenant_scope(self.channel.tenant):
                widget_read_record(channel=self.channel, visitor=self.visitor, up_to=up_to)

        await database_sync_to_async(record)()

    async def widget_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
