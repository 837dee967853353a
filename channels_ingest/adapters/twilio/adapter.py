"""Twilio SMS/MMS, WhatsApp via Twilio, and Voice: one account, one number per channel."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from channels_ingest.adapters.base import (
    Adapter,
    ChannelContext,
    Normalized,
    OutboundMessage,
    SendResult,
    WebhookRejected,
    WebhookRequest,
)
from channels_ingest.adapters.twilio.normalize import normalize
from channels_ingest.adapters.twilio.send import message_send
from channels_ingest.adapters.twilio.signature import (
    SIGNATURE_HEADER,
    form_params,
    signature_check,
    signature_compute,
)

MESSAGING_PURPOSES = ("inbound", "status")
VOICE_PURPOSES = ("inbound", "status", "voice", "recording", "transcription")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
VOICEMAIL_GREETING = "Thanks for calling. Please leave a message after the tone."
VOICEMAIL_MAX_SECONDS = 120

# The same bytes for every acknowledged message: rendered once.
_EMPTY_MESSAGING_RESPONSE = str(MessagingResponse())


class TwilioAdapter(Adapter):
    provider = "twilio"
    verify_on_loop = True  # an HMAC or a token over a small body
    kinds = frozenset({"sms", "whatsapp", "voice"})
    purposes = VOICE_PURPOSES
    secret_fields = frozenset({"auth_token"})
    required_fields = {
        kind: frozenset({"account_sid", "auth_token", "phone_number"}) for kind in kinds
    }

    def purposes_for(self, kind: str) -> tuple[str, ...]:
        return VOICE_PURPOSES if kind == "voice" else MESSAGING_PURPOSES

    def config_errors(self, kind: str, config: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        sid = config.get("account_sid")
        if not isinstance(sid, str) or not re.fullmatch(r"AC[0-9a-fA-F]{32}", sid):
            errors["account_sid"] = "An account SID is 'AC' and 32 hexadecimal characters."
        token = config.get("auth_token")
        if not isinstance(token, str) or len(token) < 16:
            errors["auth_token"] = "Paste the account's auth token."
        number = config.get("phone_number")
        if kind == "whatsapp":
            ok = isinstance(number, str) and number.startswith("whatsapp:")
            ok = ok and bool(E164.match(str(number)[len("whatsapp:") :]))
            if not ok:
                errors["phone_number"] = "WhatsApp senders look like 'whatsapp:+14155550100'."
        elif not isinstance(number, str) or not E164.match(number):
            errors["phone_number"] = "Use the number in E.164 form, e.g. '+14155550100'."
        base = config.get("api_base_url")
        if base is not None and not (
            isinstance(base, str) and base.startswith(("https://", "http://"))
        ):
            errors["api_base_url"] = "Use an absolute http(s) URL."
        return errors

    def reply_window(self, kind: str) -> timedelta | None:
        # WhatsApp accepts free text only within 24 hours of the customer's last message.
        return timedelta(hours=24) if kind == "whatsapp" else None

    def verify(self, channel: ChannelContext, request: WebhookRequest) -> None:
        signature_check(
            auth_token=str(channel.config["auth_token"]),
            url=request.url,
            body=request.body,
            signature=request.headers.get(SIGNATURE_HEADER, ""),
        )

    def event_id(self, channel: ChannelContext, request: WebhookRequest) -> str:
        params = form_params(request.body)
        purpose = request.purpose

        def need(*names: str) -> str:
            for name in names:
                if params.first(name):
                    return params.first(name)
            raise WebhookRejected.malformed(f"A Twilio {purpose} request carries {names[0]}.")

        if purpose == "inbound":
            return need("MessageSid", "SmsSid")
        if purpose == "status":
            if params.first("MessageSid") or params.first("SmsSid"):
                # One event per status, so sent, delivered and read are each kept.
                return f"{need('MessageSid', 'SmsSid')}:{need('MessageStatus', 'SmsStatus')}"
            call = need("CallSid")
            return f"{call}:{need('CallStatus')}:{params.first('SequenceNumber')}"
        if purpose == "voice":
            return need("CallSid")
        if purpose == "recording":
            return f"{need('CallSid')}:{need('RecordingSid', 'RecordingUrl')}"
        return f"{need('CallSid')}:{need('TranscriptionSid')}"

    def acknowledge(self, channel: ChannelContext, request: WebhookRequest) -> HttpResponse:
        """TwiML: nothing to say for messages; a voicemail for calls."""
        if request.purpose == "voice":
            voice = VoiceResponse()
            voice.say(VOICEMAIL_GREETING)
            voice.record(
                action=channel.webhook_urls.get("recording"),
                method="POST",
                max_length=VOICEMAIL_MAX_SECONDS,
                play_beep=True,
                transcribe=True,
                transcribe_callback=channel.webhook_urls.get("transcription"),
            )
            return _twiml(str(voice))
        if request.purpose == "recording":
            goodbye = VoiceResponse()
            goodbye.say("Thank you. We will get back to you soon. Goodbye.")
            goodbye.hangup()
            return _twiml(str(goodbye))
        return _twiml(_EMPTY_MESSAGING_RESPONSE)

    def normalize(
        self, channel: ChannelContext, purpose: str, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[Normalized]:
        return normalize(channel, purpose, body)

    def send(self, channel: ChannelContext, message: OutboundMessage) -> SendResult:
        return message_send(channel, message)

    def sign_fixture(self, channel: ChannelContext, url: str, body: bytes) -> dict[str, str]:
        token = str(channel.config["auth_token"])
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature_compute(auth_token=token, url=url, body=body),
        }


def _twiml(document: str) -> HttpResponse:
    return HttpResponse(document, content_type="text/xml; charset=utf-8")
