"""Twilio form posts to channel-free messages, delivery reports and call updates."""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from channels_ingest.adapters.base import (
    ChannelContext,
    Normalized,
    NormalizeError,
    WebhookRejected,
)
from channels_ingest.adapters.twilio.media import MediaRefused, media_fetch
from channels_ingest.adapters.twilio.signature import FormParams, form_params
from customers.identity_values import is_anonymous_caller
from inbox.inbound import (
    CallDetail,
    CallUpdate,
    InboundAttachment,
    InboundMessage,
    SenderIdentity,
    StatusUpdate,
)

WHATSAPP_PREFIX = "whatsapp:"
MAX_MEDIA_ITEMS = 10

# Twilio's MessageStatus values to ours; None: not about an outbound message's delivery.
MESSAGE_STATUSES: dict[str, str | None] = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
    "receiving": None,
    "received": None,
}

# The error codes agents meet most, so a failed reply explains itself.
ERROR_CODES = {
    "21211": "invalid 'To' number",
    "21610": "the recipient replied STOP",
    "30003": "unreachable destination handset",
    "30004": "message blocked",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
    "30007": "filtered by the carrier",
    "30008": "unknown error",
    "63016": "outside the WhatsApp 24-hour window; use a template",
}


def error_text(code: str) -> str:
    if code in ERROR_CODES:
        return f"Twilio error {code}: {ERROR_CODES[code]}"
    return f"Twilio error {code}" if code else ""


def _params(body: bytes) -> FormParams:
    try:
        return form_params(body)
    except WebhookRejected as exc:
        raise NormalizeError(exc.message) from exc


def normalize(channel: ChannelContext, purpose: str, body: bytes) -> Sequence[Normalized]:
    params = _params(body)
    if purpose == "inbound":
        return [_message(channel, params)]
    if purpose == "status":
        return _status(channel, params)
    if purpose == "voice":
        return [_call(channel, params)]
    if purpose == "recording":
        return _recording(channel, params)
    if purpose == "transcription":
        return _transcription(channel, params)
    raise NormalizeError(f"Unknown purpose {purpose!r}.")


def _required(params: FormParams, *names: str) -> str:
    for name in names:
        value = params.first(name)
        if value:
            return value
    raise NormalizeError(f"The request has no {names[0]}.")


def _sender(raw: str, display_name: str) -> SenderIdentity:
    if raw.lower().startswith(WHATSAPP_PREFIX):
        return SenderIdentity("whatsapp", raw[len(WHATSAPP_PREFIX) :], False, display_name[:200])
    return SenderIdentity("phone", raw, False, display_name[:200])


def _message(channel: ChannelContext, params: FormParams) -> InboundMessage:
    sid = _required(params, "MessageSid", "SmsSid")
    sender = _sender(_required(params, "From"), params.first("ProfileName"))
    metadata: dict[str, Any] = {}
    attachments, skipped = _attachments(channel.config, params)
    if skipped:
        metadata["media_skipped"] = skipped
    text = params.first("Body") or params.first("ButtonText")
    if params.first("ButtonPayload"):
        metadata["button_payload"] = params.first("ButtonPayload")[:255]
    if params.first("Latitude") and params.first("Longitude"):
        place = params.first("Address") or params.first("Label")
        location = f"Location: {params.first('Latitude')}, {params.first('Longitude')}"
        text = text or (f"{location} ({place})" if place else location)
    return InboundMessage(
        channel_id=channel.id,
        channel_kind=channel.kind,
        external_id=sid[:255],
        sender=sender,
        body_text=text,
        attachments=tuple(attachments),
        reply_to_external_id=params.first("OriginalRepliedMessageSid")[:255],
        metadata=metadata,
    )


def _attachments(
    config: Mapping[str, Any], params: FormParams
) -> tuple[list[InboundAttachment], list[dict[str, str]]]:
    count = params.first("NumMedia", "0")
    if not count.isdigit():
        raise NormalizeError("NumMedia is not a number.")
    found: list[InboundAttachment] = []
    skipped: list[dict[str, str]] = []
    for index in range(min(int(count), MAX_MEDIA_ITEMS)):
        url = params.first(f"MediaUrl{index}")
        if not url:
            continue
        content_type = params.first(f"MediaContentType{index}", "application/octet-stream")
        try:
            content = media_fetch(url=url, config=config)
        except MediaRefused as refused:
            skipped.append({"url": url[:500], "reason": str(refused)})
            continue
        stem = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or f"media{index}"
        extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
        found.append(
            InboundAttachment(
                filename=f"{stem[:200]}{extension}",
                content_type=content_type[:127],
                content=content,
                url=url,
            )
        )
    return found, skipped


def _status(channel: ChannelContext, params: FormParams) -> list[Normalized]:
    if params.first("MessageSid") or params.first("SmsSid"):
        sid = _required(params, "MessageSid", "SmsSid")
        raw = _required(params, "MessageStatus", "SmsStatus").lower()
        if raw not in MESSAGE_STATUSES:
            raise NormalizeError(f"Unknown message status {raw!r}.")
        status = MESSAGE_STATUSES[raw]
        if status is None:
            return []
        error = error_text(params.first("ErrorCode")) if status == "failed" else ""
        return [StatusUpdate(channel.id, sid[:255], status, error=error)]
    sid = _required(params, "CallSid")
    duration = params.first("CallDuration")
    if params.first("CallStatus") != "completed" or not duration.isdigit():
        return []
    return [CallUpdate(channel.id, sid[:255], duration_seconds=int(duration))]


def _call(channel: ChannelContext, params: FormParams) -> InboundMessage:
    sid = _required(params, "CallSid")
    raw_from = params.first("From") or params.first("Caller")
    direction = "outbound" if params.first("Direction").startswith("outbound") else "inbound"
    withheld = is_anonymous_caller(raw_from)
    caller = "a withheld number" if withheld else raw_from
    return InboundMessage(
        channel_id=channel.id,
        channel_kind=channel.kind,
        external_id=sid[:255],
        sender=SenderIdentity(
            "phone", "" if withheld else raw_from, False, "Unknown caller" if withheld else ""
        ),
        body_text=f"Phone call from {caller}.",
        call=CallDetail(
            direction=direction,
            from_number=raw_from[:32],
            to_number=params.first("To")[:32],
        ),
    )


def _recording(channel: ChannelContext, params: FormParams) -> list[Normalized]:
    sid = _required(params, "CallSid")
    url = params.first("RecordingUrl")
    return [CallUpdate(channel.id, sid[:255], recording_url=url[:500])] if url else []


def _transcription(channel: ChannelContext, params: FormParams) -> list[Normalized]:
    sid = _required(params, "CallSid")
    if params.first("TranscriptionStatus") != "completed":
        return []
    return [CallUpdate(channel.id, sid[:255], transcript=params.first("TranscriptionText"))]
