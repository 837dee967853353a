"""Meta: WhatsApp Cloud API, Messenger and Instagram messaging on one Graph API contract."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpResponse, JsonResponse

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
from channels_ingest.adapters.media import Draft, draft_resolve
from channels_ingest.adapters.meta import messaging, whatsapp
from channels_ingest.adapters.meta.graph import graph_post, media_fetch
from channels_ingest.adapters.text_parts import chunks

SIGNATURE_HEADER = "x-hub-signature-256"
SECRETS = frozenset({"app_secret", "verify_token", "access_token"})
ID_FIELD = {"whatsapp": "phone_number_id", "messenger": "page_id", "instagram": "instagram_id"}
OBJECTS = {"whatsapp": "whatsapp_business_account", "messenger": "page", "instagram": "instagram"}
TEXT_LIMIT = {"whatsapp": 4096, "messenger": 2000, "instagram": 1000}
_NUMERIC_ID = re.compile(r"[0-9]{1,32}")


def sign(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _refusal(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


class MetaAdapter(Adapter):
    provider = "meta"
    verify_on_loop = True  # an HMAC or a token over a small body
    kinds = frozenset(ID_FIELD)
    secret_fields = SECRETS
    required_fields = {kind: SECRETS | {field} for kind, field in ID_FIELD.items()}

    def config_errors(self, kind: str, config: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        for name in sorted(SECRETS):
            if not isinstance(config.get(name), str) or not config[name].strip():
                errors[name] = f"{name} must be a non-empty string."
        for name in (ID_FIELD[kind], "page_id"):
            value = config.get(name)
            if value is not None and not _NUMERIC_ID.fullmatch(str(value)):
                errors[name] = f"{name} must be Meta's numeric id."
        base = config.get("api_base_url")
        if base is not None and (
            not isinstance(base, str) or urlsplit(base).scheme not in ("https", "http")
        ):
            errors["api_base_url"] = "api_base_url must be an http(s) URL."
        return errors

    def reply_window(self, kind: str) -> timedelta | None:
        # Meta's standard messaging window: free text only within 24 hours of the customer's
        # last message (WhatsApp, Messenger and Instagram alike).
        return timedelta(hours=24)

    def handshake(self, channel: ChannelContext, request: WebhookRequest) -> HttpResponse | None:
        """Meta's subscription check: echo ``hub.challenge`` when ``hub.verify_token`` matches."""
        if "hub.mode" not in request.query:
            return None
        given = request.query.get("hub.verify_token", "").encode()
        expected = str(channel.config["verify_token"]).encode()
        if request.query["hub.mode"] != "subscribe" or not hmac.compare_digest(given, expected):
            return _refusal(403, "bad_verify_token", "The verify token does not match.")
        challenge = request.query.get("hub.challenge", "")
        if not challenge or len(challenge) > 256 or not challenge.isprintable():
            return _refusal(400, "malformed_payload", "hub.challenge is missing or malformed.")
        return HttpResponse(challenge, content_type="text/plain; charset=utf-8")

    def verify(self, channel: ChannelContext, request: WebhookRequest) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "")
        expected = sign(str(channel.config["app_secret"]), request.body)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected.signature()

    def event_id(self, channel: ChannelContext, request: WebhookRequest) -> str:
        # A batch has no id of its own: the body's hash is it, and every message is deduped
        # again by its own id when ingested.
        payload = json_body(request.body)
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("object"), str)
            or not isinstance(payload.get("entry"), list)
        ):
            raise WebhookRejected.malformed("A Meta webhook needs 'object' and an 'entry' list.")
        return "sha256:" + hashlib.sha256(request.body).hexdigest()

    def normalize(
        self, channel: ChannelContext, purpose: str, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[Normalized]:
        payload = json.loads(body)
        if payload.get("object") != OBJECTS[channel.kind]:
            return []  # another product of the same Meta app: not this channel's traffic
        parsed = (whatsapp if channel.kind == "whatsapp" else messaging).parse(channel, payload)
        return [
            draft_resolve(item, lambda ref: media_fetch(channel, ref))
            if isinstance(item, Draft)
            else item
            for item in parsed
        ]

    def send(self, channel: ChannelContext, message: OutboundMessage) -> SendResult:
        needed = (
            ("access_token", "phone_number_id") if channel.kind == "whatsapp" else ("access_token",)
        )
        missing = [key for key in needed if not channel.config.get(key)]
        if missing:
            raise DeliveryError(
                f"The channel is not set up to send: missing {', '.join(missing)}.",
                retryable=False,
            )
        parts = chunks(message.body_text, TEXT_LIMIT[channel.kind])
        ids: list[str] = []
        for part in parts:
            try:
                ids.append(self._send_one(channel, message.to, part))
            except DeliveryError as exc:
                if not ids:
                    raise
                raise DeliveryError(
                    f"Sent {len(ids)} of {len(parts)} parts, then: {exc}", retryable=False
                ) from exc
        return SendResult(external_id=ids[0])

    def _send_one(self, channel: ChannelContext, to: str, text: str) -> str:
        if channel.kind == "whatsapp":
            number = to.removeprefix("whatsapp:").lstrip("+")
            # A phone number goes in "to"; a business-scoped user id (BSUID) in "recipient".
            address = {"to": number} if number.isdigit() else {"recipient": to}
            answer = graph_post(
                channel,
                f"{channel.config['phone_number_id']}/messages",
                {
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    **address,
                    "type": "text",
                    "text": {"body": text, "preview_url": False},
                },
            )
            sent = answer.get("messages")
            first = sent[0] if isinstance(sent, list) and sent else None
            external_id = first.get("id") if isinstance(first, dict) else None
        else:
            answer = graph_post(
                channel,
                f"{channel.config.get('page_id') or 'me'}/messages",
                {
                    "recipient": {"id": to},
                    "messaging_type": "RESPONSE",
                    "message": {"text": text},
                },
            )
            external_id = answer.get("message_id")
        if not isinstance(external_id, str) or not external_id:
            raise DeliveryError("Meta accepted the message but returned no id.", retryable=False)
        return external_id

    def sign_fixture(self, channel: ChannelContext, url: str, body: bytes) -> dict[str, str]:
        """Headers that make ``body`` an authentic delivery to ``url`` (fixture replays)."""
        return {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(str(channel.config["app_secret"]), body),
        }
