"""The relay to Redis pub/sub: one direct publish per group, heard by the layer's own readers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from channels_redis.pubsub import RedisPubSubChannelLayer

from helpdesk import realtime
from helpdesk.events import DomainEvent

REDIS = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")


def _event(seq: int, users: tuple[int, ...] = ()) -> DomainEvent:
    return DomainEvent(
        name="message.created",
        tenant_id=7,
        payload={"id": seq},
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        seq=seq,
        user_ids=users,
    )


class _Recording:
    """A channel layer of another kind: what was sent to which group, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.sent.append((group, message["event"]["seq"]))


@needs_redis
def test_events_reach_the_layers_readers_in_order_encoded_once(monkeypatch) -> None:
    layer = RedisPubSubChannelLayer(hosts=[{"address": REDIS}], prefix="relaytest")
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)

    async def scenario() -> list[dict[str, Any]]:
        tenant_reader = await layer.new_channel()
        user_reader = await layer.new_channel()
        await layer.group_add("tenant.7", tenant_reader)
        await layer.group_add("user.3", user_reader)
        await asyncio.sleep(0.2)  # subscriptions settle
        for seq in (1, 2, 3):
            event = _event(seq, users=(3,) if seq == 3 else ())
            await asyncio.to_thread(realtime.event_relay, event)
        got = [await asyncio.wait_for(layer.receive(tenant_reader), 5) for _ in range(3)]
        got.append(await asyncio.wait_for(layer.receive(user_reader), 5))
        await layer.flush()
        return got

    got = asyncio.run(scenario())
    assert [message["event"]["seq"] for message in got] == [1, 2, 3, 3]
    assert all(message["type"] == "helpdesk.event" for message in got)
    assert json.loads(got[0]["text"]) == got[0]["event"]


def test_other_layers_are_sent_to_through_group_send(monkeypatch) -> None:
    layer = _Recording()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    realtime.event_relay(_event(1, users=(4,)))
    assert layer.sent == [("tenant.7", 1), ("user.4", 1)]


@needs_redis
def test_a_batch_reaches_the_layers_readers_in_order(monkeypatch) -> None:
    layer = RedisPubSubChannelLayer(hosts=[{"address": REDIS}], prefix="relaybatch")
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)

    def batch() -> None:
        with realtime.relay_batched():
            for seq in (1, 2, 3):
                realtime.event_relay(_event(seq, users=(3,) if seq == 2 else ()))

    async def scenario() -> tuple[list[int], list[int]]:
        tenant_reader = await layer.new_channel()
        user_reader = await layer.new_channel()
        await layer.group_add("tenant.7", tenant_reader)
        await layer.group_add("user.3", user_reader)
        await asyncio.sleep(0.2)  # subscriptions settle
        await asyncio.to_thread(batch)
        tenant = [await asyncio.wait_for(layer.receive(tenant_reader), 5) for _ in range(3)]
        user = [await asyncio.wait_for(layer.receive(user_reader), 5)]
        await layer.flush()
        return [m["event"]["seq"] for m in tenant], [m["event"]["seq"] for m in user]

    assert asyncio.run(scenario()) == ([1, 2, 3], [2])


def test_a_batch_goes_to_other_layers_through_group_send_at_its_end(monkeypatch) -> None:
    layer = _Recording()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    with realtime.relay_batched():
        realtime.event_relay(_event(1, users=(4,)))
        realtime.event_relay(_event(2))
        assert layer.sent == []
    assert layer.sent == [("tenant.7", 1), ("user.4", 1), ("tenant.7", 2)]
