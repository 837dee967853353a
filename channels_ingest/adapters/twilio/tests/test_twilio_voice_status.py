"""Twilio Voice (calls, voicemail recordings, transcriptions) and delivery status callbacks."""

from __future__ import annotations

import pytest

from channels_ingest.adapters.twilio.tests.support import FORM, fixture, make_channel, signer
from channels_ingest.models import Channel, InboundEvent
from channels_ingest.selectors import channel_webhook_urls
from helpdesk.tenancy import tenant_scope
from inbox.models import Call, Message
from tests.seats import Seat
from tests.webhooks import check_webhook, post_webhook


def _post(channel: Channel, name: str, purpose: str, capture) -> list[Message]:
    return check_webhook(
        channel, fixture(name), signer, purpose=purpose, content_type=FORM, capture=capture
    )


def test_incoming_call_answers_with_a_voicemail_and_stores_the_call(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "voice")
    urls = channel_webhook_urls(channel)
    body = fixture("voice__incoming.txt")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(
            channel, body, purpose="voice", content_type=FORM, headers=signer(urls["voice"], body)
        )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        "<Say>Thanks for calling. Please leave a message after the tone.</Say>"
        f'<Record action="{urls["recording"]}" maxLength="120" method="POST" playBeep="true"'
        f' transcribe="true" transcribeCallback="{urls["transcription"]}" /></Response>'
    )
    with tenant_scope(channel.tenant):
        message = Message.objects.select_related("call", "customer").get()
        assert (message.body_text, message.external_id, message.channel_kind) == (
            "Phone call from +14155550142.",
            "CA5e4d3c2b1a09f8e7d6c5b4a3928170f6",
            "voice",
        )
        call = message.call
        assert (call.direction, call.from_number, call.to_number) == (
            "inbound",
            "+14155550142",
            "+15558675310",
        )
        assert [(i.kind, i.value) for i in message.customer.identities.all()] == [
            ("phone", "+14155550142")
        ]


def test_recording_transcription_and_duration_complete_the_call(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "voice")
    capture = django_capture_on_commit_callbacks
    _post(channel, "voice__incoming.txt", "voice", capture)
    urls = channel_webhook_urls(channel)
    body = fixture("recording__completed.txt")
    with capture(execute=True):
        goodbye = post_webhook(
            channel,
            body,
            purpose="recording",
            content_type=FORM,
            headers=signer(urls["recording"], body),
        )
    assert goodbye.content.endswith(b"<Hangup /></Response>")
    _post(channel, "transcription__completed.txt", "transcription", capture)
    _post(channel, "status__call_completed.txt", "status", capture)
    with tenant_scope(channel.tenant):
        call = Call.objects.get()
        assert (call.recording_url, call.transcript, call.duration_seconds) == (
            "https://api.twilio.com/2010-04-01/Accounts/AC3f1d0a2b4c6e8f0a1b2c3d4e5f6a7b8c/"
            "Recordings/RE8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
            "Hi, this is Sam about order 1234. Please call me back after five.",
            43,
        )
        assert set(InboundEvent.objects.values_list("purpose", "state")) == {
            ("voice", "done"),
            ("recording", "done"),
            ("transcription", "done"),
            ("status", "done"),
        }


def test_anonymous_caller_gets_a_placeholder_customer_and_no_reply_address(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "voice")
    [message] = _post(channel, "voice__anonymous.txt", "voice", django_capture_on_commit_callbacks)
    assert message.body_text == "Phone call from a withheld number."
    assert message.metadata["sender"] == {"kind": "phone", "value": ""}
    assert message.customer.name == "Unknown caller"
    with tenant_scope(channel.tenant):
        assert message.customer.identities.count() == 0
        assert Call.objects.get().from_number == "Anonymous"


def _outbound(channel: Channel, inbound: Message, status: str) -> Message:
    with tenant_scope(channel.tenant):
        reply: Message = Message.objects.create(
            tenant=channel.tenant,
            ticket=inbound.ticket,
            direction="outbound",
            channel_kind=channel.kind,
            channel_id=channel.pk,
            external_id="SM0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
            status=status,
        )
        return reply


def test_statuses_move_forward_each_one_its_own_event(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "sms")
    capture = django_capture_on_commit_callbacks
    [inbound] = _post(channel, "inbound__sms.txt", "inbound", capture)
    reply = _outbound(channel, inbound, "queued")
    seen = []
    for name in ("status__sent.txt", "status__delivered.txt", "status__read.txt"):
        _post(channel, name, "status", capture)
        with tenant_scope(channel.tenant):
            reply.refresh_from_db()
        seen.append(reply.status)
    assert seen == ["sent", "delivered", "read"]
    # A late "sent" changes nothing: statuses never move backwards.
    with tenant_scope(channel.tenant):
        InboundEvent.objects.filter(provider_event_id__endswith=":sent").delete()
    _post(channel, "status__sent.txt", "status", capture)
    with tenant_scope(channel.tenant):
        reply.refresh_from_db()
        assert reply.status == "read"
        assert InboundEvent.objects.filter(purpose="status").count() == 3


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("status__failed.txt", "Twilio error 30008: unknown error"),
        ("status__undelivered.txt", "Twilio error 30003: unreachable destination handset"),
    ],
)
def test_failure_reports_carry_the_twilio_error_code(
    seat_a: Seat, django_capture_on_commit_callbacks, name: str, error: str
) -> None:
    channel = make_channel(seat_a, "sms")
    capture = django_capture_on_commit_callbacks
    [inbound] = _post(channel, "inbound__sms.txt", "inbound", capture)
    reply = _outbound(channel, inbound, "sent")
    _post(channel, name, "status", capture)
    with tenant_scope(channel.tenant):
        reply.refresh_from_db()
    assert (reply.status, reply.error) == ("failed", error)


def test_a_status_for_a_message_we_never_sent_is_acknowledged_and_ignored(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "sms")
    assert (
        _post(channel, "status__delivered.txt", "status", django_capture_on_commit_callbacks) == []
    )
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.get().state == "done"
