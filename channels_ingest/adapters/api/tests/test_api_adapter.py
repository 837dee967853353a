"""The generic api channel through the real webhook URL, signed like a custom source signs."""

from pathlib import Path

import pytest

from channels_ingest.adapters.api.adapter import sign
from channels_ingest.models import Channel, InboundEvent
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests.factories import ChannelFactory
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]
SECRET = "a-shared-secret-of-32-characters!"


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    with tenant_scope(seat_a.tenant):
        return ChannelFactory(tenant=seat_a.tenant, config={"secret": SECRET})


def signer(url: str, body: bytes) -> dict[str, str]:
    return {"X-Helpdesk-Signature": sign(SECRET, body)}


def test_message_becomes_a_ticket(channel: Channel, django_capture_on_commit_callbacks) -> None:
    body = fixture_bytes(HERE, "message__basic.json")
    [message] = check_webhook(channel, body, signer, capture=django_capture_on_commit_callbacks)
    assert (message.body_text, message.external_id, message.channel_kind) == (
        "My order 1234 has not arrived yet.",
        "evt-1001",
        "api",
    )
    assert message.ticket.subject == "Order 1234 missing"
    assert message.customer.name == "Jo Customer"
    with tenant_scope(channel.tenant):
        assert [(i.kind, i.value) for i in message.customer.identities.all()] == [
            ("email", "jo.customer@example.com")
        ]


def test_redelivery_is_acknowledged_and_changes_nothing(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    body = fixture_bytes(HERE, "message__basic.json")
    check_webhook(channel, body, signer, capture=django_capture_on_commit_callbacks)
    again = check_webhook(channel, body, signer, capture=django_capture_on_commit_callbacks)
    assert again == []
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (1, 1)


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Helpdesk-Signature": "sha256=" + "0" * 64}, {"X-Helpdesk-Signature": "garbage"}],
)
def test_bad_or_missing_signature_is_403_and_stores_nothing(channel: Channel, headers) -> None:
    response = post_webhook(channel, fixture_bytes(HERE, "message__basic.json"), headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_signature"
    with tenant_scope(channel.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)


def test_malformed_body_is_400_and_stores_nothing(channel: Channel) -> None:
    for body in (b"{not json", b'{"no": "id"}', b"[1, 2]"):
        response = post_webhook(channel, body, headers=signer("", body))
        assert response.status_code == 400, body
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.count() == 0


def test_status_report_moves_delivery_forward_only(
    channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    [inbound] = check_webhook(
        channel,
        fixture_bytes(HERE, "message__basic.json"),
        signer,
        capture=django_capture_on_commit_callbacks,
    )
    with tenant_scope(channel.tenant):
        reply = Message.objects.create(
            tenant=channel.tenant,
            ticket=inbound.ticket,
            direction="outbound",
            channel_kind="api",
            channel_id=channel.pk,
            external_id="hd-55",
            status="read",
        )
    check_webhook(
        channel,
        fixture_bytes(HERE, "status__delivered.json"),
        signer,
        capture=django_capture_on_commit_callbacks,
    )
    with tenant_scope(channel.tenant):
        reply.refresh_from_db()
    assert reply.status == "read"  # delivered arrived late: read stays
