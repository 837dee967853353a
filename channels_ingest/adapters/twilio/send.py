"""Outbound messages through the official SDK's REST client, honouring ``api_base_url``."""

from __future__ import annotations

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from channels_ingest.adapters.base import (
    ChannelContext,
    DeliveryError,
    OutboundMessage,
    SendResult,
)
from channels_ingest.adapters.twilio.normalize import ERROR_CODES, WHATSAPP_PREFIX

TIMEOUT_SECONDS = 15


def twilio_client(channel: ChannelContext) -> Client:
    """A client bound to the channel's account; the API host replaced by ``api_base_url``."""
    client = Client(
        str(channel.config["account_sid"]),
        str(channel.config["auth_token"]),
        http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS),
        environment={},  # no TWILIO_REGION/TWILIO_EDGE from the process rewriting hosts
    )
    base_url = str(channel.config.get("api_base_url") or "").rstrip("/")
    if base_url:
        client.api.base_url = base_url
    return client


def _address(channel: ChannelContext, number: str) -> str:
    if channel.kind == "whatsapp" and not number.lower().startswith(WHATSAPP_PREFIX):
        return WHATSAPP_PREFIX + number
    return number


def message_send(channel: ChannelContext, message: OutboundMessage) -> SendResult:
    """Send a text (and media by URL); voice channels answer by SMS from the same number."""
    client = twilio_client(channel)
    media = [item.url for item in message.attachments if item.url]
    extra: dict[str, object] = {"media_url": media} if media else {}
    status_callback = channel.webhook_urls.get("status")
    if status_callback:
        extra["status_callback"] = status_callback
    try:
        created = client.api.v2010.accounts(str(channel.config["account_sid"])).messages.create(
            to=_address(channel, message.to),
            from_=str(channel.config["phone_number"]),
            body=message.body_text,
            **extra,
        )
    except TwilioRestException as exc:
        code = str(exc.code or "")
        hint = f" ({ERROR_CODES[code]})" if code in ERROR_CODES else ""
        detail = str(exc.msg).removeprefix("Unable to create record: ")
        raise DeliveryError(
            f"Twilio error {code or '-'}{hint}: {detail} (HTTP {exc.status})",
            retryable=exc.status >= 500 or exc.status == 429,
        ) from exc
    except requests.RequestException as exc:
        raise DeliveryError(f"Twilio unreachable: {exc}", retryable=True) from exc
    except TwilioException as exc:
        raise DeliveryError(f"Twilio refused the message: {exc}", retryable=False) from exc
    if not created.sid:
        raise DeliveryError("Twilio answered without a message sid.", retryable=False)
    # Handed to Twilio: its own queued/sent/delivered reports arrive on the status URL.
    return SendResult(external_id=str(created.sid), status="sent")
