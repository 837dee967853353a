"""The webhook lane: a provider's delivery verified, stored and acknowledged on the event loop.

The ordinary webhook view runs on a thread, looks its channel up and commits its own insert:
two round trips and a disk flush per delivery, and a thread hand-off each way. Here, for a
channel this process has already served and an adapter whose check is a quick HMAC
(``Adapter.verify_on_loop``), the request is verified with the cached channel and its row
joins whatever other deliveries are being stored at that moment (``event_writer``): one
statement, which also confirms the channel is unchanged.

Anything else goes the ordinary way, with the body it was sent: a channel not cached yet or
changed meanwhile, a refusal (the view words it, after reading the channel again), a large
body, a query string, the database not answering. So the lane answers exactly as the view
would, only sooner. PostgreSQL with a task broker only (``lane_enabled``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpResponse
from django.utils.http import parse_header_parameters

from channels_ingest.adapters.base import Adapter, ChannelContext, WebhookRejected, WebhookRequest
from channels_ingest.adapters.registry import adapter_for
from channels_ingest.drain import drain_wake_soon
from channels_ingest.event_writer import EventRow, EventWriter, Stored
from channels_ingest.models import Channel
from channels_ingest.selectors import webhook_channel_cached
from channels_ingest.webhooks import KEPT_HEADERS
from helpdesk.lean_http import (
    ASGIApp,
    BodyTooLarge,
    Receive,
    Scope,
    Send,
    body_read,
    too_large,
)

PREFIX = "/webhooks/"
MAX_BODY = 256 * 1024  # larger deliveries (email with attachments) take the ordinary way


def lane_enabled() -> bool:
    """PostgreSQL (the lane's insert is its SQL) and a real broker (the drain is woken
    without running it here)."""
    from channels_ingest.tasks import inbound_events_drain

    return (
        connections["default"].vendor == "postgresql"
        and not inbound_events_drain.app.conf.task_always_eager
        and settings.WEBHOOK_LANE
    )


@dataclass(frozen=True)
class _Candidate:
    adapter: Adapter
    sealed: str  # the channel's stored config, as cached
    channel: Channel
    context: ChannelContext
    request: WebhookRequest


class WebhookLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._writer: EventWriter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._enabled: bool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._candidate(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        limit = settings.MAX_REQUEST_BODY_BYTES  # as the ordinary way caps it
        try:
            body = await body_read(receive, limit)
        except BodyTooLarge:  # more than the Content-Length said
            await _send(too_large(limit), send)
            return
        if body is None:  # the client went away
            return
        if not await self._serve(found, body, send):
            await self.app(scope, _replay(body, receive), send)

    def _candidate(self, scope: Scope) -> _Candidate | None:
        """The adapter, cached channel and request (but its body) of a POST the lane takes."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
            return None
        path = str(scope["path"])
        if not path.startswith(PREFIX):
            return None
        if self._enabled is None:
            self._enabled = lane_enabled()
        if not self._enabled:
            return None
        parts = path[len(PREFIX) :].split("/")
        if len(parts) != 4 or parts[3] != "":
            return None
        provider, key, purpose = parts[:3]
        adapter = adapter_for(provider)
        if adapter is None or not adapter.verify_on_loop:
            return None
        cached = webhook_channel_cached(provider=provider, key=key)
        if cached is None or purpose not in adapter.purposes_for(cached[1].kind):
            return None
        headers = _headers(scope)
        length = headers.get("content-length", "")
        if not length.isdigit() or int(length) > MAX_BODY or scope.get("query_string"):
            return None
        request = WebhookRequest(
            purpose=purpose,
            method="POST",
            url=settings.PUBLIC_BASE_URL + path,  # the key and names are URL-safe as they are
            headers=headers,
            query={},
            body=b"",
            content_type=parse_header_parameters(headers.get("content-type", ""))[0],
        )
        sealed, channel, context = cached
        return _Candidate(adapter, sealed, channel, context, request)

    async def _serve(self, found: _Candidate, body: bytes, send: Send) -> bool:
        """Answer the delivery here; False: the ordinary path must."""
        adapter, channel, context = found.adapter, found.channel, found.context
        incoming = replace(found.request, body=body)
        try:
            adapter.verify(context, incoming)
            event_id = adapter.event_id(context, incoming)
        except WebhookRejected:
            return False  # maybe a secret changed since: the view reads the channel again
        row = EventRow(
            tenant_id=channel.tenant_id,
            channel_id=channel.pk,
            webhook_key=channel.webhook_key,
            sealed=found.sealed,
            purpose=incoming.purpose,
            provider_event_id=event_id[:255],
            content_type=incoming.content_type[:127],
            body=body,
            headers={k: v for k, v in incoming.headers.items() if k in KEPT_HEADERS},
        )
        try:
            stored = await self._writer_for_loop().store(row)
        except Exception:
            return False
        if stored is Stored.STALE:
            return False
        if stored is Stored.CREATED:
            drain_wake_soon()
        await _send(adapter.acknowledge(context, incoming), send)
        return True

    def _writer_for_loop(self) -> EventWriter:
        loop = asyncio.get_running_loop()
        if self._writer is None or self._loop is not loop:  # tests run several loops
            self._writer, self._loop = EventWriter(), loop
        return self._writer

    def close(self) -> None:
        """Close what the ordinary path keeps (its threads' connections); the lane's own
        connection is closed by ``aclose`` on its loop."""
        close = getattr(self.app, "close", None)
        if close is not None:
            close()

    async def aclose(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer.close()


async def _send(response: HttpResponse, send: Send) -> None:
    """An adapter's small, complete answer (no cookies, no streaming)."""
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()
    ]
    headers.append((b"content-length", str(len(response.content)).encode()))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})


def _headers(scope: Scope) -> dict[str, str]:
    """Header names lower-cased, repeated ones joined with commas (as Django does)."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the body already read over first, then the original's."""
    sent = False

    async def replay() -> Mapping[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
