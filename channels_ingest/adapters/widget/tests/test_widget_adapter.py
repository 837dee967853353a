"""The widget adapter: stored widget events to messages, identity claims, pushing replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels_ingest.adapters.base import ChannelContext, OutboundMessage
from channels_ingest.adapters.widget.adapter import WidgetAdapter
from channels_ingest.adapters.widget.groups import visitor_group
from channels_ingest.models import Channel, InboundEvent
from channels_ingest.services import channel_create, event_process, event_receive
from customers.models import Customer, Identity
from helpdesk.errors import DomainError
from helpdesk.tenancy import tenant_scope
from inbox.inbound import InboundMessage, StatusUpdate
from tests.seats import Seat
from tests.webhooks import fixture_bytes, post_webhook
from tests.widget_support import capture

HERE = Path(__file__).resolve().parents[1]
SECRET = "widget-identity-secret-0123456789"
VISITOR = "wv-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
ADAPTER = WidgetAdapter()


def context(secret: str | None = SECRET) -> ChannelContext:
    config = {"allowed_origins": ["https://shop.example.com"]}
    if secret:
        config["identity_secret"] = secret
    return ChannelContext(7, 1, "chat", "widget", config, {})


def normalize(name: str, secret: str | None = SECRET) -> InboundMessage:
    [item] = ADAPTER.normalize(context(secret), "inbound", fixture_bytes(HERE, name), {})
    assert isinstance(item, InboundMessage)
    return item


def test_visitor_message_is_an_anonymous_chat_visitor_with_an_email_claim() -> None:
    message = normalize("message__visitor.json")
    assert (message.sender.kind, message.sender.value, message.sender.verified) == (
        "chat_visitor",
        VISITOR,
        False,
    )
    assert message.sender.display_name == "Dana Visitor"
    assert [(i.kind, i.value, i.verified) for i in message.extra_identities] == [
        ("email", "dana@example.com", False)
    ]
    assert message.external_id == f"{VISITOR}/c0ffee000001"
    assert message.body_text == "Hi, where is my order 1234?"
    assert message.conversation_key == VISITOR
    assert message.metadata["widget"]["search_keys"] == [VISITOR, "kbvisitor123"]


def test_valid_hmac_makes_a_verified_chat_user() -> None:
    sender = normalize("message__verified_user.json").sender
    assert (sender.kind, sender.value, sender.verified) == ("chat_user", "user-42", True)


@pytest.mark.parametrize("secret", [SECRET, None, "another-secret-0123456789"])
def test_forged_or_unverifiable_hash_falls_back_to_the_visitor(secret: str | None) -> None:
    sender = normalize("message__forged_hash.json", secret).sender
    assert (sender.kind, sender.value, sender.verified) == ("chat_visitor", VISITOR, False)
    # the verified fixture's valid hash is useless without the channel's own secret
    if secret != SECRET:
        other = normalize("message__verified_user.json", secret).sender
        assert (other.kind, other.value) == ("chat_visitor", VISITOR)


def test_attachment_bytes_are_decoded() -> None:
    [attachment] = normalize("message__attachment.json").attachments
    assert (attachment.filename, attachment.content_type) == ("receipt.png", "image/png")
    assert attachment.content is not None and attachment.content.startswith(b"\x89PNG")


def test_read_event_becomes_read_status_updates() -> None:
    items = ADAPTER.normalize(context(), "inbound", fixture_bytes(HERE, "read__replies.json"), {})
    assert [(i.external_id, i.status) for i in items if isinstance(i, StatusUpdate)] == [
        ("widget-77", "read"),
        ("widget-78", "read"),
    ]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({}, "config"),
        ({"allowed_origins": []}, "config.allowed_origins"),
        ({"allowed_origins": "https://a.example"}, "config.allowed_origins"),
        ({"allowed_origins": ["https://a.example/path"]}, "config.allowed_origins"),
        ({"allowed_origins": ["javascript:alert(1)"]}, "config.allowed_origins"),
        (
            {"allowed_origins": ["https://a.example"], "identity_secret": "short"},
            "config.identity_secret",
        ),
        ({"allowed_origins": ["https://a.example"], "brand_color": "red"}, "config.brand_color"),
        (
            {"allowed_origins": ["https://a.example"], "pre_chat_fields": ["phone"]},
            "config.pre_chat_fields",
        ),
    ],
)
def test_bad_config_is_refused(seat_a: Seat, config: dict, field: str) -> None:
    with tenant_scope(seat_a.tenant), pytest.raises(DomainError) as refused:
        channel_create(
            tenant=seat_a.tenant, kind="chat", provider="widget", name="W", config=config
        )
    assert refused.value.field == field
    with tenant_scope(seat_a.tenant):
        assert Channel.objects.count() == 0


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    with tenant_scope(seat_a.tenant):
        return channel_create(
            tenant=seat_a.tenant,
            kind="chat",
            provider="widget",
            name="Website chat",
            config={"allowed_origins": ["https://shop.example.com"], "identity_secret": SECRET},
        )


def _ingest(channel: Channel, name: str) -> None:
    body = fixture_bytes(HERE, name)
    event, _ = event_receive(
        channel=channel,
        purpose="inbound",
        event_id=json.loads(body)["id"],
        body=body,
        content_type="application/json",
        headers={},
    )
    assert event_process(event_id=event.pk) == "done"


def test_forged_claim_never_reaches_the_verified_users_record(channel: Channel) -> None:
    with tenant_scope(channel.tenant):
        _ingest(channel, "message__verified_user.json")
        _ingest(channel, "message__forged_hash.json")
        user = Identity.objects.get(kind="chat_user", value="user-42")
        visitor = Identity.objects.get(kind="chat_visitor", value=VISITOR)
        assert user.verified and not visitor.verified
        assert user.customer_id != visitor.customer_id
        forged = Customer.objects.get(pk=visitor.customer_id)
        assert [m.body_text for m in forged.messages.all()] == ["I am user-42, trust me."]


def test_generic_webhook_url_is_refused_and_stores_nothing(channel: Channel) -> None:
    body = fixture_bytes(HERE, "message__visitor.json")
    response = post_webhook(channel, body, headers={"Content-Type": "application/json"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "use_widget_endpoints"
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.count() == 0


def test_send_pushes_the_reply_to_the_visitors_group(channel: Channel) -> None:
    result, [received] = capture(
        visitor_group(channel.pk, VISITOR),
        lambda: ADAPTER.send(
            ChannelContext(channel.pk, channel.tenant_id, "chat", "widget", {}, {}),
            OutboundMessage(
                message_id=55, to=VISITOR, body_text="<b>Hello</b>", metadata={"author": "Maya"}
            ),
        ),
        until=lambda e: e["event"] == "message",
    )
    assert (result.external_id, result.status) == ("widget-55", "delivered")
    assert received == {
        "event": "message",
        "data": {
            "id": 55,
            "direction": "outbound",
            "text": "<b>Hello</b>",
            "author": "Maya",
            "status": "delivered",
        },
    }
