"""Telegram Bot API: updates posted to our webhook with the secret-token header; replies by
sendMessage."""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from channels_ingest.adapters.base import (
    Adapter,
    ChannelContext,
    DeliveryError,
    Normalized,
    OutboundMessage,
    SendResult,
    WebhookRejected,
    WebhookRequest,
    json_body,
)
from channels_ingest.adapters.media import Draft, MediaRef, draft_resolve
from channels_ingest.adapters.telegram.botapi import file_fetch, send_message
from channels_ingest.adapters.text_parts import chunks
from inbox.inbound import InboundMessage, SenderIdentity

SECRET_HEADER = "x-telegram-bot-api-secret-token"
TEXT_LIMIT = 4096
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{20,}")
# (update field, media kind) for files a customer sends; photo sizes are handled apart.
FILE_FIELDS = (
    ("document", "document"),
    ("voice", "audio"),
    ("audio", "audio"),
    ("video", "video"),
    ("video_note", "video"),
    ("animation", "video"),
    ("sticker", "sticker"),
)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _at(seconds: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(seconds), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _name(user: Mapping[str, Any]) -> str:
    full = " ".join(p for p in (_str(user.get("first_name")), _str(user.get("last_name"))) if p)
    return (full or _str(user.get("username")))[:200]


def _files(message: Mapping[str, Any]) -> tuple[list[MediaRef], list[str]]:
    refs: list[MediaRef] = []
    labels: list[str] = []
    sizes = message.get("photo")
    photos = [
        p
        for p in (sizes if isinstance(sizes, list) else [])
        if isinstance(p, dict) and p.get("file_id")
    ]
    if photos:  # several sizes of one photo: keep the largest
        best = max(photos, key=lambda p: _int(p.get("width")) * _int(p.get("height")))
        refs.append(MediaRef("image", str(best["file_id"]), "image/jpeg"))
        labels.append("[image]")
    for field, kind in FILE_FIELDS:
        item = _dict(message.get(field))
        if item.get("file_id"):
            filename = _str(item.get("file_name"))
            refs.append(MediaRef(kind, str(item["file_id"]), _str(item.get("mime_type")), filename))
            label = "voice message" if field == "voice" else field.replace("_", " ")
            labels.append(f"[{label}: {filename}]" if filename else f"[{label}]")
    return refs, labels


def _text(message: Mapping[str, Any], labels: list[str]) -> str:
    text = _str(message.get("text")) or _str(message.get("caption"))
    if text:
        return text
    location = _dict(message.get("location"))
    if location:
        return f"[location] ({location.get('latitude')}, {location.get('longitude')})"
    contact = _dict(message.get("contact"))
    if contact:
        return f"[contact] {_name(contact)} {_str(contact.get('phone_number'))}".strip()
    return " ".join(labels)


class TelegramAdapter(Adapter):
    provider = "telegram"
    verify_on_loop = True  # an HMAC or a token over a small body
    kinds = frozenset({"telegram"})
    secret_fields = frozenset({"bot_token", "secret_token"})
    required_fields = {"telegram": frozenset({"bot_token", "secret_token"})}

    def config_errors(self, kind: str, config: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not _BOT_TOKEN.fullmatch(str(config.get("bot_token", ""))):
            errors["bot_token"] = "bot_token must look like '123456:ABC-...' (from @BotFather)."
        if not _SECRET_TOKEN.fullmatch(str(config.get("secret_token", ""))):
            errors["secret_token"] = "secret_token must be 1-256 characters of A-Z, a-z, 0-9, _ -."
        base = config.get("api_base_url")
        if base is not None and (
            not isinstance(base, str) or urlsplit(base).scheme not in ("https", "http")
        ):
            errors["api_base_url"] = "api_base_url must be an http(s) URL."
        return errors

    def verify(self, channel: ChannelContext, request: WebhookRequest) -> None:
        given = request.headers.get(SECRET_HEADER, "").encode()
        expected = str(channel.config["secret_token"]).encode()
        if not hmac.compare_digest(given, expected):
            raise WebhookRejected.signature()

    def event_id(self, channel: ChannelContext, request: WebhookRequest) -> str:
        update = json_body(request.body)
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise WebhookRejected.malformed("A Telegram update needs an integer 'update_id'.")
        return str(update_id)

    def normalize(
        self, channel: ChannelContext, purpose: str, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[Normalized]:
        update = json.loads(body)
        edited = "edited_message" in update
        message = _dict(update.get("edited_message" if edited else "message"))
        chat = _dict(message.get("chat"))
        user = _dict(message.get("from"))
        # Channel posts, groups and bots are not customers writing to us: README "Decisions".
        if not message or chat.get("type") != "private" or not user or user.get("is_bot"):
            return []
        chat_id = str(chat.get("id", ""))
        message_id = str(message.get("message_id", ""))
        if not chat_id or not message_id:
            return []
        refs, labels = _files(message)
        text = _text(message, labels)
        metadata: dict[str, Any] = {}
        external_id = f"{chat_id}:{message_id}"
        reply = _dict(message.get("reply_to_message")).get("message_id")
        reply_to = f"{chat_id}:{reply}" if reply else ""
        if edited:  # a new message that points at the original; each edit stored once
            metadata["edit_of"] = external_id
            reply_to = external_id
            external_id = f"{external_id}:edit:{message.get('edit_date', update['update_id'])}"
            text = f"[edited] {text}".strip()
        if reply_to:
            metadata["reply_to"] = reply_to
        if not text:
            text = "[unsupported Telegram message]"
            metadata["unsupported"] = True
        inbound = InboundMessage(
            channel_id=channel.id,
            channel_kind=channel.kind,
            external_id=external_id[:255],
            sender=SenderIdentity(
                kind="telegram",
                value=str(user.get("id", "")),
                verified=True,
                display_name=_name(user),
            ),
            body_text=text,
            sent_at=_at(message.get("edit_date") if edited else message.get("date")),
            reply_to_external_id=reply_to[:255],
            language=_str(user.get("language_code"))[:2],
            metadata=metadata,
        )
        if not refs:
            return [inbound]
        return [draft_resolve(Draft(inbound, tuple(refs)), lambda ref: file_fetch(channel, ref))]

    def send(self, channel: ChannelContext, message: OutboundMessage) -> SendResult:
        if not channel.config.get("bot_token"):
            raise DeliveryError(
                "The channel is not set up to send: missing bot_token.", retryable=False
            )
        ids: list[str] = []
        parts = chunks(message.body_text, TEXT_LIMIT)
        for part in parts:
            try:
                result = send_message(channel, message.to, part)
            except DeliveryError as exc:
                if not ids:
                    raise
                raise DeliveryError(
                    f"Sent {len(ids)} of {len(parts)} parts, then: {exc}", retryable=False
                ) from exc
            chat_id = _dict(result.get("chat")).get("id", message.to)
            if not isinstance(result.get("message_id"), int):
                raise DeliveryError(
                    "Telegram sent the message but returned no id.", retryable=False
                )
            ids.append(f"{chat_id}:{result['message_id']}")
        return SendResult(external_id=ids[0])

    def sign_fixture(self, channel: ChannelContext, url: str, body: bytes) -> dict[str, str]:
        """Headers that make ``body`` an authentic delivery to ``url`` (fixture replays)."""
        return {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": str(channel.config["secret_token"]),
        }
