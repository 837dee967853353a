"""Resend's email.received webhook (Svix-signed); the email is fetched from api_base_url."""

import json
from datetime import UTC, datetime
from pathlib import Path

from svix.webhooks import Webhook

from channels_ingest.models import Channel, InboundEvent
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests import email_harness as mail
from tests.http_double import http_double
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]


def channel_for(seat: Seat, api_base_url: str = "http://127.0.0.1:9/") -> Channel:
    return mail.email_channel(
        seat.tenant,
        "resend",
        api_key="re_test_key",
        inbound_secret=mail.RESEND_SECRET,
        api_base_url=api_base_url,
    )


def signer(url: str, body: bytes) -> dict[str, str]:
    now = datetime.now(UTC)
    signature = Webhook(mail.RESEND_SECRET).sign("msg_2x1", now, body.decode())
    return {
        "svix-id": "msg_2x1",
        "svix-timestamp": str(int(now.timestamp())),
        "svix-signature": signature,
    }


def test_received_email_is_fetched_and_becomes_a_message(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    api_answer = json.loads(fixture_bytes(HERE, "api__received_email.json"))
    with http_double(reply=api_answer) as api:
        channel = channel_for(seat_a, api.base_url + "/")
        [message] = check_webhook(
            channel,
            fixture_bytes(HERE, "inbound__received.json"),
            signer,
            capture=django_capture_on_commit_callbacks,
        )
    assert [(r.method, r.path, r.headers["Authorization"]) for r in api.requests] == [
        ("GET", "/emails/receiving/56761188-7520-42d8-8898-ff6fc54ce618", "Bearer re_test_key")
    ]
    mail.assert_reply_fixture(message, attachments=[])


def test_api_outage_keeps_the_event_for_a_retry(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    with http_double(status=503, reply={"message": "unavailable"}) as api:
        channel = channel_for(seat_a, api.base_url + "/")
        messages = check_webhook(
            channel,
            fixture_bytes(HERE, "inbound__received.json"),
            signer,
            capture=django_capture_on_commit_callbacks,
        )
    assert messages == []
    with tenant_scope(channel.tenant):
        event = InboundEvent.objects.get()
    assert (event.state, event.attempts) == ("retry", 1)


def test_bad_signature_is_403_and_stores_nothing(seat_a: Seat) -> None:
    channel = channel_for(seat_a)
    body = fixture_bytes(HERE, "inbound__received.json")
    forged = {**signer("", body), "svix-signature": "v1,AAAA"}
    for headers in ({}, forged, mail.basic_auth()):
        assert post_webhook(channel, body, headers=headers).status_code == 403
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)
