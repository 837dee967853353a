"""SendGrid: Inbound Parse (multipart form), authenticated with basic auth."""

from __future__ import annotations

from anymail.webhooks.sendgrid import SendGridInboundWebhookView

from channels_ingest.adapters.email_common import AnymailEmailAdapter


class SendGridAdapter(AnymailEmailAdapter):
    provider = "sendgrid"
    view_class = SendGridInboundWebhookView
    backend = "anymail.backends.sendgrid.EmailBackend"
    view_settings = {"webhook_secret": "webhook_secret"}
    backend_settings = {"api_key": "api_key"}
    auth_fields = frozenset({"webhook_secret"})
    secret_fields = frozenset({"api_key", "webhook_secret"})
    required_fields = {"email": frozenset({"address"})}
    json_payload = False
