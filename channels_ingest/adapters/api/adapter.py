"""The generic ``api`` channel: any system posts normalized JSON messages, signed with HMAC."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import requests

from channels_ingest.adapters.base import (
    Adapter,
    ChannelContext,
    DeliveryError,
    Normalized,
    NormalizeError,
    OutboundMessage,
    SendResult,
    WebhookRejected,
    WebhookRequest,
    json_body,
)
from inbox.inbound import InboundMessage, SenderIdentity, StatusUpdate

SIGNATURE_HEADER = "x-helpdesk-signature"
STATUSES = {"sent", "delivered", "read", "failed"}


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class ApiAdapter(Adapter):
    provider = "api"
    verify_on_loop = True  # an HMAC or a token over a small body
    kinds = frozenset({"api"})
    secret_fields = frozenset({"secret"})
    required_fields = {"api": frozenset({"secret"})}

    def config_errors(self, kind: str, config: Mapping[str, Any]) -> dict[str, str]:
        secret = config.get("secret")
        if not isinstance(secret, str) or len(secret) < 16:
            return {"secret": "Use a shared secret of at least 16 characters."}
        return {}

    def verify(self, channel: ChannelContext, request: WebhookRequest) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "")
        expected = sign(str(channel.config["secret"]), request.body)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected.signature()

    def event_id(self, channel: ChannelContext, request: WebhookRequest) -> str:
        payload = json_body(request.body)
        if not isinstance(payload, dict) or not isinstance(payload.get("id"), str | int):
            raise WebhookRejected.malformed("Each event needs an 'id'.")
        return str(payload["id"])[:255]

    def normalize(
        self, channel: ChannelContext, purpose: str, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[Normalized]:
        payload = json.loads(body)
        if payload.get("type", "message") == "status":
            status = payload.get("status")
            if status not in STATUSES:
                raise NormalizeError(f"Unknown status {status!r}.")
            return [StatusUpdate(channel.id, str(payload["message_id"]), status)]
        sender = payload.get("from")
        text = payload.get("text")
        if not isinstance(sender, dict) or not isinstance(text, str):
            raise NormalizeError("A message needs 'from' {kind, value} and 'text'.")
        sent_at = payload.get("sent_at")
        return [
            InboundMessage(
                channel_id=channel.id,
                channel_kind=channel.kind,
                external_id=str(payload["id"])[:255],
                sender=SenderIdentity(
                    kind=str(sender.get("kind", "")),
                    value=str(sender.get("value", "")),
                    verified=bool(sender.get("verified", False)),
                    display_name=str(sender.get("name", ""))[:200],
                ),
                body_text=text,
                subject=str(payload.get("subject", ""))[:300],
                sent_at=datetime.fromisoformat(sent_at) if isinstance(sent_at, str) else None,
                conversation_key=str(payload.get("conversation", ""))[:255],
            )
        ]

    def sign_fixture(self, channel: ChannelContext, url: str, body: bytes) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-Helpdesk-Signature": sign(str(channel.config["secret"]), body),
        }

    def send(self, channel: ChannelContext, message: OutboundMessage) -> SendResult:
        base = str(channel.config.get("api_base_url", "")).rstrip("/")
        if not base:
            raise DeliveryError("This channel has no api_base_url to deliver to.", retryable=False)
        body = json.dumps(
            {"id": f"hd-{message.message_id}", "to": message.to, "text": message.body_text}
        ).encode()
        secret = str(channel.config["secret"])
        try:
            response = requests.post(
                f"{base}/messages",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Helpdesk-Signature": sign(secret, body),
                },
                timeout=10,
            )
        except requests.RequestException as exc:
            raise DeliveryError(f"Remote unreachable: {exc}", retryable=True) from exc
        if response.status_code >= 400:
            raise DeliveryError(
                f"Remote answered {response.status_code}.", retryable=response.status_code >= 500
            )
        reply = response.json() if response.content else {}
        return SendResult(external_id=str(reply.get("id", f"hd-{message.message_id}")))
