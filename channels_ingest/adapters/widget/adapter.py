"""The embeddable chat widget (``chat`` channels, provider ``widget``).

Widget events do not come from a provider's webhook: the widget endpoints
(``channels_ingest/widget/``) check the origin, the visitor token and the limits, and store
each visitor action as an ``InboundEvent`` like any webhook delivery. ``normalize`` turns the
stored JSON into channel-free messages; ``send`` pushes an agent's reply to the visitor's
WebSocket group.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

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
)
from channels_ingest.adapters.widget.groups import visitor_group
from customers.identity_values import verify_widget_user
from inbox.inbound import InboundAttachment, InboundMessage, SenderIdentity, StatusUpdate

PRE_CHAT_FIELDS = ("name", "email")
MAX_ORIGINS = 50


def origin_normalize(raw: object) -> str | None:
    """``scheme://host[:port]`` lower-cased, or None when ``raw`` is not an http(s) origin."""
    if not isinstance(raw, str) or len(raw) > 300:
        return None
    parts = urlsplit(raw.strip().rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def allowed_origins(config: Mapping[str, Any]) -> frozenset[str]:
    found = (origin_normalize(o) for o in config.get("allowed_origins") or ())
    return frozenset(o for o in found if o)


class WidgetAdapter(Adapter):
    provider = "widget"
    kinds = frozenset({"chat"})
    secret_fields = frozenset({"identity_secret"})
    required_fields = {"chat": frozenset({"allowed_origins"})}

    def config_errors(self, kind: str, config: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        origins = config.get("allowed_origins")
        if not isinstance(origins, list) or not origins or len(origins) > MAX_ORIGINS:
            errors["allowed_origins"] = (
                f"List 1 to {MAX_ORIGINS} origins such as https://www.example.com."
            )
        else:
            bad = [str(o)[:80] for o in origins if origin_normalize(o) is None]
            if bad:
                errors["allowed_origins"] = (
                    f"Not an origin (scheme://host[:port], no path): {bad[0]!r}."
                )
        secret = config.get("identity_secret")
        if secret is not None and (not isinstance(secret, str) or len(secret) < 16):
            errors["identity_secret"] = "Use an identity secret of at least 16 characters."
        color = config.get("brand_color")
        if color is not None and not (
            isinstance(color, str)
            and len(color) == 7
            and color[0] == "#"
            and all(c in "0123456789abcdefABCDEF" for c in color[1:])
        ):
            errors["brand_color"] = "Use a colour such as #2f6fed."
        greeting = config.get("greeting")
        if greeting is not None and (not isinstance(greeting, str) or len(greeting) > 500):
            errors["greeting"] = "A greeting is text of at most 500 characters."
        fields = config.get("pre_chat_fields")
        if fields is not None and (
            not isinstance(fields, list) or any(f not in PRE_CHAT_FIELDS for f in fields)
        ):
            errors["pre_chat_fields"] = "Pre-chat fields are a list of: name, email."
        return errors

    def verify(self, channel: ChannelContext, request: WebhookRequest) -> None:
        raise WebhookRejected(
            403, "use_widget_endpoints", "Widget messages arrive through the widget endpoints."
        )

    def normalize(
        self, channel: ChannelContext, purpose: str, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[Normalized]:
        try:
            event = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise NormalizeError("The stored widget event is not JSON.") from exc
        if not isinstance(event, dict):
            raise NormalizeError("The stored widget event is not an object.")
        if event.get("type") == "read":
            return [
                StatusUpdate(channel.id, str(external_id), "read", at=_when(event))
                for external_id in event.get("external_ids") or ()
            ]
        if event.get("type") != "message":
            raise NormalizeError(f"Unknown widget event type {event.get('type')!r}.")
        visitor = str(event.get("visitor", ""))
        text = event.get("text")
        if not visitor or not isinstance(text, str):
            raise NormalizeError("A widget message needs 'visitor' and 'text'.")
        return [
            InboundMessage(
                channel_id=channel.id,
                channel_kind=channel.kind,
                external_id=str(event.get("id", ""))[:255],
                sender=self._sender(channel, event, visitor),
                body_text=text,
                sent_at=_when(event),
                attachments=tuple(_attachments(event)),
                conversation_key=visitor,
                extra_identities=tuple(_claims(event)),
                metadata={
                    "widget": {
                        "page_url": str(event.get("page_url", ""))[:500],
                        "mode": "async" if event.get("mode") == "async" else "live",
                        "search_keys": [str(k)[:64] for k in event.get("search_keys") or ()],
                        "claimed_user": str(event.get("user_id") or "")[:255],
                    }
                },
            )
        ]

    @staticmethod
    def _sender(channel: ChannelContext, event: dict[str, Any], visitor: str) -> SenderIdentity:
        """A chat user only when the HMAC verifies; otherwise the visitor it really is."""
        name = str(event.get("name") or "")[:200]
        user_id, user_hash = event.get("user_id"), event.get("user_hash")
        secret = str(channel.config.get("identity_secret") or "")
        if (
            isinstance(user_id, str)
            and isinstance(user_hash, str)
            and verify_widget_user(secret, user_id, user_hash)
        ):
            return SenderIdentity("chat_user", user_id, verified=True, display_name=name)
        return SenderIdentity("chat_visitor", visitor, verified=False, display_name=name)

    def send(self, channel: ChannelContext, message: OutboundMessage) -> SendResult:
        layer = get_channel_layer()
        if layer is None:
            raise DeliveryError("No channel layer to reach the visitor.", retryable=False)
        payload = {
            "event": "message",
            "data": {
                "id": message.message_id,
                "direction": "outbound",
                "text": message.body_text,
                "author": str(message.metadata.get("author", "")),
                "status": "delivered",
            },
        }
        try:
            async_to_sync(layer.group_send)(
                visitor_group(channel.id, message.to), {"type": "widget.event", "event": payload}
            )
        except Exception as exc:  # Redis down: the delivery task tries again
            raise DeliveryError(f"Channel layer unreachable: {exc}", retryable=True) from exc
        # The reply is stored where the widget reads its history: delivered even when the
        # visitor is away (they get it when they come back).
        return SendResult(external_id=f"widget-{message.message_id}", status="delivered")


def _when(event: Mapping[str, Any]) -> datetime | None:
    raw = event.get("sent_at")
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _claims(event: Mapping[str, Any]) -> list[SenderIdentity]:
    email = event.get("email")
    if isinstance(email, str) and email.strip():
        return [SenderIdentity("email", email.strip()[:254], verified=False)]
    return []


def _attachments(event: Mapping[str, Any]) -> list[InboundAttachment]:
    found = []
    for item in event.get("attachments") or ():
        try:
            content = base64.b64decode(str(item["data"]), validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise NormalizeError("A widget attachment is not base64.") from exc
        found.append(
            InboundAttachment(
                filename=str(item.get("filename", "file"))[:255],
                content_type=str(item.get("content_type", ""))[:127],
                content=content,
            )
        )
    return found
