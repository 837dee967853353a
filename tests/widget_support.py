"""Shared set-up of the widget tests: a widget channel and a page on an allowed origin."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.test import Client

from channels_ingest.models import Channel
from channels_ingest.services import channel_create
from channels_ingest.widget import guard
from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_scope

ORIGIN = "https://shop.example.com"
SECRET = "widget-identity-secret-0123456789"


def widget_channel(tenant: Tenant, **config: Any) -> Channel:
    with tenant_scope(tenant):
        return channel_create(
            tenant=tenant,
            kind="chat",
            provider="widget",
            name="Website chat",
            config={"allowed_origins": [ORIGIN], "identity_secret": SECRET, **config},
        )


def fresh_limits() -> None:
    guard.namespace = f"widget-{uuid.uuid4().hex}"  # fresh counters and look-ups


class Page:
    """A browser page on ``origin`` talking to one widget channel."""

    def __init__(self, channel: Channel, origin: str = ORIGIN, ip: str = "203.0.113.5") -> None:
        self.channel, self.origin, self.ip = channel, origin, ip
        self.client = Client()
        self.token = ""

    def _headers(self) -> dict[str, str]:
        headers = {"HTTP_ORIGIN": self.origin, "REMOTE_ADDR": self.ip}
        if self.token:
            headers["HTTP_X_WIDGET_TOKEN"] = self.token
        return headers

    def url(self, path: str) -> str:
        return f"/widget/{self.channel.pk}/{path}"

    def post(self, path: str, body: Any = None, raw: bytes | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body or {})
        return self.client.post(
            self.url(path), data=data, content_type="application/json", **self._headers()
        )

    def get(self, path: str, **params: str) -> Any:
        return self.client.get(self.url(path), params, **self._headers())

    def upload(self, **data: Any) -> Any:
        return self.client.post(self.url("uploads/"), data=data, **self._headers())

    def start(self, **body: Any) -> dict[str, Any]:
        response = self.post("session/", {"token": self.token, **body})
        assert response.status_code == 200, response.content
        answer: dict[str, Any] = response.json()
        self.token = answer["token"]
        return answer

    def say(self, text: str, client_id: str | None = None) -> Any:
        return self.post(
            "messages/", {"client_id": client_id or uuid.uuid4().hex[:16], "text": text}
        )


def capture(
    group: str, action: Callable[[], Any], until: Callable[[dict[str, Any]], bool]
) -> tuple[Any, list[dict[str, Any]]]:
    """Run ``action`` while listening to ``group``; the events up to the first ``until`` one.

    One event loop for the whole listen, as the Redis pub/sub layer needs; the action runs
    back in the calling thread (the test's database connection).
    """
    layer = get_channel_layer()

    async def run() -> tuple[Any, list[dict[str, Any]]]:
        name = await layer.new_channel()
        await layer.group_add(group, name)
        try:
            result = await sync_to_async(action)()
            seen: list[dict[str, Any]] = []
            while not seen or not until(seen[-1]):
                seen.append((await asyncio.wait_for(layer.receive(name), 5))["event"])
            return result, seen
        finally:
            await layer.group_discard(group, name)

    return async_to_sync(run)()
