"""Outbound delivery: build the channel-free OutboundMessage and hand it to the adapter."""

from __future__ import annotations

import logging
import re
import uuid

from channels_ingest.adapters.base import DeliveryError, OutboundMessage
from channels_ingest.adapters.registry import adapter_for
from channels_ingest.models import Channel
from channels_ingest.selectors import channel_context
from customers.models import Identity
from inbox.models import DeliveryStatus, Direction, Message
from inbox.services import message_delivery_record

logger = logging.getLogger(__name__)

# Which identity of the customer a channel kind writes to, in order of preference.
RECIPIENT_KINDS: dict[str, tuple[str, ...]] = {
    "email": ("email",),
    "sms": ("phone", "whatsapp"),
    "voice": ("phone", "whatsapp"),
    "whatsapp": ("whatsapp", "phone"),
    "messenger": ("messenger",),
    "instagram": ("instagram",),
    "telegram": ("telegram",),
    "chat": ("chat_user", "chat_visitor"),
    "api": (),
}


def _recipient(message: Message) -> str:
    """Where the customer last wrote from on this channel, else their identity of that kind."""
    latest = (
        Message.objects.filter(
            ticket_id=message.ticket_id,
            channel_id=message.channel_id,
            direction=Direction.INBOUND,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is not None and latest.metadata.get("sender", {}).get("value"):
        return str(latest.metadata["sender"]["value"])
    for kind in RECIPIENT_KINDS.get(message.channel_kind, ()):
        identity = Identity.objects.filter(
            customer_id=message.ticket.customer_id, kind=kind
        ).first()
        if identity is not None:
            return identity.value
    return ""


# Reply and forward prefixes of common clients and languages, and our own ticket tag.
_SUBJECT_NOISE = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|antw|ant|ref|réf|rif|r|rv|res|odp|wg|fw|fwd|tr|enc|doorst)"
    r"(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*|\[#\d{1,10}\]\s*)+",
    re.IGNORECASE,
)


def subject_base(subject: str) -> str:
    """A subject without reply/forward prefixes and ticket tags ("Re: AW: x [#4]" -> "x")."""
    base = _SUBJECT_NOISE.sub("", subject)
    return re.sub(r"\s*\[#\d{1,10}\]", "", base).strip()


def _email_threading(message: Message, channel: Channel) -> dict[str, str]:
    ticket = message.ticket
    address = str(channel.config.get("address", "support@localhost"))
    local, _, domain = address.partition("@")
    chain = list(
        Message.objects.filter(ticket=ticket)
        .exclude(message_id_header="")
        .exclude(pk=message.pk)
        .order_by("created_at", "id")
        .values_list("message_id_header", "direction")
    )
    # References keep the thread's first message and the latest ones (RFC 5322 3.6.4);
    # In-Reply-To names the customer's latest email, the one this reply answers.
    cited = list(dict.fromkeys(mid for mid, _ in chain[:1] + chain[-19:]))
    inbound = [mid for mid, direction in chain if direction == Direction.INBOUND]
    subject = subject_base(ticket.subject) or "Your request"
    return {
        "subject": f"Re: {subject} [#{ticket.number}]",
        "message_id_header": f"<{uuid.uuid4().hex}.{ticket.reply_token}@{domain or 'localhost'}>",
        "in_reply_to": inbound[-1] if inbound else (cited[-1] if cited else ""),
        "references": " ".join(cited),
        "reply_to": f"{local}+{ticket.reply_token}@{domain}" if domain else "",
    }


def message_deliver_now(*, message_id: int, final_attempt: bool = False) -> str:
    """Send one queued message. Returns sent / failed / retry / skipped."""
    message = (
        Message.objects.select_related("ticket", "author__user")
        .filter(pk=message_id, direction=Direction.OUTBOUND, status=DeliveryStatus.QUEUED)
        .first()
    )
    if message is None:
        return "skipped"
    channel = Channel.objects.filter(pk=message.channel_id or 0).first()
    adapter = adapter_for(channel.provider) if channel else None
    if channel is None or adapter is None or not channel.is_active:
        message_delivery_record(
            message=message, status=DeliveryStatus.FAILED, error="The channel is gone or off."
        )
        return "failed"
    threading = _email_threading(message, channel) if channel.kind == "email" else {}
    outbound = OutboundMessage(
        message_id=message.pk,
        to=_recipient(message),
        body_text=message.body_text,
        body_html=message.body_html,
        subject=threading.get("subject", ""),
        message_id_header=threading.get("message_id_header", ""),
        in_reply_to=threading.get("in_reply_to", ""),
        references=tuple(threading.get("references", "").split()),
        reply_to=threading.get("reply_to", ""),
        metadata={"author": message.author.display_name if message.author else ""},
    )
    if not outbound.to:
        message_delivery_record(
            message=message,
            status=DeliveryStatus.FAILED,
            error="The customer has no address on this channel.",
        )
        return "failed"
    try:
        result = adapter.send(channel_context(channel), outbound)
    except DeliveryError as exc:
        if exc.retryable and not final_attempt:
            logger.warning("delivery of message %s will be retried: %s", message.pk, exc)
            return "retry"
        message_delivery_record(message=message, status=DeliveryStatus.FAILED, error=str(exc))
        return "failed"
    message_delivery_record(
        message=message,
        status=result.status,
        external_id=result.external_id,
        message_id_header=outbound.message_id_header,
        in_reply_to=outbound.in_reply_to,
        references=" ".join(outbound.references),
    )
    return "sent"
