"""Relay committed domain events to WebSocket groups ``tenant.<id>`` and ``user.<id>``.

One event is one publish per group, whatever the number of agents: every ASGI process holding
sockets of the group hears it once and hands it to its own sockets. With the Redis pub/sub
layer the relay publishes through a pooled synchronous Redis client: going through
``async_to_sync(layer.group_send)`` from a worker thread builds an event loop, a layer and a
new Redis connection for every call (5-70 ms, against ~0.2 ms for one PUBLISH).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from helpdesk.events import DomainEvent

Publish = Callable[[str, dict[str, Any]], None]

_publishers: dict[int, tuple[Any, Publish | None]] = {}
_lock = threading.Lock()


def tenant_group(tenant_id: int) -> str:
    return f"tenant.{tenant_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def _redis_publisher(layer: Any) -> Publish | None:
    """A synchronous group publish for ``RedisPubSubChannelLayer``; None for other layers."""
    try:
        from channels_redis.pubsub import RedisPubSubChannelLayer
        from channels_redis.utils import _consistent_hash, decode_hosts
    except ImportError:  # channels_redis is optional in the embedded set-up
        return None
    if not isinstance(layer, RedisPubSubChannelLayer):
        return None
    import redis

    kwargs = getattr(layer, "_kwargs", {})
    prefix = kwargs.get("prefix", "asgi")
    clients = []
    for host in decode_hosts(kwargs.get("hosts")):
        host = dict(host)
        if "address" in host:
            clients.append(redis.Redis.from_url(host.pop("address"), **host))
        elif "master_name" in host:  # sentinel set-ups keep the layer's own path
            return None
        else:
            clients.append(redis.Redis(**host))

    def publish(group: str, message: dict[str, Any]) -> None:
        # The channel name and the serialization are the layer's own (channels_redis 4).
        channel = f"{prefix}__group__{group}"
        client = clients[_consistent_hash(channel, len(clients))]
        client.publish(channel, layer.serialize(message))

    return publish


def _publisher(layer: Any) -> Publish:
    entry = _publishers.get(id(layer))
    if entry is None or entry[0] is not layer:
        with _lock:
            entry = (layer, _redis_publisher(layer))
            _publishers[id(layer)] = entry
    direct = entry[1]
    if direct is not None:
        return direct
    return async_to_sync(layer.group_send)


def event_relay(event: DomainEvent) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    body = event.as_message()
    # Encoded once here rather than once per socket by every consumer of the group.
    message = {"type": "helpdesk.event", "event": body, "text": json.dumps(body)}
    groups = [tenant_group(event.tenant_id)] if event.broadcast else []
    groups += [user_group(user_id) for user_id in event.user_ids]
    send = _publisher(layer)
    for group in groups:
        send(group, message)
