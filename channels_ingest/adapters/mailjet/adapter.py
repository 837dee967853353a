"""Mailjet: the Parse API (JSON), authenticated with basic auth."""

from __future__ import annotations

from anymail.webhooks.mailjet import MailjetInboundWebhookView

from channels_ingest.adapters.email_common import AnymailEmailAdapter


class MailjetAdapter(AnymailEmailAdapter):
    provider = "mailjet"
    view_class = MailjetInboundWebhookView
    backend = "anymail.backends.mailjet.EmailBackend"
    view_settings = {"webhook_secret": "webhook_secret"}
    backend_settings = {"api_key": "api_key", "secret_key": "secret_key"}
    auth_fields = frozenset({"webhook_secret"})
    secret_fields = frozenset({"secret_key", "webhook_secret"})
    required_fields = {"email": frozenset({"address"})}
