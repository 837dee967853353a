"""The relay to a networked channel layer: one background loop, in order, never blocking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from channels.layers import BaseChannelLayer

from helpdesk import realtime
from helpdesk.events import DomainEvent


class RecordingLayer(BaseChannelLayer):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, int, int]] = []  # group, seq, thread id
        self.gate = threading.Event()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.gate.wait(5)
        self.sent.append((group, message["event"]["seq"], threading.get_ident()))


def _event(seq: int, users: tuple[int, ...] = ()) -> DomainEvent:
    return DomainEvent(
        name="message.created",
        tenant_id=7,
        payload={"id": seq},
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        seq=seq,
        user_ids=users,
    )


def test_events_leave_in_order_from_one_thread_without_blocking_the_caller(monkeypatch) -> None:
    layer = RecordingLayer()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    for seq in range(1, 51):
        realtime.event_relay(_event(seq, users=(3,) if seq == 50 else ()))
    assert layer.sent == []  # the layer is stalled; the callers went on
    layer.gate.set()
    assert realtime.relay_flush(5)
    assert [(group, seq) for group, seq, _ in layer.sent] == [
        *(("tenant.7", seq) for seq in range(1, 51)),
        ("user.3", 50),
    ]
    threads = {thread for _, _, thread in layer.sent}
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_a_failing_send_is_logged_and_the_next_event_still_leaves(monkeypatch, caplog) -> None:
    layer = RecordingLayer()
    layer.gate.set()
    calls = {"n": 0}
    original = layer.group_send

    async def flaky(group: str, message: dict[str, Any]) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("redis went away")
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", flaky)
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    realtime.event_relay(_event(1))
    realtime.event_relay(_event(2))
    assert realtime.relay_flush(5)
    assert [seq for _, seq, _ in layer.sent] == [2]
    assert "could not send to tenant.7" in caplog.text
