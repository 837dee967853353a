"""Postal: HTTP endpoint routes (JSON), signed with the server's RSA key."""

from __future__ import annotations

from anymail.webhooks.postal import PostalInboundWebhookView

from channels_ingest.adapters.email_common import AnymailEmailAdapter


class PostalAdapter(AnymailEmailAdapter):
    provider = "postal"
    view_class = PostalInboundWebhookView
    backend = "anymail.backends.postal.EmailBackend"
    view_settings = {"webhook_key": "webhook_key"}
    backend_settings = {"api_key": "api_key"}
    auth_fields = frozenset({"webhook_key"})
    secret_fields = frozenset({"api_key"})
    required_fields = {"email": frozenset({"address"})}
