"""Relay committed domain events to WebSocket groups ``tenant.<id>`` and ``user.<id>``.

With a networked channel layer (Redis) the sends leave from one event loop per process, in a
background thread, in the order the events were dispatched: the committing code never waits
for the layer, and the layer keeps its connections open across events instead of opening
them on a new loop for every ``async_to_sync`` call. Real-time is best effort: a layer that
cannot keep up loses events past the queue's bound (clients refetch on a ``seq`` gap). The
in-memory layer (development, tests) is sent to directly, as its queues live on the caller's
loop.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer

from helpdesk.events import DomainEvent

logger = logging.getLogger(__name__)

QUEUE_BOUND = 10_000
Send = tuple[BaseChannelLayer, list[str], dict[str, Any]]


def tenant_group(tenant_id: int) -> str:
    return f"tenant.{tenant_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


class _Sender:
    """One daemon thread per process running a loop that sends queued events in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Send] | None = None
        self._pending = 0  # queued or being sent; read by flush()

    def submit(self, item: Send) -> None:
        loop = self._running_loop()
        with self._lock:
            self._pending += 1
        loop.call_soon_threadsafe(self._offer, item)

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait until everything submitted so far was sent (tests, process exit)."""
        deadline = time.monotonic() + timeout
        while self._pending and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._pending

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():  # first use, or a forked child
                ready = threading.Event()
                self._pid, self._pending = os.getpid(), 0
                threading.Thread(
                    target=self._run, args=(ready,), name="realtime-relay", daemon=True
                ).start()
                ready.wait()
            assert self._loop is not None
            return self._loop

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._queue = asyncio.Queue()
        self._loop = loop
        ready.set()
        loop.run_until_complete(self._drain())

    def _offer(self, item: Send) -> None:
        assert self._queue is not None
        if self._queue.qsize() >= QUEUE_BOUND:
            self._done()
            logger.warning("real-time relay queue full: event %s dropped", item[2]["event"]["seq"])
            return
        self._queue.put_nowait(item)

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1

    async def _drain(self) -> None:
        assert self._queue is not None
        while True:
            layer, groups, message = await self._queue.get()
            for group in groups:
                try:
                    await layer.group_send(group, message)
                except Exception:
                    logger.exception("real-time relay could not send to %s", group)
            self._done()


_sender = _Sender()
atexit.register(_sender.flush)


def relay_flush(timeout: float = 2.0) -> bool:
    """Wait until the events relayed so far have left (True) or ``timeout`` passed."""
    return _sender.flush(timeout)


def event_relay(event: DomainEvent) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "helpdesk.event", "event": event.as_message()}
    groups = [tenant_group(event.tenant_id)] if event.broadcast else []
    groups += [user_group(user_id) for user_id in event.user_ids]
    if not groups:
        return
    if isinstance(layer, InMemoryChannelLayer):
        send = async_to_sync(layer.group_send)
        for group in groups:
            send(group, message)
        return
    _sender.submit((layer, groups, message))
