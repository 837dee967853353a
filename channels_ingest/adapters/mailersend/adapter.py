"""MailerSend: the inbound route webhook (JSON), signed with the route's secret."""

from __future__ import annotations

import hashlib
import hmac

from anymail.webhooks.mailersend import MailerSendInboundWebhookView

from channels_ingest.adapters.base import ChannelContext
from channels_ingest.adapters.email_common import AnymailEmailAdapter


class MailerSendAdapter(AnymailEmailAdapter):
    provider = "mailersend"
    view_class = MailerSendInboundWebhookView
    backend = "anymail.backends.mailersend.EmailBackend"
    view_settings = {"inbound_secret": "inbound_secret", "webhook_secret": "webhook_secret"}
    backend_settings = {"api_token": "api_token"}
    auth_fields = frozenset({"inbound_secret"})
    secret_fields = frozenset({"api_token", "inbound_secret", "webhook_secret"})
    required_fields = {"email": frozenset({"address"})}

    def sign_fixture(self, channel: ChannelContext, url: str, body: bytes) -> dict[str, str]:
        secret = str(channel.config.get("inbound_secret", "")).encode()
        return {"Signature": hmac.new(secret, body, hashlib.sha256).hexdigest()}
