"""Messenger and Instagram webhooks through the real URL with Meta's X-Hub-Signature-256."""

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from channels_ingest.adapters import media
from channels_ingest.adapters.meta.adapter import sign
from channels_ingest.models import Channel, EventState, InboundEvent
from customers.models import Identity
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests.factories import ChannelFactory
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]
APP_SECRET = "5e1d7c3b9a8f6e4d2c1b0a9f8e7d6c5b"
PAGE_ID, INSTAGRAM_ID = "104213382310476", "17841405309211844"
SECRETS = {"app_secret": APP_SECRET, "verify_token": "vt-1", "access_token": "EAAP-page-token"}
AGENT_MID = "m_AGENTreply000000000000000000000000000000000000000000000000000000000001"


def make_channel(seat: Seat, kind: str) -> Channel:
    own = {"page_id": PAGE_ID} if kind == "messenger" else {"instagram_id": INSTAGRAM_ID}
    with tenant_scope(seat.tenant):
        return ChannelFactory(
            tenant=seat.tenant, kind=kind, provider="meta", config={**SECRETS, **own}
        )


@pytest.fixture
def messenger(seat_a: Seat) -> Channel:
    return make_channel(seat_a, "messenger")


@pytest.fixture
def instagram(seat_a: Seat) -> Channel:
    return make_channel(seat_a, "instagram")


def signer(url: str, body: bytes) -> dict[str, str]:
    return {"X-Hub-Signature-256": sign(APP_SECRET, body)}


def post_fixture(channel: Channel, name: str, capture) -> list[Message]:
    return check_webhook(channel, fixture_bytes(HERE, name), signer, capture=capture)


def last_state(channel: Channel) -> str:
    with tenant_scope(channel.tenant):
        return str(InboundEvent.objects.order_by("-id").values_list("state", flat=True)[0])


def test_messenger_text_from_a_page_scoped_id(
    messenger: Channel, django_capture_on_commit_callbacks
) -> None:
    [message] = post_fixture(
        messenger, "messenger_text__basic.json", django_capture_on_commit_callbacks
    )
    assert (message.body_text, message.channel_kind, message.external_id) == (
        "Can I change the delivery address?",
        "messenger",
        "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
    )
    assert message.metadata["sender"] == {"kind": "messenger", "value": "6843210987654321"}
    with tenant_scope(messenger.tenant):
        assert list(Identity.objects.values_list("kind", "value", "verified")) == [
            ("messenger", "6843210987654321", True)
        ]


def test_messenger_reply_joins_the_open_conversation_and_names_the_quoted_message(
    messenger: Channel, django_capture_on_commit_callbacks
) -> None:
    [first] = post_fixture(
        messenger, "messenger_text__basic.json", django_capture_on_commit_callbacks
    )
    [reply] = post_fixture(
        messenger, "messenger_text__reply_to.json", django_capture_on_commit_callbacks
    )
    assert reply.ticket_id == first.ticket_id
    assert (reply.body_text, reply.metadata["reply_to"]) == ("Yes, flat 2 please", AGENT_MID)


class FakeResponse:
    """Just enough of requests.Response for a streamed CDN download."""

    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self.status_code, self._body = status, body
        self.headers = {"content-type": content_type, "content-length": str(len(body))}
        self.is_redirect = False

    def iter_content(self, size: int) -> list[bytes]:
        return [self._body]

    def __enter__(self) -> "FakeResponse":
        return self

    def __exit__(self, *args: Any) -> None:
        return None


def test_messenger_image_is_downloaded_from_meta_cdn_without_the_token(
    messenger: Channel, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    calls: list[tuple[str, dict[str, str]]] = []

    def fake_get(url: str, **kwargs: Any) -> FakeResponse:
        calls.append((url, kwargs["headers"]))
        return FakeResponse(200, b"\x89PNG\r\n\x1a\nshot", "image/png")

    monkeypatch.setattr(media.requests, "get", fake_get)
    [message] = post_fixture(
        messenger, "messenger_image__attachment.json", django_capture_on_commit_callbacks
    )
    assert message.body_text == "[image]"
    assert calls == [
        (
            "https://scontent.xx.fbcdn.net/v/t1.15752-9/468123456_1122334455_n.jpg"
            "?_nc_cat=104&ccb=1-7&oh=00_AYB&oe=6741A2B3",
            {},
        )
    ]
    assert "media_unavailable" not in message.metadata


def test_a_cdn_outage_is_retried(
    messenger: Channel, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    def refused(url: str, **kwargs: Any) -> FakeResponse:
        raise requests.ConnectionError("connection refused")

    monkeypatch.setattr(media.requests, "get", refused)
    assert (
        post_fixture(
            messenger, "messenger_image__attachment.json", django_capture_on_commit_callbacks
        )
        == []
    )
    assert last_state(messenger) == EventState.RETRY


@pytest.mark.parametrize(
    "fixture",
    [
        "messenger_echo__is_echo.json",
        "messenger_reaction__love.json",
        "messenger_read__watermark.json",
    ],
)
def test_echoes_reactions_and_watermark_reads_are_ignored(
    messenger: Channel, django_capture_on_commit_callbacks, fixture: str
) -> None:
    assert post_fixture(messenger, fixture, django_capture_on_commit_callbacks) == []
    assert last_state(messenger) == EventState.IGNORED


def test_postback_reads_as_the_button_title(
    messenger: Channel, django_capture_on_commit_callbacks
) -> None:
    [message] = post_fixture(
        messenger, "messenger_postback__get_started.json", django_capture_on_commit_callbacks
    )
    assert (message.body_text, message.metadata["postback"]) == ("Get Started", "GET_STARTED")


def _agent_reply(channel: Channel, external_id: str) -> Message:
    [inbound] = Message.objects.all()
    return Message.objects.create(
        tenant=channel.tenant,
        ticket=inbound.ticket,
        direction="outbound",
        channel_kind=channel.kind,
        channel_id=channel.pk,
        external_id=external_id,
        status="sent",
    )


def test_messenger_delivery_marks_our_reply_delivered(
    messenger: Channel, django_capture_on_commit_callbacks
) -> None:
    post_fixture(messenger, "messenger_text__basic.json", django_capture_on_commit_callbacks)
    with tenant_scope(messenger.tenant):
        reply = _agent_reply(messenger, AGENT_MID)
    post_fixture(messenger, "messenger_delivery__mids.json", django_capture_on_commit_callbacks)
    with tenant_scope(messenger.tenant):
        reply.refresh_from_db()
    assert reply.status == "delivered"


def test_instagram_dm_and_read_receipt(
    instagram: Channel, django_capture_on_commit_callbacks
) -> None:
    [message] = post_fixture(
        instagram, "instagram_text__basic.json", django_capture_on_commit_callbacks
    )
    assert (message.body_text, message.channel_kind, message.metadata["sender"]) == (
        "Do you ship to Ireland?",
        "instagram",
        {"kind": "instagram", "value": "1782394876123456"},
    )
    receipt = json.loads(fixture_bytes(HERE, "instagram_read__mid.json"))
    read_mid = receipt["entry"][0]["messaging"][0]["read"]["mid"]
    with tenant_scope(instagram.tenant):
        reply = _agent_reply(instagram, read_mid)
    post_fixture(instagram, "instagram_read__mid.json", django_capture_on_commit_callbacks)
    with tenant_scope(instagram.tenant):
        reply.refresh_from_db()
    assert reply.status == "read"


def test_instagram_unsupported_message_becomes_a_placeholder(
    instagram: Channel, django_capture_on_commit_callbacks
) -> None:
    [message] = post_fixture(
        instagram, "instagram_unsupported__is_unsupported.json", django_capture_on_commit_callbacks
    )
    assert message.body_text == "[unsupported instagram message]"
    assert message.metadata["unsupported"] is True


def test_an_instagram_body_on_a_messenger_channel_is_ignored(
    messenger: Channel, django_capture_on_commit_callbacks
) -> None:
    assert (
        post_fixture(messenger, "instagram_text__basic.json", django_capture_on_commit_callbacks)
        == []
    )
    assert last_state(messenger) == EventState.IGNORED


def test_messenger_signature_is_checked_on_raw_bytes(messenger: Channel) -> None:
    raw = fixture_bytes(HERE, "messenger_text__basic.json")
    response = post_webhook(messenger, raw + b" ", headers=signer("", raw))
    assert response.status_code == 403
    with tenant_scope(messenger.tenant):
        assert (InboundEvent.objects.count(), Message.objects.count()) == (0, 0)


def test_instagram_story_reply_names_the_story(
    instagram: Channel, django_capture_on_commit_callbacks
) -> None:
    [message] = post_fixture(
        instagram, "instagram_story_reply__text.json", django_capture_on_commit_callbacks
    )
    assert message.body_text == "[reply to a story]\nIs this jacket still in stock?"
    assert message.metadata["story"] == {
        "id": "17902345678901234",
        "url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17902345678901234&signature=AbXyZ",
    }
    assert "reply_to" not in message.metadata
