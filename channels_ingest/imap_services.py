"""Polling IMAP channels: each unseen message becomes an InboundEvent, like a webhook's."""

from __future__ import annotations

import imaplib
import logging

from django.db import transaction

from channels_ingest.adapters.imap.poll import mailbox_open
from channels_ingest.models import Channel
from channels_ingest.services import event_receive
from helpdesk.tenancy import tenant_scope

logger = logging.getLogger(__name__)


def imap_channel_poll(*, channel: Channel) -> list[int]:
    """Store the mailbox's unseen messages once each, then flag them seen. Returns event ids.

    A message is flagged only after its event is committed, so a crash between the two
    re-reads it next time and the unique event id turns that into a no-op.
    """
    from channels_ingest.tasks import inbound_event_process
    from helpdesk.tasks import enqueue_on_commit

    created_ids: list[int] = []
    with mailbox_open(channel.config) as mailbox:
        for fetched in mailbox.unseen():
            with transaction.atomic():
                event, created = event_receive(
                    channel=channel,
                    purpose="inbound",
                    event_id=fetched.event_id,
                    body=fetched.raw,
                    content_type="message/rfc822",
                    headers={"content-type": "message/rfc822"},
                )
                if created:
                    enqueue_on_commit(inbound_event_process, channel.tenant_id, event.pk)
                    created_ids.append(event.pk)
            mailbox.mark_seen(fetched.uid)
    return created_ids


def imap_channels_poll() -> int:
    """Poll every active IMAP channel; one failing mailbox never stops the others."""
    # The poller serves every tenant: each channel is then handled in its own tenant scope.
    channels = list(
        Channel.objects.unscoped()
        .select_related("tenant")
        .filter(provider="imap", is_active=True)
        .order_by("id")
    )
    stored = 0
    for channel in channels:
        with tenant_scope(channel.tenant):
            try:
                stored += len(imap_channel_poll(channel=channel))
            except (OSError, imaplib.IMAP4.error) as exc:
                logger.warning("IMAP channel %s: %s", channel.pk, exc)
    return stored
