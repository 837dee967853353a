"""How the channels room plugs into the rooms below it (called once from AppConfig.ready)."""

from __future__ import annotations

from helpdesk import events
from helpdesk.tasks import safe_delay
from inbox.outbound import ChannelInfo, directory_register


class _Directory:
    def channel_info(self, channel_id: int) -> ChannelInfo | None:
        from channels_ingest.adapters.registry import adapter_for
        from channels_ingest.models import Channel

        channel = Channel.objects.filter(pk=channel_id).first()
        if channel is None:
            return None
        adapter = adapter_for(channel.provider)
        return ChannelInfo(
            id=channel.pk,
            kind=channel.kind,
            name=channel.name,
            is_active=channel.is_active,
            reply_window=adapter.reply_window(channel.kind) if adapter else None,
        )


def _deliver_queued(event: events.DomainEvent) -> None:
    from channels_ingest.tasks import message_deliver

    safe_delay(message_deliver, event.tenant_id, event.payload["id"])


def connect() -> None:
    from channels_ingest.widget import live

    directory_register(_Directory())
    live.connect()
    events.subscribe("message.queued", _deliver_queued)
