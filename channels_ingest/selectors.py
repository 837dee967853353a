"""Reads on channels."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from channels_ingest.adapters.base import ChannelContext
from channels_ingest.adapters.registry import adapter_for
from channels_ingest.models import Channel


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
