"""What every channel adapter produces: channel-free inbound data, no ORM, no provider words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SenderIdentity:
    """Who sent it, as the channel knows them. ``kind`` is a customers ``IdentityKind`` value."""

    kind: str
    value: str  # raw; normalized by customers
    verified: bool = False
    display_name: str = ""


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes | None = None  # bytes in the payload (email, widget upload)
    url: str = ""  # or provider media to fetch (allow-listed hosts only)
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True)
class CallDetail:
    direction: str  # inbound / outbound
    from_number: str = ""
    to_number: str = ""
    duration_seconds: int | None = None
    recording_url: str = ""
    transcript: str = ""
    sentiment: str = ""
    started_at: datetime | None = None


@dataclass(frozen=True)
class InboundMessage:
    """One customer message from any channel, ready for ``inbox.services.message_ingest``."""

    channel_id: int
    channel_kind: str
    external_id: str  # the provider's message id, unique per channel
    sender: SenderIdentity
    body_text: str
    body_html: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    # Email threading (RFC 5322) and the per-ticket token of our reply address.
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    reply_token: str = ""
    # Messaging threading: a provider conversation key (widget session, thread id) and the
    # external id of the message this one replies to.
    conversation_key: str = ""
    reply_to_external_id: str = ""
    language: str = ""
    # Other identities seen with the message (the email a chat visitor typed, a caller id).
    extra_identities: tuple[SenderIdentity, ...] = ()
    call: CallDetail | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    """A provider's delivery report for one of our outbound messages."""

    channel_id: int
    external_id: str
    status: str  # a DeliveryStatus value
    at: datetime | None = None
    error: str = ""


@dataclass(frozen=True)
class CallUpdate:
    """Later detail of a call we already stored: its recording, transcript or duration."""

    channel_id: int
    external_id: str  # the call's id (the message's external id)
    duration_seconds: int | None = None
    recording_url: str = ""
    transcript: str = ""
    sentiment: str = ""
