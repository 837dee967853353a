"""The webhook lane: deliveries of a channel this process has served are verified with the
cached channel, stored by a shared insert on the event loop, and answered exactly as the
ordinary view answers; everything else goes the ordinary way."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connection, connections

from channels_ingest import event_writer, webhook_lane
from channels_ingest.adapters.api.adapter import sign
from channels_ingest.models import Channel, InboundEvent
from channels_ingest.selectors import channel_webhook_urls
from channels_ingest.services import channel_update
from channels_ingest.webhook_lane import WebhookLane
from helpdesk.asgi import django_asgi_app
from helpdesk.lean_http import LeanHTTP
from helpdesk.tenancy import tenant_scope
from tests.factories import ChannelFactory, TenantFactory
from tests.test_lean_http import _request

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the lane has a connection of its own
    pytest.mark.asyncio,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the lane's insert is SQL"),
]

SECRET = "k" * 32


class Ordinary:
    """The ordinary path (the lean threads and Django's view), noting what it was given."""

    def __init__(self) -> None:
        self.lean = LeanHTTP(django_asgi_app, prefixes=("/webhooks/",), threads=2)
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await self.lean(scope, receive, send)

    def close(self) -> None:
        self.lean.close()


@pytest_asyncio.fixture
async def lane(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[WebhookLane, list[int]]]:
    """A lane in front of the ordinary path, switched on (tests run tasks eagerly, which
    otherwise keeps it off); the drain wake-ups it asks for are counted, not sent."""
    wakes: list[int] = []
    monkeypatch.setattr(webhook_lane, "drain_wake_soon", lambda: wakes.append(1))
    lane = WebhookLane(Ordinary())
    lane._enabled = True
    yield lane, wakes
    await lane.aclose()
    lane.close()
    await sync_to_async(connections.close_all)()


def _channel(slug: str = "lane") -> Channel:
    tenant = TenantFactory(slug=slug)
    with tenant_scope(tenant):
        channel: Channel = ChannelFactory(tenant=tenant, config={"secret": SECRET})
    return channel


def _signed(
    channel: Channel, event_id: str, secret: str = SECRET, text: str = "Hi"
) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps(
        {"id": event_id, "from": {"kind": "email", "value": "ann@example.com"}, "text": text}
    ).encode()
    path = "/" + channel_webhook_urls(channel)["inbound"].split("/", 3)[3]
    headers = {
        "content-type": "application/json; charset=utf-8",
        "content-length": str(len(body)),
        "x-helpdesk-signature": sign(secret, body),
        "user-agent": "custom-source/1.0",
        "authorization": "Bearer never-kept",
    }
    return path, body, headers


def _events(channel: Channel) -> list[tuple[Any, ...]]:
    with tenant_scope(channel.tenant):
        return list(
            InboundEvent.objects.order_by("id").values_list(
                "tenant_id", "channel_id", "purpose", "provider_event_id", "content_type",
                "body", "headers",
            )
        )  # fmt: skip


async def _post(lane: WebhookLane, channel: Channel, event_id: str, **kw: Any) -> int:
    path, body, headers = await sync_to_async(_signed)(channel, event_id, **kw)
    status, _, _ = await _request(lane, path, body, headers)
    return status


async def test_a_served_channel_is_answered_by_the_lane_and_stored_as_the_view_stores(
    lane: tuple[WebhookLane, list[int]],
) -> None:
    app, wakes = lane
    channel = await sync_to_async(_channel)()
    path, body, headers = await sync_to_async(_signed)(channel, "evt-1")
    first = await _request(app, path, body, headers)  # not cached yet: the ordinary way
    path2, body2, headers2 = await sync_to_async(_signed)(channel, "evt-2")
    second = await _request(app, path2, body2, headers2)

    assert app.app.paths == [path]  # the second never reached the ordinary path
    assert (first[0], first[2]) == (second[0], second[2]) == (200, b'{"status": "ok"}')
    assert second[1][b"content-length"] == str(len(second[2])).encode()
    assert wakes == [1]  # the lane woke the drain for its new event
    stored = await sync_to_async(_events)(channel)
    kept = {"content-type": "application/json; charset=utf-8", "user-agent": "custom-source/1.0"}
    assert stored == [
        (channel.tenant_id, channel.pk, "inbound", "evt-1", "application/json", body, kept),
        (channel.tenant_id, channel.pk, "inbound", "evt-2", "application/json", body2, kept),
    ]
    with tenant_scope(channel.tenant):
        lane_event = await sync_to_async(InboundEvent.objects.get)(provider_event_id="evt-2")
    assert (lane_event.state, lane_event.attempts) == ("pending", 0)  # the drain's to run


async def test_a_redelivery_and_two_concurrent_copies_store_one_event(
    lane: tuple[WebhookLane, list[int]],
) -> None:
    app, wakes = lane
    channel = await sync_to_async(_channel)()
    assert await _post(app, channel, "warm") == 200  # caches the channel
    path, body, headers = await sync_to_async(_signed)(channel, "evt-twice")

    answers = await asyncio.gather(*(_request(app, path, body, headers) for _ in range(3)))
    again = await _request(app, path, body, headers)

    assert [a[0] for a in answers] + [again[0]] == [200, 200, 200, 200]
    assert len(app.app.paths) == 1  # the warm-up alone
    ids = [row[3] for row in await sync_to_async(_events)(channel)]
    assert ids == ["warm", "evt-twice"]
    assert len(wakes) == 1  # only the one new event woke the drain


async def test_a_bad_signature_is_refused_by_the_view_and_stores_nothing(
    lane: tuple[WebhookLane, list[int]],
) -> None:
    app, wakes = lane
    channel = await sync_to_async(_channel)()
    assert await _post(app, channel, "warm") == 200
    path, body, headers = await sync_to_async(_signed)(channel, "evt-forged", secret="x" * 32)

    status, _, content = await _request(app, path, body, headers)

    assert (status, json.loads(content)["error"]["code"]) == (403, "bad_signature")
    assert app.app.paths == [path] * 2  # warm-up, then the refusal: both the view's
    assert [row[3] for row in await sync_to_async(_events)(channel)] == ["warm"]
    assert wakes == []


async def test_a_rotated_secret_is_read_again_before_anything_is_stored(
    lane: tuple[WebhookLane, list[int]],
) -> None:
    app, _ = lane
    channel = await sync_to_async(_channel)()
    assert await _post(app, channel, "warm") == 200
    await sync_to_async(channel_update)(channel=channel, config={"secret": "n" * 32})

    # Signed with the old secret: the lane's cached copy accepts it, its insert sees the
    # channel changed, and the view (reading the new secret) refuses it.
    assert await _post(app, channel, "evt-old-secret") == 403
    assert await _post(app, channel, "evt-new-secret", secret="n" * 32) == 200
    assert await _post(app, channel, "evt-new-again", secret="n" * 32) == 200

    ids = [row[3] for row in await sync_to_async(_events)(channel)]
    assert ids == ["warm", "evt-new-secret", "evt-new-again"]
    assert len(app.app.paths) == 2  # warm-up, and the refusal (which read the channel again)


async def test_a_switched_off_channel_answers_404_and_stores_nothing(
    lane: tuple[WebhookLane, list[int]],
) -> None:
    app, _ = lane
    channel = await sync_to_async(_channel)()
    assert await _post(app, channel, "warm") == 200
    await sync_to_async(channel_update)(channel=channel, is_active=False)

    assert await _post(app, channel, "evt-after-off") == 404
    assert [row[3] for row in await sync_to_async(_events)(channel)] == ["warm"]


async def test_large_bodies_and_query_strings_take_the_ordinary_way(
    lane: tuple[WebhookLane, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = lane
    channel = await sync_to_async(_channel)()
    assert await _post(app, channel, "warm") == 200
    monkeypatch.setattr(webhook_lane, "MAX_BODY", 64)
    assert await _post(app, channel, "evt-large", text="x" * 100) == 200

    assert len(app.app.paths) == 2
    assert [row[3] for row in await sync_to_async(_events)(channel)] == ["warm", "evt-large"]


async def test_a_database_failure_in_the_lane_leaves_the_delivery_to_the_view(
    lane: tuple[WebhookLane, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = lane
    channel = await sync_to_async(_channel)()
    assert await _post(app, channel, "warm") == 200

    async def broken(self: Any, rows: Any) -> Any:
        raise OSError("connection reset")

    monkeypatch.setattr(event_writer.EventWriter, "_insert", broken)
    assert await _post(app, channel, "evt-during-outage") == 200

    assert len(app.app.paths) == 2
    ids = [row[3] for row in await sync_to_async(_events)(channel)]
    assert ids == ["warm", "evt-during-outage"]


async def test_each_tenant_s_delivery_is_stored_under_its_own_channel_and_tenant(
    lane: tuple[WebhookLane, list[int]],
) -> None:
    app, _ = lane
    first = await sync_to_async(_channel)("lane-a")
    second = await sync_to_async(_channel)("lane-b")
    for channel in (first, second):
        assert await _post(app, channel, "warm") == 200

    statuses = await asyncio.gather(_post(app, first, "evt-a"), _post(app, second, "evt-b"))

    assert statuses == [200, 200]
    for channel, own in ((first, "evt-a"), (second, "evt-b")):
        rows = await sync_to_async(_events)(channel)
        assert [(r[0], r[1], r[3]) for r in rows] == [
            (channel.tenant_id, channel.pk, "warm"),
            (channel.tenant_id, channel.pk, own),
        ]


async def test_the_lane_is_on_with_postgresql_and_a_broker_unless_switched_off(
    settings: Any,
) -> None:
    from helpdesk.celery import app as celery_app

    assert webhook_lane.lane_enabled() is False  # tests run tasks eagerly, in line
    celery_app.conf.task_always_eager = False
    try:
        assert webhook_lane.lane_enabled() is True
        settings.WEBHOOK_LANE = False
        assert webhook_lane.lane_enabled() is False
    finally:
        celery_app.conf.task_always_eager = True
