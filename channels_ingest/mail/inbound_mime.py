"""A received email (parsed MIME) as a channel-free ``InboundMessage``.

Every ESP adapter and the IMAP poller end here, so all inbound email gets the same treatment:
sender, subject and threading headers, the reply token of our reply address, the new text
(quotes and signature removed), sanitized HTML, decoded charsets, attachments and inline
images (each capped), and a note on automatic mail. Nothing here raises on a broken message:
the worst input becomes a plain message saying what could not be read.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from anymail.inbound import AnymailInboundMessage
from django.utils import timezone

from channels_ingest.mail.message_ids import message_id, thread_parents
from channels_ingest.mail.reply_text import extract_reply, extract_reply_html, html_to_text
from channels_ingest.mail.sanitize import html_sanitize
from inbox.inbound import InboundAttachment, InboundMessage, SenderIdentity

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 40
_TOKEN = re.compile(r"^[0-9a-f]{16}$")
_RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc", "Envelope-To")


@dataclass(frozen=True)
class Envelope:
    """What the ESP knew beyond the MIME message."""

    event_id: str = ""
    recipient: str = ""
    sender: str = ""
    received_at: datetime | None = None
    spam: bool | None = None


def mime_parse(raw: bytes) -> MimeMessage:
    """Parse raw MIME bytes; the standard parser records defects instead of raising."""
    parsed: MimeMessage = BytesParser(AnymailInboundMessage, policy=policy.default).parsebytes(raw)
    return parsed


def _header(message: MimeMessage, name: str) -> str:
    """A header as text; a malformed one falls back to its raw, undecoded value."""
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse
        value = None
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return ""
    return _clean(str(value))


def _clean(value: str) -> str:
    """One line of text; raw 8-bit bytes (kept by the parser as surrogates) read as UTF-8."""
    if any("\udc80" <= char <= "\udcff" for char in value):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return re.sub(r"\s+", " ", value).strip()


def _all_headers(message: MimeMessage, name: str) -> list[str]:
    return [_clean(str(raw)) for key, raw in message.raw_items() if key.lower() == name.lower()]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses(values)
    except Exception:
        return []
    return [(_words(name).strip(), addr.strip().lower()) for name, addr in pairs if "@" in addr]


def _words(value: str) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?q?...?=``); undecodable ones stay as they are."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError, UnicodeError):
        return value


def _decode(payload: bytes, charset: str | None) -> str:
    """Bytes to text: the declared charset if Python knows it, else UTF-8; never raises."""
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            codecs.lookup(candidate)
        except LookupError:
            continue
        return payload.decode(candidate, errors="replace")
    return payload.decode("utf-8", errors="replace")


def _part_text(part: MimeMessage) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    text = _decode(payload, part.get_content_charset())
    return re.sub(r"\r\n|\r", "\n", text)


def _leaves(message: MimeMessage, root: bool = True) -> Iterator[MimeMessage]:
    """Body and attachment parts in order; an attached email is one part, not its insides."""
    if not root and message.get_content_maintype() == "message":
        yield message
        return
    payload = message.get_payload()
    if message.is_multipart() and isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, MimeMessage):
                yield from _leaves(sub, root=False)
    elif not message.is_multipart():
        yield message


def _is_attachment(part: MimeMessage) -> bool:
    if part.get_content_maintype() == "message":
        return True
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return True
    if part.get_content_maintype() in ("text",) and not part.get_filename():
        return False
    return bool(part.get_filename()) or disposition == "inline" or bool(part.get("Content-ID"))


def _bodies(message: MimeMessage) -> tuple[str, str]:
    text = html = ""
    for part in _leaves(message):
        if _is_attachment(part):
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and not text:
            text = _part_text(part)
        elif kind == "text/html" and not html:
            html = _part_text(part)
    if not text and not html and not message.is_multipart():
        text = _part_text(message)  # a bare body with an odd content type
    return text, html


def _attachments(message: MimeMessage) -> tuple[tuple[InboundAttachment, ...], list[str]]:
    kept: list[InboundAttachment] = []
    notes: list[str] = []
    for part in _leaves(message):
        if part is message or not _is_attachment(part):
            continue
        is_email = part.get_content_maintype() == "message"
        filename = (part.get_filename() or "").strip()[:255]
        filename = filename or ("message.eml" if is_email else "attachment")
        try:
            if is_email:
                inner = part.get_payload()
                attached = inner[0] if isinstance(inner, list) else inner
                content = attached.as_bytes() if isinstance(attached, MimeMessage) else b""
            else:
                decoded = part.get_payload(decode=True)
                content = decoded if isinstance(decoded, bytes) else b""
        except Exception:
            notes.append(f"The attachment {filename} could not be decoded and was left out.")
            continue
        if len(content) > MAX_ATTACHMENT_BYTES:
            size_mb = len(content) / (1024 * 1024)
            notes.append(
                f"The attachment {filename} ({size_mb:.1f} MB) is over the 10 MB limit and "
                "was left out."
            )
            continue
        if len(kept) >= MAX_ATTACHMENTS:
            notes.append(f"The attachment {filename} is past the limit of {MAX_ATTACHMENTS}.")
            continue
        content_id = _header(part, "Content-ID").strip("<> ")[:255]
        kept.append(
            InboundAttachment(
                filename=filename,
                content_type=part.get_content_type()[:127],
                content=content,
                content_id=content_id,
                inline=(part.get_content_disposition() or "").lower() == "inline"
                or (bool(content_id) and part.get_content_disposition() is None),
            )
        )
    return tuple(kept), notes


def automatic_kind(message: MimeMessage, sender: str) -> str:
    """Why a message was sent by a machine ("bounce", "auto-reply", "bulk"), or ""."""
    local = sender.partition("@")[0]
    content_type = message.get_content_type()
    if local in ("mailer-daemon", "postmaster") or content_type == "multipart/report":
        return "bounce"
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return "auto-reply"
    if any(_header(message, name) for name in ("X-Autoreply", "X-Autorespond")):
        return "auto-reply"
    if _header(message, "X-Auto-Response-Suppress").lower() in ("all", "oof"):
        return "auto-reply"
    if _header(message, "Precedence").lower() in ("bulk", "junk", "auto_reply", "list"):
        return "bulk"
    return ""


def _bounced_message_id(message: MimeMessage) -> str:
    """The Message-ID of the returned original inside a delivery report, if any."""
    for part in _leaves(message):
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/rfc822-headers"):
            inner = part.get_payload()
            original = inner[0] if isinstance(inner, list) else inner
            if isinstance(original, MimeMessage):
                return message_id(_header(original, "Message-ID"))
        elif kind == "text/rfc822-headers":
            headers = BytesParser(policy=policy.compat32).parsebytes(
                _part_text(part).encode("utf-8", "replace"), headersonly=True
            )
            return message_id(str(headers.get("Message-ID", "")))
    return ""


def reply_token(message: MimeMessage, address: str, envelope_recipient: str = "") -> str:
    """The ticket token of our reply address (``local+token@domain``) among the recipients."""
    local, _, domain = address.strip().lower().partition("@")
    candidates = _addresses(
        [
            envelope_recipient,
            *(v for name in _RECIPIENT_HEADERS for v in _all_headers(message, name)),
        ]
    )
    for _name, addr in candidates:
        addr_local, _, addr_domain = addr.partition("@")
        base, plus, tag = addr_local.partition("+")
        if not plus or not _TOKEN.match(tag):
            continue
        if local and (base != local or addr_domain != domain):
            continue
        return tag
    return ""


def _sent_at(message: MimeMessage, envelope: Envelope) -> datetime | None:
    """When it arrived: the ESP's timestamp, else a plausible Date header (the sender writes
    that one, so a date far off would skew ticket clocks and is ignored)."""
    if envelope.received_at is not None:
        return envelope.received_at
    value = _header(message, "Date")
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    now = timezone.now()
    return parsed if now - timedelta(days=1) <= parsed <= now + timedelta(minutes=5) else None


def _fallback_id(message: MimeMessage, raw: bytes | None) -> str:
    digest = hashlib.sha256(raw if raw is not None else message.as_bytes(policy=policy.compat32))
    return "sha256:" + digest.hexdigest()


def message_normalize(
    *,
    channel_id: int,
    address: str,
    message: MimeMessage,
    envelope: Envelope = Envelope(),
    raw: bytes | None = None,
) -> InboundMessage | None:
    """The message as an ``InboundMessage``; None when it has no usable sender at all."""
    senders = _addresses(_all_headers(message, "From")) or _addresses(
        [_header(message, "Sender"), envelope.sender]
    )
    if not senders:
        return None
    display_name, sender = senders[0]
    own_id = message_id(_header(message, "Message-ID"))
    in_reply_to, references = thread_parents(
        own_id, _header(message, "In-Reply-To"), _header(message, "References")
    )
    text, html = _bodies(message)
    body_text = extract_reply(text) if text.strip() else extract_reply_html(html)
    if not body_text.strip():
        body_text = (text or html_to_text(html)).strip()
    attachments, notes = _attachments(message)
    defects = [d for part in message.walk() for d in getattr(part, "defects", [])]
    metadata: dict[str, Any] = {}
    if notes:
        metadata["notes"] = notes
        body_text = "\n\n".join([body_text, *(f"[{note}]" for note in notes)]).strip()
    if defects and not (text or html):
        metadata["notes"] = [*notes, "The message's MIME structure is broken."]
        body_text = body_text or "[This email could not be read: its MIME structure is broken.]"
    automatic = automatic_kind(message, sender)
    if automatic:
        metadata["automatic"] = automatic
    if automatic == "bounce" and not (in_reply_to or references):
        bounced = _bounced_message_id(message)  # thread the bounce onto the mail it returns
        in_reply_to, references = bounced, ((bounced,) if bounced else ())
    if envelope.spam:
        metadata["spam"] = True
    return InboundMessage(
        channel_id=channel_id,
        channel_kind="email",
        external_id=(own_id or envelope.event_id or _fallback_id(message, raw))[:255],
        sender=SenderIdentity(kind="email", value=sender, display_name=display_name[:200]),
        body_text=body_text,
        body_html=html_sanitize(html),
        subject=_header(message, "Subject")[:300],
        sent_at=_sent_at(message, envelope),
        attachments=attachments,
        message_id=own_id[:998],
        in_reply_to=in_reply_to[:998],
        references=references[-50:],
        reply_token=reply_token(message, address, envelope.recipient),
        metadata=metadata,
    )


def address_of(config: Mapping[str, Any]) -> str:
    value = str(config.get("address", ""))
    try:
        return Address(addr_spec=value).addr_spec.lower() if value else ""
    except Exception:
        return value.lower()
