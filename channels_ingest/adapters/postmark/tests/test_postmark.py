"""Postmark inbound through the real URL, authenticated with the channel's basic auth."""

from pathlib import Path

import pytest

from channels_ingest.models import Channel, InboundEvent
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests import email_harness as mail
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]
CONTENT_TYPE = "application/json"


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    return mail.email_channel(
        seat_a.tenant,
        "postmark",
        server_token="secret-credential",
        webhook_secret=mail.WEBHOOK_SECRET,
    )


def test_reply_becomes_a_message(channel: Channel, django_capture_on_commit_callbacks) -> None:
    body = fixture_bytes(HERE, "inbound__reply.json")
    [message] = check_webhook(
        channel,
        body,
        mail.basic_signer,
        content_type=CONTENT_TYPE,
        capture=django_capture_on_commit_callbacks,
    )
    mail.assert_reply_fixture(message, attachments=[mail.PDF])


@pytest.mark.parametrize(
    "headers", [{}, mail.basic_auth("hook-user:wrong"), {"Authorization": "Bearer x"}]
)
def test_bad_or_missing_auth_is_403_and_stores_nothing(channel: Channel, headers) -> None:
    body = fixture_bytes(HERE, "inbound__reply.json")
    response = post_webhook(channel, body, content_type=CONTENT_TYPE, headers=headers)
    assert response.status_code == 403
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)
