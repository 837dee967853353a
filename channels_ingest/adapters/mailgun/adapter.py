"""Mailgun: inbound routes (forward to URL), signed with the webhook signing key."""

from __future__ import annotations

from anymail.webhooks.mailgun import MailgunInboundWebhookView

from channels_ingest.adapters.email_common import AnymailEmailAdapter


class MailgunAdapter(AnymailEmailAdapter):
    provider = "mailgun"
    view_class = MailgunInboundWebhookView
    backend = "anymail.backends.mailgun.EmailBackend"
    view_settings = {
        "webhook_signing_key": "webhook_signing_key",
        "api_key": "api_key",
        "webhook_secret": "webhook_secret",
    }
    backend_settings = {"api_key": "api_key", "sender_domain": "sender_domain"}
    auth_fields = frozenset({"webhook_signing_key", "api_key"})
    secret_fields = frozenset({"api_key", "webhook_signing_key", "webhook_secret"})
    required_fields = {"email": frozenset({"address"})}
    json_payload = False
