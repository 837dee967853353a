"""Async chat: "we'll reply by email".

When a visitor writes while no agent is online, the widget asks for their email and says the
answer will come by email. So while the customer's latest widget message on a ticket was sent
in that mode, every reply through the widget is also queued through the tenant's email channel
(threaded like any email reply) to the address the visitor typed. Once the customer writes
again with agents online, replies stay in the chat.
"""

from __future__ import annotations

import logging

from channels_ingest.models import Channel
from customers.models import Identity
from helpdesk.errors import DomainError
from helpdesk.events import DomainEvent, event_tenant
from helpdesk.tenancy import tenant_scope
from inbox.models import Direction, Message
from inbox.services import message_reply

logger = logging.getLogger(__name__)


def reply_email_copy(event: DomainEvent) -> None:
    channel_id, message_id = event.payload.get("channel"), event.payload.get("id")
    if not isinstance(channel_id, int) or not isinstance(message_id, int):
        return
    tenant = event_tenant(event)
    if tenant is None:
        return
    with tenant_scope(tenant):
        if not Channel.objects.filter(pk=channel_id, provider="widget").exists():
            return
        reply = Message.objects.select_related("ticket", "author").filter(pk=message_id).first()
        if reply is None:
            return
        latest = (
            Message.objects.filter(
                ticket_id=reply.ticket_id, direction=Direction.INBOUND, channel_id=channel_id
            )
            .order_by("-created_at", "-id")
            .values_list("metadata", flat=True)
            .first()
        )
        if ((latest or {}).get("widget") or {}).get("mode") != "async":
            return
        has_email = Identity.objects.filter(
            customer_id=reply.ticket.customer_id, kind="email"
        ).exists()
        email = Channel.objects.filter(kind="email", is_active=True).order_by("id").first()
        if not has_email or email is None:
            return
        try:
            message_reply(
                ticket=reply.ticket,
                author=reply.author,
                body_text=reply.body_text,
                channel_id=email.pk,
            )
        except DomainError as exc:
            logger.warning("email copy of widget reply %s not sent: %s", reply.pk, exc.message)
