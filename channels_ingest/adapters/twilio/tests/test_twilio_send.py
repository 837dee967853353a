"""Replies through the SDK's REST client against a local double at ``api_base_url``."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from channels_ingest.adapters.base import DeliveryError, OutboundMessage
from channels_ingest.adapters.registry import adapter_for
from channels_ingest.adapters.twilio.tests.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FORM,
    fixture,
    make_channel,
    signer,
)
from channels_ingest.models import Channel
from channels_ingest.selectors import channel_context, channel_webhook_urls
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests.http_double import http_double
from tests.seats import Seat
from tests.webhooks import check_webhook

CREATED = {"sid": "SMb1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6", "status": "queued"}


def _inbound(channel: Channel, name: str, capture) -> Message:
    [message] = check_webhook(channel, fixture(name), signer, content_type=FORM, capture=capture)
    return message


def _reply(seat: Seat, ticket_id: int, capture, text: str = "A courier is on the way."):
    with capture(execute=True):
        return seat.client().post(
            f"/api/v1/tickets/{ticket_id}/messages/", {"body": text}, format="json"
        )


def _point_at(channel: Channel, base_url: str) -> None:
    with tenant_scope(channel.tenant):
        channel.config = {**channel.config, "api_base_url": base_url}
        channel.save()


@pytest.mark.parametrize(
    ("kind", "name", "to", "from_"),
    [
        ("sms", "inbound__sms.txt", "+14155550142", "+15558675310"),
        ("whatsapp", "inbound__whatsapp.txt", "whatsapp:+5511987654321", "whatsapp:+15558675310"),
    ],
)
def test_reply_leaves_through_twilio_with_a_status_callback(
    seat_a: Seat, django_capture_on_commit_callbacks, kind: str, name: str, to: str, from_: str
) -> None:
    channel = make_channel(seat_a, kind)
    inbound = _inbound(channel, name, django_capture_on_commit_callbacks)
    with http_double(status=201, reply=CREATED) as double:
        _point_at(channel, double.base_url)
        response = _reply(seat_a, inbound.ticket_id, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    [sent] = double.requests
    assert (sent.method, sent.path) == (
        "POST",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
    )
    assert parse_qs(sent.body.decode()) == {
        "To": [to],
        "From": [from_],
        "Body": ["A courier is on the way."],
        "StatusCallback": [channel_webhook_urls(channel)["status"]],
    }
    assert sent.headers["Authorization"].startswith("Basic ")
    with tenant_scope(channel.tenant):
        reply = Message.objects.get(pk=response.json()["id"])
    assert (reply.status, reply.external_id) == ("sent", CREATED["sid"])


@pytest.mark.parametrize(
    ("status", "reply", "retryable", "text"),
    [
        (
            400,
            {"code": 21211, "message": "The 'To' number is not valid.", "status": 400},
            False,
            "Twilio error 21211 (invalid 'To' number): The 'To' number is not valid. (HTTP 400)",
        ),
        (
            503,
            {"code": 20500, "message": "Internal Server Error", "status": 503},
            True,
            "Twilio error 20500: Internal Server Error (HTTP 503)",
        ),
        (429, {"code": 20429, "message": "Too Many Requests"}, True, None),
    ],
)
def test_twilio_errors_map_to_retryable_or_terminal(
    seat_a: Seat, status: int, reply: dict[str, object], retryable: bool, text: str | None
) -> None:
    channel = make_channel(seat_a, "sms")
    with http_double(status=status, reply=reply) as double:
        _point_at(channel, double.base_url)
        with pytest.raises(DeliveryError) as caught:
            adapter_for("twilio").send(  # type: ignore[union-attr]
                channel_context(channel),
                OutboundMessage(message_id=1, to="+14155550142", body_text="Hi"),
            )
    assert caught.value.retryable is retryable
    if text is not None:
        assert str(caught.value) == text


def test_unreachable_api_is_retryable(seat_a: Seat) -> None:
    channel = make_channel(seat_a, "sms", api_base_url="http://127.0.0.1:9")
    with pytest.raises(DeliveryError) as caught:
        adapter_for("twilio").send(  # type: ignore[union-attr]
            channel_context(channel), OutboundMessage(message_id=1, to="+1415", body_text="Hi")
        )
    assert caught.value.retryable is True
    assert str(caught.value).startswith("Twilio unreachable: ")


def test_a_terminal_refusal_marks_the_reply_failed(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "sms")
    inbound = _inbound(channel, "inbound__sms.txt", django_capture_on_commit_callbacks)
    refusal = {"code": 21610, "message": "Attempt to send to unsubscribed recipient"}
    with http_double(status=400, reply=refusal) as double:
        _point_at(channel, double.base_url)
        response = _reply(seat_a, inbound.ticket_id, django_capture_on_commit_callbacks)
    with tenant_scope(channel.tenant):
        reply = Message.objects.get(pk=response.json()["id"])
    assert (reply.status, reply.error) == (
        "failed",
        "Twilio error 21610 (the recipient replied STOP): "
        "Attempt to send to unsubscribed recipient (HTTP 400)",
    )


def test_whatsapp_reply_after_24_hours_is_refused_up_front(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "whatsapp")
    inbound = _inbound(channel, "inbound__whatsapp.txt", django_capture_on_commit_callbacks)
    with tenant_scope(channel.tenant):
        Message.objects.filter(pk=inbound.pk).update(
            created_at=timezone.now() - timedelta(hours=24, minutes=1)
        )
        before = Message.objects.count()
    with http_double(status=201, reply=CREATED) as double:
        _point_at(channel, double.base_url)
        response = _reply(seat_a, inbound.ticket_id, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "channel_id": f"The 24-hour window is closed on '{channel.name}': the customer last "
        "wrote more than 24 hours ago, so only an approved template can be sent. Reply on "
        "another channel or wait for the customer to write again."
    }
    assert double.requests == []
    with tenant_scope(channel.tenant):
        assert Message.objects.count() == before


def test_sms_has_no_reply_window(seat_a: Seat, django_capture_on_commit_callbacks) -> None:
    channel = make_channel(seat_a, "sms")
    inbound = _inbound(channel, "inbound__sms.txt", django_capture_on_commit_callbacks)
    with tenant_scope(channel.tenant):
        Message.objects.filter(pk=inbound.pk).update(created_at=timezone.now() - timedelta(days=30))
    with http_double(status=201, reply=CREATED) as double:
        _point_at(channel, double.base_url)
        response = _reply(seat_a, inbound.ticket_id, django_capture_on_commit_callbacks)
    assert response.status_code == 201
    assert len(double.requests) == 1


def test_channel_config_is_checked(seat_a: Seat) -> None:
    client = seat_a.client()
    good = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": "+15558675310"}
    bad_number = client.post(
        "/api/v1/channels/",
        {"kind": "whatsapp", "provider": "twilio", "name": "WA", "config": good},
        format="json",
    )
    assert bad_number.status_code == 400
    assert list(bad_number.json()["error"]["fields"]) == ["config.phone_number"]
    created = client.post(
        "/api/v1/channels/",
        {"kind": "voice", "provider": "twilio", "name": "Support line", "config": good},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert sorted(created.json()["webhook_urls"]) == [
        "inbound",
        "recording",
        "status",
        "transcription",
        "voice",
    ]
    assert AUTH_TOKEN not in created.content.decode()
    with tenant_scope(seat_a.tenant):
        assert Channel.objects.count() == 1
