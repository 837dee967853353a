"""MailerSend inbound routes through the real URL, signed with the route's secret."""

import hashlib
import hmac
from pathlib import Path

import pytest

from channels_ingest.models import Channel, InboundEvent
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests import email_harness as mail
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    return mail.email_channel(
        seat_a.tenant, "mailersend", api_token="mlsn.token", inbound_secret=mail.MAILERSEND_SECRET
    )


def signer(url: str, body: bytes) -> dict[str, str]:
    digest = hmac.new(mail.MAILERSEND_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"Signature": digest}


def test_reply_becomes_a_message(channel: Channel, django_capture_on_commit_callbacks) -> None:
    body = fixture_bytes(HERE, "inbound__reply.json")
    [message] = check_webhook(channel, body, signer, capture=django_capture_on_commit_callbacks)
    mail.assert_reply_fixture(message, attachments=[mail.PDF])


@pytest.mark.parametrize("headers", [{}, {"Signature": "0" * 64}, mail.basic_auth()])
def test_bad_or_missing_signature_is_403_and_stores_nothing(channel: Channel, headers) -> None:
    response = post_webhook(channel, fixture_bytes(HERE, "inbound__reply.json"), headers=headers)
    assert response.status_code == 403
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)
