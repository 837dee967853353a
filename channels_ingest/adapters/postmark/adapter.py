"""Postmark: the inbound webhook (JSON), authenticated with basic auth."""

from __future__ import annotations

from anymail.webhooks.postmark import PostmarkInboundWebhookView

from channels_ingest.adapters.email_common import AnymailEmailAdapter


class PostmarkAdapter(AnymailEmailAdapter):
    provider = "postmark"
    view_class = PostmarkInboundWebhookView
    backend = "anymail.backends.postmark.EmailBackend"
    view_settings = {"webhook_secret": "webhook_secret"}
    backend_settings = {"server_token": "server_token"}
    auth_fields = frozenset({"webhook_secret"})
    secret_fields = frozenset({"server_token", "webhook_secret"})
    required_fields = {"email": frozenset({"address"})}
