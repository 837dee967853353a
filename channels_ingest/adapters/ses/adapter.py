"""Amazon SES: receipt rules publishing to SNS; SNS signatures checked, plus basic auth."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView

from channels_ingest.adapters.base import (
    ChannelContext,
    Normalized,
    NormalizeError,
    WebhookRejected,
    WebhookRequest,
)
from channels_ingest.adapters.email_common import AnymailEmailAdapter
from channels_ingest.adapters.ses import sns

logger = logging.getLogger(__name__)


class SesAdapter(AnymailEmailAdapter):
    provider = "ses"
    view_class = AmazonSESInboundWebhookView
    backend = "anymail.backends.amazon_ses.EmailBackend"
    view_settings = {"webhook_secret": "webhook_secret"}
    auth_fields = frozenset({"webhook_secret"})
    secret_fields = frozenset({"aws_secret_access_key", "webhook_secret"})
    required_fields = {"email": frozenset({"address", "webhook_secret"})}

    def view_kwargs(self, config: Mapping[str, Any]) -> dict[str, Any]:
        # Subscriptions are confirmed here after the signature check, not through boto3.
        return {**super().view_kwargs(config), "auto_confirm_sns_subscriptions": False}

    def verify(self, channel: ChannelContext, request: WebhookRequest) -> None:
        if channel.config.get("webhook_secret") and "authorization" not in request.headers:
            # SNS sends basic auth credentials only after a 401 challenge.
            raise WebhookRejected(401, "auth_required", "Send HTTP basic auth credentials.")
        super().verify(channel, request)  # basic auth; SNS headers match the body
        message = json.loads(request.body)
        if not sns.sns_signature_valid(message):
            raise WebhookRejected.signature("Invalid Amazon SNS signature.")
        topic = channel.config.get("topic_arn")
        if topic and message.get("TopicArn") != topic:
            raise WebhookRejected.signature("This SNS topic is not this channel's.")

    def event_id(self, channel: ChannelContext, request: WebhookRequest) -> str:
        return "sns:" + request.headers.get("x-amz-sns-message-id", "")[:200]

    def normalize(
        self, channel: ChannelContext, purpose: str, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[Normalized]:
        message = json.loads(body)
        if message.get("Type") == "SubscriptionConfirmation":
            url = str(message.get("SubscribeURL", ""))
            if not sns.sns_host_allowed(url):
                raise NormalizeError("The SubscribeURL is not Amazon SNS.")
            try:
                requests.get(url, timeout=10).raise_for_status()
            except requests.RequestException as exc:
                raise NormalizeError(f"Confirming failed: {exc}", retryable=True) from exc
            return []
        if message.get("Type") != "Notification":
            return []
        return super().normalize(channel, purpose, body, headers)

    def backend_kwargs(self, config: Mapping[str, Any]) -> dict[str, Any]:
        client: dict[str, Any] = {"region_name": config.get("region_name") or "us-east-1"}
        if config.get("api_base_url"):
            client["endpoint_url"] = str(config["api_base_url"])
        session = {
            key: config[key]
            for key in ("aws_access_key_id", "aws_secret_access_key")
            if config.get(key)
        }
        return {"session_params": session, "client_params": client}
