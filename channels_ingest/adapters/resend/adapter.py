"""Resend: the email.received webhook, signed by Svix; the message is fetched from Resend's API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from anymail.webhooks.resend import ResendInboundWebhookView

from channels_ingest.adapters.base import ChannelContext, WebhookRequest
from channels_ingest.adapters.email_common import AnymailEmailAdapter


class ResendAdapter(AnymailEmailAdapter):
    provider = "resend"
    view_class = ResendInboundWebhookView
    backend = "anymail.backends.resend.EmailBackend"
    view_settings = {
        "inbound_secret": "inbound_secret",
        "webhook_secret": "webhook_secret",
        "api_key": "api_key",
        "api_base_url": "api_url",
    }
    backend_settings = {"api_key": "api_key"}
    auth_fields = frozenset({"inbound_secret", "webhook_secret"})
    secret_fields = frozenset({"api_key", "inbound_secret", "webhook_secret"})
    required_fields = {"email": frozenset({"address"})}

    def event_id(self, channel: ChannelContext, request: WebhookRequest) -> str:
        svix_id = request.headers.get("svix-id", "")
        return f"svix:{svix_id}" if svix_id else super().event_id(channel, request)

    def sign_fixture(self, channel: ChannelContext, url: str, body: bytes) -> dict[str, str]:
        from svix.webhooks import Webhook

        secret = str(channel.config.get("inbound_secret", ""))
        if not secret:
            return super().sign_fixture(channel, url, body)
        msg_id, now = f"msg_{uuid.uuid4().hex}", datetime.now(UTC)
        return {
            "svix-id": msg_id,
            "svix-timestamp": str(int(now.timestamp())),
            "svix-signature": Webhook(secret).sign(msg_id, now, body.decode()),
        }
