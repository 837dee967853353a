"""Twilio SMS, MMS and WhatsApp through the real webhook URL with real signatures."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from channels_ingest.adapters.twilio.tests.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FORM,
    fixture,
    make_channel,
    signer,
)
from channels_ingest.models import InboundEvent
from channels_ingest.selectors import channel_webhook_urls
from customers.models import Identity
from helpdesk.tenancy import tenant_scope
from inbox.models import Attachment, Message
from tests.http_double import http_double
from tests.seats import Seat
from tests.webhooks import check_webhook, post_webhook

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_sms_opens_a_ticket_for_the_phone_number(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "sms")
    [message] = check_webhook(
        channel,
        fixture("inbound__sms.txt"),
        signer,
        content_type=FORM,
        capture=django_capture_on_commit_callbacks,
    )
    assert (message.body_text, message.external_id, message.channel_kind) == (
        "Hi, my order #1234 never arrived \u2014 can you help? \U0001f64f",
        "SM9f2c7a1e5b3d4f60a8c1e2d3b4a5f6e7",
        "sms",
    )
    assert message.metadata["sender"] == {"kind": "phone", "value": "+14155550142"}
    with tenant_scope(channel.tenant):
        assert list(Identity.objects.values_list("kind", "value", "customer_id")) == [
            ("phone", "+14155550142", message.customer_id)
        ]
        assert message.ticket.subject == message.body_text


def test_acknowledgement_is_empty_twiml(seat_a: Seat) -> None:
    channel = make_channel(seat_a, "sms")
    body = fixture("inbound__sms.txt")
    url = channel_webhook_urls(channel)["inbound"]
    response = post_webhook(channel, body, content_type=FORM, headers=signer(url, body))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content == b'<?xml version="1.0" encoding="UTF-8"?><Response />'


def test_mms_media_is_fetched_with_the_account_credentials_and_stored(
    seat_a: Seat, django_capture_on_commit_callbacks, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    with http_double(reply=PDF) as double:
        channel = make_channel(seat_a, "sms", api_base_url=double.base_url)
        [message] = check_webhook(
            channel,
            fixture("inbound__mms_with_media.txt"),
            signer,
            content_type=FORM,
            capture=django_capture_on_commit_callbacks,
        )
    assert message.body_text == "Here is the damaged box and the receipt"
    assert [r.path for r in double.requests] == [
        "/2010-04-01/Accounts/AC3f1d0a2b4c6e8f0a1b2c3d4e5f6a7b8c/Messages/"
        "MM4b8e2f6a0c1d3e5f7a9b0c2d4e6f8a1b/Media/ME1a2b3c4d5e6f708192a3b4c5d6e7f809",
        "/2010-04-01/Accounts/AC3f1d0a2b4c6e8f0a1b2c3d4e5f6a7b8c/Messages/"
        "MM4b8e2f6a0c1d3e5f7a9b0c2d4e6f8a1b/Media/ME9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    ]
    # HTTP basic auth with the channel's account SID and auth token.
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert double.requests[0].headers["Authorization"] == f"Basic {credentials}"
    with tenant_scope(channel.tenant):
        stored = list(
            Attachment.objects.filter(message=message)
            .order_by("id")
            .values_list("filename", "content_type", "size")
        )
    # The bytes decide the type: the first item was declared image/jpeg but is a PDF.
    assert stored == [
        ("ME1a2b3c4d5e6f708192a3b4c5d6e7f809.jpg", "application/pdf", len(PDF)),
        ("ME9f8e7d6c5b4a39281706f5e4d3c2b1a0.pdf", "application/pdf", len(PDF)),
    ]
    with tenant_scope(channel.tenant):
        files = [a.file.read() for a in Attachment.objects.filter(message=message)]
    assert files == [PDF, PDF]


def test_media_outage_is_retried_and_the_message_is_not_lost(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with http_double(status=503, reply=b"busy") as double:
        channel = make_channel(seat_a, "sms", api_base_url=double.base_url)
        assert (
            check_webhook(
                channel,
                fixture("inbound__mms_with_media.txt"),
                signer,
                content_type=FORM,
                capture=django_capture_on_commit_callbacks,
            )
            == []
        )
    with tenant_scope(channel.tenant):
        event = InboundEvent.objects.get()
        assert (event.state, event.attempts, Message.objects.count()) == ("retry", 1, 0)
        assert event.last_error == "NormalizeError: Media fetch answered 503."


def test_media_the_provider_refuses_is_skipped_and_the_text_kept(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with http_double(status=404, reply=b"gone") as double:
        channel = make_channel(seat_a, "sms", api_base_url=double.base_url)
        [message] = check_webhook(
            channel,
            fixture("inbound__mms_with_media.txt"),
            signer,
            content_type=FORM,
            capture=django_capture_on_commit_callbacks,
        )
    assert [item["reason"] for item in message.metadata["media_skipped"]] == [
        "Media fetch answered 404.",
        "Media fetch answered 404.",
    ]
    with tenant_scope(channel.tenant):
        assert Attachment.objects.count() == 0


def test_whatsapp_sender_is_a_whatsapp_identity_with_the_profile_name(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "whatsapp")
    [message] = check_webhook(
        channel,
        fixture("inbound__whatsapp.txt"),
        signer,
        content_type=FORM,
        capture=django_capture_on_commit_callbacks,
    )
    assert (message.body_text, message.channel_kind, message.customer.name) == (
        "Ol\u00e1! O meu pedido chegou aberto.",
        "whatsapp",
        "Ana Lima",
    )
    with tenant_scope(channel.tenant):
        assert list(Identity.objects.values_list("kind", "value")) == [
            ("whatsapp", "+5511987654321")
        ]


def test_whatsapp_button_reply_keeps_the_payload_and_joins_the_conversation(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "whatsapp")
    [first] = check_webhook(
        channel,
        fixture("inbound__whatsapp.txt"),
        signer,
        content_type=FORM,
        capture=django_capture_on_commit_callbacks,
    )
    [button] = check_webhook(
        channel,
        fixture("inbound__whatsapp_button_reply.txt"),
        signer,
        content_type=FORM,
        capture=django_capture_on_commit_callbacks,
    )
    assert (button.body_text, button.metadata["button_payload"]) == (
        "Yes, reschedule",
        "reschedule_yes",
    )
    assert (button.ticket_id, button.customer_id) == (first.ticket_id, first.customer_id)


def test_redelivery_is_acknowledged_and_changes_nothing(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "sms")
    body = fixture("inbound__sms.txt")
    check_webhook(
        channel, body, signer, content_type=FORM, capture=django_capture_on_commit_callbacks
    )
    again = check_webhook(
        channel, body, signer, content_type=FORM, capture=django_capture_on_commit_callbacks
    )
    assert again == []
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (1, 1)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
        {"X-Twilio-Signature": "not base64 at all"},
    ],
)
def test_bad_or_missing_signature_is_403_and_stores_nothing(
    seat_a: Seat, headers: dict[str, str]
) -> None:
    channel = make_channel(seat_a, "sms")
    response = post_webhook(
        channel, fixture("inbound__sms.txt"), content_type=FORM, headers=headers
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_signature"
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)


def test_signature_over_another_url_or_a_changed_body_is_refused(seat_a: Seat) -> None:
    channel = make_channel(seat_a, "sms")
    body = fixture("inbound__sms.txt")
    url = channel_webhook_urls(channel)["inbound"]
    other_url = signer(url.replace("/inbound/", "/status/"), body)
    tampered = signer(url, body)
    for headers, sent in ((other_url, body), (tampered, body.replace(b"1234", b"9999"))):
        response = post_webhook(channel, sent, content_type=FORM, headers=headers)
        assert response.status_code == 403
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"To=%2B15558675310&From=%2B14155550142&Body=no+sid",  # no MessageSid
        b"\xff\xfe not utf-8",
        b"a=1&&=&b",
    ],
)
def test_signed_but_malformed_is_400_and_stores_nothing(seat_a: Seat, body: bytes) -> None:
    channel = make_channel(seat_a, "sms")
    url = channel_webhook_urls(channel)["inbound"]
    response = post_webhook(channel, body, content_type=FORM, headers=signer_raw(url, body))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "malformed_payload"
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.count() == 0


def signer_raw(url: str, body: bytes) -> dict[str, str]:
    """Sign a body Twilio cannot parse: the signature then covers the URL alone."""
    try:
        parse_qs(body.decode(), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, {})}
    return signer(url, body)


def test_oversized_body_is_413_and_stores_nothing(seat_a: Seat, settings) -> None:
    channel = make_channel(seat_a, "sms")
    body = b"Body=" + b"x" * (settings.MAX_REQUEST_BODY_BYTES + 1)
    response = post_webhook(channel, body, content_type=FORM, headers=signer("", b""))
    assert response.status_code == 413
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.count() == 0


def test_voice_purposes_exist_only_on_voice_channels(seat_a: Seat) -> None:
    sms = make_channel(seat_a, "sms")
    voice = make_channel(seat_a, "voice")
    assert sorted(channel_webhook_urls(sms)) == ["inbound", "status"]
    assert sorted(channel_webhook_urls(voice)) == [
        "inbound",
        "recording",
        "status",
        "transcription",
        "voice",
    ]
    url = channel_webhook_urls(voice)["voice"].replace(voice.webhook_key, sms.webhook_key)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    assert Client().post(path, data=b"CallSid=CA1", content_type=FORM).status_code == 404
