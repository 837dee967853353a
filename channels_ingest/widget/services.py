"""Writes of the widget: every visitor action is a stored InboundEvent processed at once.

Messages, uploads and read receipts go through ``event_receive`` (unique per channel and event
id, so a retried send changes nothing) and then ``event_process`` in the same request, so the
agent sees the message without waiting for a worker; anything that fails there is left to the
sweeper like any webhook's event.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.utils import timezone

from channels_ingest.models import Channel, EventState
from channels_ingest.services import event_process, event_receive
from channels_ingest.widget.selectors import unread_replies
from channels_ingest.widget.tokens import Visitor
from customers.identity_values import InvalidIdentity, normalize_email
from helpdesk.errors import DomainError
from inbox.models import Message

logger = logging.getLogger(__name__)

MAX_TEXT = 5000
MAX_FILE_BYTES = 10 * 1024 * 1024
CLIENT_ID_MAX = 64
EXECUTABLE_EXTENSIONS = frozenset(
    [
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "msi",
        "msp",
        "pif",
        "cpl",
        "dll",
        "sys",
        "so",
        "dylib",
        "jar",
        "apk",
        "app",
        "dmg",
        "pkg",
        "deb",
        "rpm",
        "sh",
        "bash",
        "ps1",
        "psm1",
        "vbs",
        "vbe",
        "js",
        "jse",
        "mjs",
        "wsf",
        "wsh",
        "hta",
        "lnk",
        "reg",
        "gadget",
        "inf",
        "elf",
        "bin",
        "run",
        "command",
    ]
)
EXECUTABLE_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-executable",
        "application/x-elf",
        "application/x-mach-binary",
        "application/x-sh",
        "application/x-shellscript",
        "application/x-bat",
        "application/java-archive",
        "application/vnd.android.package-archive",
        "application/x-ms-installer",
        "application/javascript",
        "text/javascript",
    }
)
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",  # Linux
    b"\xcf\xfa\xed\xfe",  # Mach-O 64
    b"\xce\xfa\xed\xfe",  # Mach-O 32
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
)


@dataclass(frozen=True)
class Sent:
    message: Message | None  # None while the event waits for a retry
    created: bool  # False: a resend of a message we already had


def client_id_check(raw: object) -> str:
    if not isinstance(raw, str) or not 8 <= len(raw) <= CLIENT_ID_MAX:
        raise DomainError("Each message needs a client_id of 8-64 characters.", field="client_id")
    if not all(c.isalnum() or c in "-_" for c in raw):
        raise DomainError("A client_id has letters, digits, - and _ only.", field="client_id")
    return raw


def text_check(raw: object, *, required: bool = True) -> str:
    if not isinstance(raw, str):
        raise DomainError("Write a message.", field="text")
    text = raw.replace("\x00", "").strip()
    if required and not text:
        raise DomainError("Write a message.", field="text")
    if len(text) > MAX_TEXT:
        raise DomainError(
            f"Messages are at most {MAX_TEXT} characters; split it in two.", field="text"
        )
    return text


def email_check(raw: object) -> str:
    if raw in (None, ""):
        return ""
    try:
        return normalize_email(str(raw)[:300])
    except InvalidIdentity as exc:
        raise DomainError("That email address does not look right.", field="email") from exc


def upload_check(*, filename: str, content_type: str, content: bytes) -> str:
    """Refuse what could run on a computer: by extension, declared type and leading bytes."""
    name = PurePath(filename.replace("\\", "/")).name[:255] or "file"
    if not content:
        raise DomainError("The file is empty.", field="file")
    if len(content) > MAX_FILE_BYTES:
        raise DomainError("Files are at most 10 MB.", field="file")
    extensions = {part.lower() for part in name.split(".")[1:]}
    declared = content_type.split(";")[0].strip().lower()
    if (
        extensions & EXECUTABLE_EXTENSIONS
        or declared in EXECUTABLE_TYPES
        or content.startswith(_EXECUTABLE_MAGIC)
    ):
        raise DomainError(
            "Programs and scripts cannot be sent; send a picture, PDF or document.",
            field="file",
        )
    return name


def _store_and_process(
    *, channel: Channel, event_id: str, event: dict[str, Any]
) -> tuple[int, bool, str]:
    """``(event pk, created, state)``; a new event is processed right away."""
    body = json.dumps(event, separators=(",", ":")).encode()
    stored, created = event_receive(
        channel=channel,
        purpose="inbound",
        event_id=event_id,
        body=body,
        content_type="application/json",
        headers={},
    )
    state = str(stored.state)
    if created:
        try:
            state = event_process(event_id=stored.pk)
        except Exception:  # the sweeper will process it; the visitor's send is safe
            logger.exception("widget event %s left for the sweeper", stored.pk)
    return stored.pk, created, state


def widget_message_send(
    *,
    channel: Channel,
    visitor: Visitor,
    client_id: str,
    text: str,
    page_url: str = "",
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    mode: str = "live",
) -> Sent:
    """One visitor message; ``mode`` "async" when no agent was online (replies go by email
    too, ``channels_ingest/widget/email_copy.py``)."""
    external_id = f"{visitor.id}/{client_id}"
    event = {
        "type": "message",
        "id": external_id,
        "visitor": visitor.id,
        "user_id": visitor.user_id,
        "user_hash": visitor.user_hash,
        "name": visitor.name,
        "email": visitor.email,
        "text": text,
        "sent_at": timezone.now().isoformat(),
        "page_url": page_url[:500],
        "mode": mode,
        "search_keys": visitor.search_keys(),
        "attachments": [
            {
                "filename": name,
                "content_type": content_type,
                "data": base64.b64encode(content).decode(),
            }
            for name, content_type, content in attachments
        ],
    }
    _, created, state = _store_and_process(channel=channel, event_id=external_id, event=event)
    message = (
        Message.objects.filter(channel_id=channel.pk, external_id=external_id)
        .select_related("ticket")
        .prefetch_related("attachments")
        .first()
    )
    if message is None and state == EventState.FAILED:
        raise DomainError("This message could not be accepted.", field="text")
    return Sent(message=message, created=created)


def widget_read_record(*, channel: Channel, visitor: Visitor, up_to: int) -> int:
    """The visitor saw agent replies up to ``up_to``: they become ``read``."""
    external_ids = unread_replies(visitor, up_to=up_to)
    if not external_ids:
        return 0
    event = {
        "type": "read",
        "external_ids": external_ids,
        "sent_at": timezone.now().isoformat(),
    }
    _store_and_process(channel=channel, event_id=f"read/{visitor.id}/{up_to}", event=event)
    return len(external_ids)
