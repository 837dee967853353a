"""Storing inbound attachments and call details: the files and rows a message carries."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.core.files.base import ContentFile

from inbox.inbound import CallDetail, InboundAttachment
from inbox.models import Attachment, Call, Message

# Leading bytes of the types customers send most; the declared type is only a hint.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"PK\x03\x04", "application/zip"),
)


def content_type_sniff(content: bytes, declared: str) -> str:
    """The type the bytes say they are; the declared type when they say nothing we know."""
    for prefix, content_type in _MAGIC:
        if content.startswith(prefix):
            if content_type == "application/zip" and declared.startswith("application/vnd."):
                return declared  # Office documents are zip files
            return content_type
    if content[4:8] == b"ftyp":
        return declared if declared.startswith(("video/", "audio/", "image/")) else "video/mp4"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return declared or "application/octet-stream"


def attachment_store(*, message: Message, attachment: InboundAttachment) -> Attachment | None:
    """Keep an attachment's bytes with the message; None when the channel gave no bytes."""
    if attachment.content is None:
        return None
    content = attachment.content
    name = PurePath(attachment.filename.replace("\\", "/")).name[:255] or "attachment"
    stored = Attachment(
        tenant_id=message.tenant_id,
        message=message,
        filename=name,
        content_type=content_type_sniff(content, attachment.content_type)[:127],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content_id=attachment.content_id[:255],
        is_inline=attachment.inline,
    )
    stored.file.save(name, ContentFile(content), save=False)
    stored.save()
    return stored


def call_store(*, message: Message, call: CallDetail) -> Call:
    return Call.objects.create(
        tenant_id=message.tenant_id,
        message=message,
        direction=call.direction,
        from_number=call.from_number[:32],
        to_number=call.to_number[:32],
        duration_seconds=call.duration_seconds,
        recording_url=call.recording_url[:500],
        transcript=call.transcript,
        sentiment=call.sentiment[:16],
        started_at=call.started_at,
    )
