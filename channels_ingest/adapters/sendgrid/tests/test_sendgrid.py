"""SendGrid inbound through the real URL, authenticated with the channel's basic auth."""

from pathlib import Path

import pytest

from channels_ingest.models import Channel, InboundEvent
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests import email_harness as mail
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]
CONTENT_TYPE = "multipart/form-data; boundary=xYzZY"


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    return mail.email_channel(
        seat_a.tenant, "sendgrid", api_key="secret-credential", webhook_secret=mail.WEBHOOK_SECRET
    )


def test_reply_becomes_a_message(channel: Channel, django_capture_on_commit_callbacks) -> None:
    body = fixture_bytes(HERE, "inbound__reply.multipart")
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
    body = fixture_bytes(HERE, "inbound__reply.multipart")
    response = post_webhook(channel, body, content_type=CONTENT_TYPE, headers=headers)
    assert response.status_code == 403
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)


def test_raw_mime_with_an_unknown_charset_is_decoded_safely(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    body = fixture_bytes(HERE, "inbound__raw_unknown_charset.multipart")
    [message] = check_webhook(
        channel,
        body,
        mail.basic_signer,
        content_type=CONTENT_TYPE,
        capture=django_capture_on_commit_callbacks,
    )
    assert message.body_text == "Grüße, die Lieferung fehlt."
    assert message.ticket.subject == "Rückfrage"
    assert message.metadata["sender"]["value"] == "joerg@kunde.example"


def test_malformed_form_with_valid_auth_is_kept_as_a_failed_event(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    body = b'--xYzZY\r\nContent-Disposition: form-data; name="nothing"\r\n\r\nx\r\n--xYzZY--\r\n'
    messages = check_webhook(
        channel,
        body,
        mail.basic_signer,
        content_type=CONTENT_TYPE,
        capture=django_capture_on_commit_callbacks,
    )
    assert messages == []
    with tenant_scope(channel.tenant):
        event = InboundEvent.objects.get()
    assert event.state == "failed"
    assert event.last_error.startswith("NormalizeError: Malformed sendgrid inbound payload")
