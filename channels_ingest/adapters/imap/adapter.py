"""IMAP polling for teams without an ESP: raw messages in, SMTP out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from channels_ingest.adapters.base import (
    Adapter,
    ChannelContext,
    Normalized,
    NormalizeError,
    OutboundMessage,
    SendResult,
    WebhookRejected,
    WebhookRequest,
)
from channels_ingest.mail.inbound_mime import address_of, message_normalize, mime_parse
from channels_ingest.mail.outbound import SMTP_BACKEND, email_send, smtp_kwargs

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class ImapAdapter(Adapter):
    provider = "imap"
    kinds = frozenset({"email"})
    secret_fields = frozenset({"password", "smtp_password"})
    required_fields = {"email": frozenset({"address", "host", "username", "password"})}

    def config_errors(self, kind: str, config: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if "@" not in str(config.get("address", "")):
            errors["address"] = "Use the support address, like support@example.com."
        if config.get("ssl") is False and config.get("host") not in _LOOPBACK:
            errors["ssl"] = "Plain IMAP (ssl: false) is only allowed for a server on loopback."
        for key in ("port", "smtp_port"):
            value = config.get(key)
            if value is not None and not (isinstance(value, int) and 0 < value < 65536):
                errors[key] = "Use a TCP port number."
        return errors

    def verify(self, channel: ChannelContext, request: WebhookRequest) -> None:
        raise WebhookRejected.signature("IMAP channels are polled; they take no webhooks.")

    def normalize(
        self, channel: ChannelContext, purpose: str, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[Normalized]:
        item = message_normalize(
            channel_id=channel.id,
            address=address_of(channel.config),
            message=mime_parse(body),
            raw=body,
        )
        if item is None:
            raise NormalizeError("The email has no sender address.")
        return [item]

    def send(self, channel: ChannelContext, message: OutboundMessage) -> SendResult:
        return email_send(
            backend=SMTP_BACKEND,
            backend_kwargs=smtp_kwargs(channel.config),
            config=channel.config,
            message=message,
        )
