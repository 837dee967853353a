"""Postal HTTP endpoints through the real URL, signed with the server's RSA key."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

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
        seat_a.tenant, "postal", api_key="postal-key", webhook_key=mail.public_key_body()
    )


def signer(url: str, body: bytes) -> dict[str, str]:
    return {"X-Postal-Signature": mail.rsa_sign(body, hashes.SHA1())}


def test_reply_becomes_a_message(channel: Channel, django_capture_on_commit_callbacks) -> None:
    body = fixture_bytes(HERE, "inbound__reply.json")
    [message] = check_webhook(channel, body, signer, capture=django_capture_on_commit_callbacks)
    mail.assert_reply_fixture(message, attachments=[mail.PDF])


def test_signature_of_other_bytes_is_403_and_stores_nothing(channel: Channel) -> None:
    body = fixture_bytes(HERE, "inbound__reply.json")
    for headers in ({}, signer("", body + b" "), {"X-Postal-Signature": "not base64!"}):
        response = post_webhook(channel, body, headers=headers)
        assert response.status_code == 403, headers
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)
