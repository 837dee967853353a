"""Reads on channels."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from channels_ingest.adapters.base import ChannelContext
from channels_ingest.adapters.registry import adapter_for
from channels_ingest.models import Channel
from helpdesk.prepared import statement_cursor


def channel_webhook_urls(channel: Channel) -> dict[str, str]:
    """Absolute URLs the provider must call, one per purpose the adapter handles."""
    adapter = adapter_for(channel.provider)
    purposes = adapter.purposes_for(channel.kind) if adapter else ("inbound",)
    base = settings.PUBLIC_BASE_URL
    return {
        purpose: f"{base}/webhooks/{channel.provider}/{channel.webhook_key}/{purpose}/"
        for purpose in purposes
    }


def channel_context(channel: Channel) -> ChannelContext:
    return ChannelContext(
        id=channel.pk,
        tenant_id=channel.tenant_id,
        kind=channel.kind,
        provider=channel.provider,
        config=dict(channel.config),
        webhook_urls=channel_webhook_urls(channel),
    )


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.order_by("id")


def channel_by_webhook_key(*, provider: str, key: str) -> Channel | None:
    # Webhooks carry no tenant: the unguessable key names the channel and so the tenant.
    return (
        Channel.objects.unscoped()
        .select_related("tenant")
        .filter(webhook_key=key, provider=provider, is_active=True)
        .first()
    )


# Per process: (provider, webhook key) -> (sealed config, channel, context). The sealed
# (encrypted) config is re-encrypted with a fresh IV on every save of the channel, so a
# changed secret, name or kind never matches the cached entry.
_webhook_cache: dict[tuple[str, str], tuple[str, Channel, ChannelContext]] = {}
_webhook_cache_lock = threading.Lock()


def _sealed_config(*, provider: str, key: str) -> str | None:
    """The stored (encrypted) config of the active channel behind a webhook key."""
    # Webhooks carry no tenant: the unguessable key names the channel and so the tenant.
    # Plain SQL, prepared: this runs on every webhook, and building the ORM query cost more
    # than running it.
    meta = Channel._meta
    quote = connection.ops.quote_name
    column = {f.name: quote(str(f.column)) for f in meta.concrete_fields}
    sql = (
        f"SELECT {column['config']} FROM {quote(meta.db_table)} "  # noqa: S608 (model names)
        f"WHERE {column['webhook_key']} = %s AND {column['provider']} = %s "
        f"AND {column['is_active']}"
    )
    with statement_cursor() as cursor:
        cursor.execute(sql, [key, provider])
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def webhook_channel_cached(
    *, provider: str, key: str
) -> tuple[str, Channel, ChannelContext] | None:
    """``(sealed config, channel, context)`` as this process last read them for a webhook
    URL, without asking the database (the webhook lane's insert checks they still hold)."""
    return _webhook_cache.get((provider, key))


def webhook_channel(*, provider: str, key: str) -> tuple[Channel, ChannelContext] | None:
    """The active channel behind a webhook URL and its decrypted context.

    One small query checks the key still names an active channel and whether its stored
    config is the one cached; the channel is loaded and decrypted again only when it changed.
    """
    sealed = _sealed_config(provider=provider, key=key)
    if sealed is None:
        with _webhook_cache_lock:
            _webhook_cache.pop((provider, key), None)
        return None
    cached = _webhook_cache.get((provider, key))
    if cached is not None and cached[0] == sealed:
        return cached[1], cached[2]
    channel = channel_by_webhook_key(provider=provider, key=key)
    if channel is None:
        return None
    context = channel_context(channel)
    with _webhook_cache_lock:
        _webhook_cache[(provider, key)] = (sealed, channel, context)
    return channel, context
