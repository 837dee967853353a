"""SparkPost: inbound relay webhooks (JSON), authenticated with basic auth."""

from __future__ import annotations

from anymail.webhooks.sparkpost import SparkPostInboundWebhookView

from channels_ingest.adapters.email_common import AnymailEmailAdapter


class SparkPostAdapter(AnymailEmailAdapter):
    provider = "sparkpost"
    view_class = SparkPostInboundWebhookView
    backend = "anymail.backends.sparkpost.EmailBackend"
    view_settings = {"webhook_secret": "webhook_secret"}
    backend_settings = {"api_key": "api_key", "subaccount": "subaccount"}
    auth_fields = frozenset({"webhook_secret"})
    secret_fields = frozenset({"api_key", "webhook_secret"})
    required_fields = {"email": frozenset({"address"})}
