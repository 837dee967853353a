"""Bad input on the email webhooks: clear 4xx and nothing stored, or a safe message; never 500."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from channels_ingest.adapters.registry import adapter_for
from channels_ingest.models import Channel, InboundEvent
from channels_ingest.selectors import channel_context
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests import email_harness as mail
from tests.seats import Seat
from tests.webhooks import check_webhook, post_webhook

POSTMARK = Path(__file__).resolve().parents[1] / "channels_ingest/adapters/postmark/fixtures"


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    return mail.email_channel(
        seat_a.tenant, "postmark", server_token="t", webhook_secret=mail.WEBHOOK_SECRET
    )


def stored(channel: Channel) -> tuple[int, int]:
    with tenant_scope(channel.tenant):
        return InboundEvent.objects.count(), Message.objects.count()


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b""])
def test_malformed_json_with_valid_auth_is_400(channel: Channel, body: bytes) -> None:
    response = post_webhook(channel, body, headers=mail.basic_auth())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_payload"
    assert stored(channel) == (0, 0)


def test_bodies_over_25_mb_are_413(channel: Channel) -> None:
    body = b'{"pad": "' + b"x" * (25 * 1024 * 1024) + b'"}'
    response = post_webhook(channel, body, headers=mail.basic_auth())
    assert response.status_code == 413
    assert stored(channel) == (0, 0)


def test_a_tracking_event_on_the_inbound_url_is_kept_as_failed_not_a_500(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    body = json.dumps({"RecordType": "Bounce", "ID": 42, "Email": "x@example.com"}).encode()
    assert (
        check_webhook(channel, body, mail.basic_signer, capture=django_capture_on_commit_callbacks)
        == []
    )
    with tenant_scope(channel.tenant):
        event = InboundEvent.objects.get()
    assert event.state == "failed"
    assert event.last_error.startswith("NormalizeError: Not an inbound email event")


def test_ten_megabyte_attachments_keep_the_message(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    payload = json.loads((POSTMARK / "inbound__reply.json").read_bytes())
    payload["MessageID"] = "big-one"
    payload["Headers"] = [h for h in payload["Headers"] if h["Name"] != "Message-ID"]
    payload["Attachments"] = [
        {
            "Name": "scan.tif",
            "Content": base64.b64encode(b"I" * (10 * 1024 * 1024 + 10)).decode(),
            "ContentType": "image/tiff",
            "ContentLength": 10 * 1024 * 1024 + 10,
        },
        {
            "Name": "ok.txt",
            "Content": base64.b64encode(b"fine").decode(),
            "ContentType": "text/plain",
            "ContentLength": 4,
        },
    ]
    [message] = check_webhook(
        channel,
        json.dumps(payload).encode(),
        mail.basic_signer,
        capture=django_capture_on_commit_callbacks,
    )
    assert message.body_text == (
        f"{mail.REPLY_TEXT}\n\n"
        "[The attachment scan.tif (10.0 MB) is over the 10 MB limit and was left out.]"
    )
    with tenant_scope(channel.tenant):
        assert [a.filename for a in message.attachments.all()] == ["ok.txt"]


def test_sign_fixture_signs_like_the_provider(channel: Channel) -> None:
    adapter = adapter_for("postmark")
    body = (POSTMARK / "inbound__reply.json").read_bytes()
    with tenant_scope(channel.tenant):
        context = channel_context(channel)
    headers = adapter.sign_fixture(context, "", body)  # type: ignore[union-attr]
    response = post_webhook(channel, body, headers=headers)
    assert response.status_code == 200
    assert stored(channel) == (1, 0)


@pytest.mark.parametrize(
    "provider,config,field",
    [
        ("postmark", {"webhook_secret": "no-colon"}, "config.webhook_secret"),
        ("postmark", {}, "config.webhook_secret"),
        ("mailgun", {"webhook_signing_key": "k", "address": "not an address"}, "config.address"),
    ],
)
def test_channel_config_refusals(
    seat_a: Seat, provider: str, config: dict[str, str], field: str
) -> None:
    body = {
        "kind": "email",
        "provider": provider,
        "name": "Support",
        "config": {"address": "support@help.example.com", **config},
    }
    response = seat_a.client().post("/api/v1/channels/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    with tenant_scope(seat_a.tenant):
        assert Channel.objects.count() == 0


def test_secrets_are_never_returned(seat_a: Seat) -> None:
    body = {
        "kind": "email",
        "provider": "mailgun",
        "name": "Support",
        "config": {
            "address": "support@help.example.com",
            "api_key": "key-123",
            "sender_domain": "help.example.com",
            "webhook_signing_key": "sign-123",
        },
    }
    response = seat_a.client().post("/api/v1/channels/", body, format="json")
    assert response.status_code == 201, response.content
    text = response.content.decode()
    assert "key-123" not in text and "sign-123" not in text
    assert response.json()["webhook_urls"]["inbound"].endswith("/inbound/")


def test_secrets_are_per_channel(seat_a: Seat, seat_b: Seat) -> None:
    """Channel A's credentials never open channel B's webhook, even for the same ESP."""
    ours = mail.email_channel(
        seat_a.tenant, "postmark", server_token="t", webhook_secret="user-a:password-a"
    )
    theirs = mail.email_channel(
        seat_b.tenant, "postmark", server_token="t", webhook_secret="user-b:password-b"
    )
    body = (POSTMARK / "inbound__reply.json").read_bytes()
    response = post_webhook(theirs, body, headers=mail.basic_auth("user-a:password-a"))
    assert response.status_code == 403
    assert post_webhook(ours, body, headers=mail.basic_auth("user-a:password-a")).status_code == 200
    assert (stored(ours), stored(theirs)) == ((1, 0), (0, 0))
