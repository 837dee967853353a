"""The lean HTTP path: webhooks through the real ASGI application, without the middleware
stack, on threads that keep their database connections."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.db import connections

from channels_ingest.adapters.api.adapter import sign
from channels_ingest.models import Channel, InboundEvent
from channels_ingest.selectors import channel_webhook_urls
from helpdesk.asgi import application, django_asgi_app
from helpdesk.lean_http import LeanHTTP
from helpdesk.tenancy import tenant_scope
from tests.factories import ChannelFactory, TenantFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the view runs on the pool's threads
    pytest.mark.asyncio,
]


@pytest.fixture(autouse=True, scope="module")
def _connections_closed_after_the_module():
    """The test database cannot be dropped while a thread still holds a connection to it."""
    yield
    application.application_mapping["http"].close()  # its threads' connections too
    asyncio.run(sync_to_async(connections.close_all)())  # the thread running sync_to_async


async def _request(
    app: Any, path: str, body: bytes, headers: dict[str, str], chunks: int = 1
) -> tuple[int, dict[bytes, bytes], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    communicator = ApplicationCommunicator(app, scope)
    size = max(1, len(body) // chunks + 1)
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    for index, part in enumerate(parts):
        await communicator.send_input(
            {"type": "http.request", "body": part, "more_body": index < len(parts) - 1}
        )
    start = await communicator.receive_output(10)
    content = await communicator.receive_output(10)
    await communicator.wait(10)
    return start["status"], dict(start["headers"]), content["body"]


def _channel() -> Channel:
    tenant = TenantFactory(slug="lean")
    with tenant_scope(tenant):
        channel: Channel = ChannelFactory(tenant=tenant, config={"secret": "k" * 32})
    return channel


def _signed(channel: Channel, event_id: str) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps(
        {"id": event_id, "from": {"kind": "email", "value": "ann@example.com"}, "text": "Hi"}
    ).encode()
    path = "/" + channel_webhook_urls(channel)["inbound"].split("/", 3)[3]
    headers = {
        "content-type": "application/json",
        "content-length": str(len(body)),
        "x-helpdesk-signature": sign("k" * 32, body),
    }
    return path, body, headers


def _stored(channel: Channel) -> list[str]:
    with tenant_scope(channel.tenant):
        return list(InboundEvent.objects.values_list("provider_event_id", flat=True))


async def test_a_signed_webhook_is_stored_and_acknowledged_with_its_length() -> None:
    channel = await sync_to_async(_channel)()
    path, body, headers = _signed(channel, "evt-1")
    status, response_headers, content = await _request(application, path, body, headers, 3)
    assert status == 200
    assert response_headers[b"Content-Length"] == str(len(content)).encode()
    assert await sync_to_async(_stored)(channel) == ["evt-1"]
    # A redelivery is acknowledged and changes nothing.
    status, _, _ = await _request(application, path, body, headers)
    assert status == 200
    assert await sync_to_async(_stored)(channel) == ["evt-1"]


async def test_a_bad_signature_is_refused_and_stores_nothing() -> None:
    channel = await sync_to_async(_channel)()
    path, body, headers = _signed(channel, "evt-2")
    headers["x-helpdesk-signature"] = sign("wrong" * 8, body)
    status, _, content = await _request(application, path, body, headers)
    assert status == 403
    assert json.loads(content)["error"]["code"] == "bad_signature"
    assert await sync_to_async(_stored)(channel) == []


async def test_bodies_over_the_cap_answer_413_and_store_nothing(settings) -> None:
    settings.MAX_REQUEST_BODY_BYTES = 64
    channel = await sync_to_async(_channel)()
    path, body, headers = _signed(channel, "evt-3" + "x" * 100)
    status, _, content = await _request(application, path, body, headers)
    assert (status, json.loads(content)["error"]["code"]) == (413, "body_too_large")
    headers["content-length"] = "10"  # a lie: the body read is capped all the same
    status, _, _ = await _request(application, path, body, headers, 4)
    assert status == 413
    headers["content-length"] = "ten"
    status, _, content = await _request(application, path, body, headers)
    assert (status, json.loads(content)["error"]["code"]) == (400, "bad_content_length")
    assert await sync_to_async(_stored)(channel) == []


async def test_other_paths_and_unknown_webhooks_go_to_the_full_application() -> None:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    lean = LeanHTTP(inner, prefixes=("/webhooks/",))
    assert (await _request(lean, "/api/v1/tickets/", b"", {}))[0] == 204
    assert (await _request(lean, "/webhooks/nothing-here", b"", {}))[0] == 204
    assert seen == ["/api/v1/tickets/", "/webhooks/nothing-here"]


async def test_close_stops_the_pool_and_closes_its_threads_connections() -> None:
    lean = LeanHTTP(django_asgi_app, prefixes=("/webhooks/",), threads=1)
    channel = await sync_to_async(_channel)()
    path, body, headers = _signed(channel, "evt-close")
    assert (await _request(lean, path, body, headers))[0] == 200
    assert lean._executor is not None
    kept = lean._executor.submit(lambda: connections["default"]).result()
    assert kept.connection is not None  # kept between requests
    lean.close()
    assert lean._executor is None
    if kept.vendor != "sqlite":  # Django never closes the in-memory SQLite test database
        assert kept.connection is None
    lean.close()  # closing twice is harmless
    path, body, headers = _signed(channel, "evt-after")
    assert (await _request(lean, path, body, headers))[0] == 200  # a new pool
    assert sorted(await sync_to_async(_stored)(channel)) == ["evt-after", "evt-close"]
    lean.close()
