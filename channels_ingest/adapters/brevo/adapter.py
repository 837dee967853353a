"""Brevo: inbound parsing webhook (JSON), authenticated with basic auth."""

from __future__ import annotations

from anymail.webhooks.brevo import BrevoInboundWebhookView

from channels_ingest.adapters.email_common import AnymailEmailAdapter


class BrevoAdapter(AnymailEmailAdapter):
    provider = "brevo"
    view_class = BrevoInboundWebhookView
    backend = "anymail.backends.brevo.EmailBackend"
    view_settings = {
        "webhook_secret": "webhook_secret",
        "api_key": "api_key",
        "api_base_url": "api_url",
    }
    backend_settings = {"api_key": "api_key"}
    auth_fields = frozenset({"webhook_secret"})
    secret_fields = frozenset({"api_key", "webhook_secret"})
    required_fields = {"email": frozenset({"address"})}
