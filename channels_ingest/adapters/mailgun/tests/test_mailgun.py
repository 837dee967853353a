"""Mailgun inbound routes through the real URL, signed with the channel's signing key."""

from pathlib import Path

import pytest

from channels_ingest.models import Channel, InboundEvent
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests import email_harness as mail
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]
FORM = "multipart/form-data; boundary=mg-2a9e1c"


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    return mail.email_channel(
        seat_a.tenant,
        "mailgun",
        api_key="key-api",
        sender_domain="help.example.com",
        webhook_signing_key=mail.MAILGUN_SIGNING_KEY,
    )


def unsigned(url: str, body: bytes) -> dict[str, str]:
    return {}  # Mailgun signs inside the form: timestamp, token, signature


def test_reply_becomes_a_message(channel: Channel, django_capture_on_commit_callbacks) -> None:
    body = fixture_bytes(HERE, "inbound__reply.multipart")
    [message] = check_webhook(
        channel, body, unsigned, content_type=FORM, capture=django_capture_on_commit_callbacks
    )
    mail.assert_reply_fixture(message, attachments=[mail.PDF])


def test_wrong_signing_key_is_403_and_stores_nothing(seat_a: Seat) -> None:
    other = mail.email_channel(seat_a.tenant, "mailgun", webhook_signing_key="key-someone-else")
    response = post_webhook(
        other, fixture_bytes(HERE, "inbound__reply.multipart"), content_type=FORM
    )
    assert response.status_code == 403
    with tenant_scope(seat_a.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)
