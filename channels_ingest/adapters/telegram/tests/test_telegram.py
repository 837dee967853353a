"""Telegram updates through the real URL with the secret-token header, and sendMessage replies
against a loopback Bot API double."""

import json
from pathlib import Path

import pytest

from channels_ingest.adapters.base import ChannelContext, DeliveryError, OutboundMessage
from channels_ingest.adapters.telegram.adapter import TelegramAdapter
from channels_ingest.models import Channel, EventState, InboundEvent
from customers.models import Identity
from helpdesk.tenancy import tenant_scope
from inbox.models import Message, Ticket
from tests.factories import ChannelFactory
from tests.http_double import http_double
from tests.http_routes import routed_double
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]
BOT_TOKEN = "7012345678:AAHk3v9Qx2LrT8mN4pW6yZ1bC5dF7gJ0sUe"
SECRET_TOKEN = "tg-webhook-secret_42"
CONFIG = {"bot_token": BOT_TOKEN, "secret_token": SECRET_TOKEN}


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    with tenant_scope(seat_a.tenant):
        return ChannelFactory(
            tenant=seat_a.tenant, kind="telegram", provider="telegram", config=dict(CONFIG)
        )


def signer(url: str, body: bytes) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN}


def post_fixture(channel: Channel, name: str, capture) -> list[Message]:
    return check_webhook(channel, fixture_bytes(HERE, name), signer, capture=capture)


def use_api(channel: Channel, base_url: str) -> None:
    with tenant_scope(channel.tenant):
        Channel.objects.filter(pk=channel.pk).update(config={**CONFIG, "api_base_url": base_url})
    channel.refresh_from_db()


def counts(channel: Channel) -> tuple[int, int]:
    with tenant_scope(channel.tenant):
        return InboundEvent.objects.count(), Message.objects.count()


def test_private_message_opens_a_ticket_for_the_telegram_user(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    [message] = post_fixture(channel, "message__text.json", django_capture_on_commit_callbacks)
    assert (message.body_text, message.external_id, message.channel_kind) == (
        "Hallo! Meine Bestellung 5521 ist noch nicht da.",
        "501234567:412",
        "telegram",
    )
    assert message.customer.name == "Lena Vogel"
    assert message.metadata["sender"] == {"kind": "telegram", "value": "501234567"}
    with tenant_scope(channel.tenant):
        assert list(Identity.objects.values_list("kind", "value", "verified")) == [
            ("telegram", "501234567", True)
        ]
        event = InboundEvent.objects.get()
    assert event.provider_event_id == "730114201"


def test_a_redelivered_update_changes_nothing(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    post_fixture(channel, "message__text.json", django_capture_on_commit_callbacks)
    assert post_fixture(channel, "message__text.json", django_capture_on_commit_callbacks) == []
    assert counts(channel) == (1, 1)


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Telegram-Bot-Api-Secret-Token": "tg-webhook-secret_43"}, {"X-Other": SECRET_TOKEN}],
)
def test_missing_or_wrong_secret_token_is_403_and_stores_nothing(
    channel: Channel, headers: dict[str, str]
) -> None:
    response = post_webhook(channel, fixture_bytes(HERE, "message__text.json"), headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "bad_signature")
    assert counts(channel) == (0, 0)


@pytest.mark.parametrize(
    "body", [b"nope", b"[]", b'{"message": {}}', b'{"update_id": "12"}', b'{"update_id": true}']
)
def test_malformed_update_is_400_and_stores_nothing(channel: Channel, body: bytes) -> None:
    response = post_webhook(channel, body, headers=signer("", body))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_payload")
    assert counts(channel) == (0, 0)


def test_photo_takes_the_largest_size_from_the_bot_api_host(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    with routed_double() as api:
        api.route(
            f"/bot{BOT_TOKEN}/getFile",
            body={"ok": True, "result": {"file_id": "x", "file_path": "photos/file_7.jpg"}},
        )
        api.route(
            f"/file/bot{BOT_TOKEN}/photos/file_7.jpg", body=b"\xff\xd8\xffjpeg", ctype="image/jpeg"
        )
        use_api(channel, api.base_url)
        [message] = post_fixture(
            channel, "message__photo_caption.json", django_capture_on_commit_callbacks
        )
    assert message.body_text == "So sah das Paket aus"
    assert [r.path for r in api.requests] == [
        f"/bot{BOT_TOKEN}/getFile?file_id=AgACAgIAAxkBAAIBnWdaBc1large000000000000000000000000000000AAQ",
        f"/file/bot{BOT_TOKEN}/photos/file_7.jpg",
    ]
    assert "media_unavailable" not in message.metadata


def test_normalize_returns_the_downloaded_document(channel: Channel) -> None:
    with routed_double() as api:
        api.route(
            f"/bot{BOT_TOKEN}/getFile",
            body={"ok": True, "result": {"file_path": "documents/file_3.pdf", "file_size": 9}},
        )
        api.route(f"/file/bot{BOT_TOKEN}/documents/", body=b"%PDF-1.7\n", ctype="application/pdf")
        ctx = ChannelContext(
            id=channel.pk,
            tenant_id=channel.tenant_id,
            kind="telegram",
            provider="telegram",
            config={**CONFIG, "api_base_url": api.base_url},
            webhook_urls={},
        )
        [message] = TelegramAdapter().normalize(
            ctx, "inbound", fixture_bytes(HERE, "message__document.json"), {}
        )
    assert message.body_text == "[document: Rechnung-5521.pdf]"
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type, attachment.content) == (
        "Rechnung-5521.pdf",
        "application/pdf",
        b"%PDF-1.7\n",
    )


def test_a_file_telegram_no_longer_has_keeps_the_message(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    with routed_double() as api:
        api.route(
            f"/bot{BOT_TOKEN}/getFile",
            status=400,
            body={"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
        )
        use_api(channel, api.base_url)
        [voice] = post_fixture(channel, "message__voice.json", django_capture_on_commit_callbacks)
        [sticker] = post_fixture(
            channel, "message__sticker.json", django_capture_on_commit_callbacks
        )
    assert (voice.body_text, sticker.body_text) == ("[voice message]", "[sticker]")
    assert voice.metadata["media_unavailable"][0]["reason"].endswith("the provider answered 400")
    assert BOT_TOKEN not in json.dumps(voice.metadata)


def test_a_bot_api_outage_is_retried_without_leaking_the_token(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    use_api(channel, "http://127.0.0.1:9")
    assert post_fixture(channel, "message__voice.json", django_capture_on_commit_callbacks) == []
    with tenant_scope(channel.tenant):
        event = InboundEvent.objects.get()
    assert event.state == EventState.RETRY
    assert "unreachable" in event.last_error and BOT_TOKEN not in event.last_error


def test_reply_and_edit_point_at_the_original_and_never_duplicate(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    [first] = post_fixture(channel, "message__text.json", django_capture_on_commit_callbacks)
    [reply] = post_fixture(channel, "message__reply.json", django_capture_on_commit_callbacks)
    assert (reply.body_text, reply.metadata["reply_to"], reply.ticket_id) == (
        "Es ist 5521.",
        "501234567:416",
        first.ticket_id,
    )
    [edit] = post_fixture(channel, "edited_message__text.json", django_capture_on_commit_callbacks)
    assert (edit.body_text, edit.external_id, edit.metadata["edit_of"]) == (
        "[edited] Hallo! Meine Bestellung 5522 ist noch nicht da.",
        "501234567:412:edit:1795169100",
        "501234567:412",
    )
    assert (
        post_fixture(channel, "edited_message__text.json", django_capture_on_commit_callbacks) == []
    )
    first.refresh_from_db()
    assert first.body_text == "Hallo! Meine Bestellung 5521 ist noch nicht da."


@pytest.mark.parametrize(
    "fixture",
    ["channel_post__announcement.json", "message__group_chat.json", "my_chat_member__blocked.json"],
)
def test_channel_posts_groups_and_other_updates_are_acknowledged_and_ignored(
    channel: Channel, django_capture_on_commit_callbacks, fixture: str
) -> None:
    assert post_fixture(channel, fixture, django_capture_on_commit_callbacks) == []
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.get().state == EventState.IGNORED
        assert Ticket.objects.count() == 0


def test_reply_loop_goes_out_through_send_message(
    channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    [inbound] = post_fixture(channel, "message__text.json", django_capture_on_commit_callbacks)
    answer = {"ok": True, "result": {"message_id": 416, "chat": {"id": 501234567}, "date": 1}}
    with http_double(reply=answer) as api:
        use_api(channel, api.base_url)
        with django_capture_on_commit_callbacks(execute=True):
            response = seat_a.client().post(
                f"/api/v1/tickets/{inbound.ticket_id}/messages/",
                {"body": "Wir prüfen das sofort."},
                format="json",
            )
    assert response.status_code == 201, response.content
    [sent] = api.requests
    assert (sent.method, sent.path) == ("POST", f"/bot{BOT_TOKEN}/sendMessage")
    assert sent.json() == {"chat_id": "501234567", "text": "Wir prüfen das sofort."}
    with tenant_scope(channel.tenant):
        reply = Message.objects.get(pk=response.json()["id"])
    assert (reply.status, reply.external_id) == ("sent", "501234567:416")


def context(base_url: str) -> ChannelContext:
    return ChannelContext(
        id=1,
        tenant_id=1,
        kind="telegram",
        provider="telegram",
        config={**CONFIG, "api_base_url": base_url},
        webhook_urls={},
    )


@pytest.mark.parametrize(
    ("status", "answer", "retryable", "text"),
    [
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
            True,
            "retry after 7 s",
        ),
        (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, True, "502"),
        (
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
            False,
            "blocked",
        ),
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            False,
            "chat not found",
        ),
    ],
)
def test_send_errors_are_retryable_or_terminal(
    status: int, answer: dict, retryable: bool, text: str
) -> None:
    with (
        http_double(status=status, reply=answer) as api,
        pytest.raises(DeliveryError) as caught,
    ):
        TelegramAdapter().send(context(api.base_url), OutboundMessage(1, "501234567", "Hi"))
    assert caught.value.retryable is retryable
    assert text in str(caught.value)
    assert BOT_TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    "answer", [{"ok": True}, {"ok": True, "result": {"chat": {"id": 5}}}, {"ok": False}, [1]]
)
def test_an_answer_without_a_message_id_fails_clearly(answer: object) -> None:
    with (
        http_double(reply=answer) as api,
        pytest.raises(DeliveryError, match="returned no") as caught,
    ):
        TelegramAdapter().send(context(api.base_url), OutboundMessage(1, "501234567", "Hi"))
    assert caught.value.retryable is False


def test_a_channel_without_a_bot_token_fails_for_good() -> None:
    incomplete = ChannelContext(1, 1, "telegram", "telegram", {}, {})
    with pytest.raises(DeliveryError, match="missing bot_token") as caught:
        TelegramAdapter().send(incomplete, OutboundMessage(1, "501234567", "Hi"))
    assert caught.value.retryable is False


def test_unreachable_bot_api_is_retryable_and_the_token_stays_out_of_the_error() -> None:
    with pytest.raises(DeliveryError) as caught:
        TelegramAdapter().send(context("http://127.0.0.1:9"), OutboundMessage(1, "501234567", "Hi"))
    assert caught.value.retryable is True
    assert BOT_TOKEN not in str(caught.value)


def test_channels_api_validates_telegram_config(seat_a: Seat) -> None:
    client = seat_a.client()
    created = client.post(
        "/api/v1/channels/",
        {"kind": "telegram", "provider": "telegram", "name": "Bot", "config": dict(CONFIG)},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["config"] == {"bot_token": {"set": True}, "secret_token": {"set": True}}
    for config, field in [
        ({"bot_token": BOT_TOKEN}, "config"),
        ({**CONFIG, "secret_token": "has spaces"}, "config.secret_token"),
        ({**CONFIG, "bot_token": "not-a-token"}, "config.bot_token"),
        ({**CONFIG, "api_base_url": "ftp://x"}, "config.api_base_url"),
    ]:
        response = client.post(
            "/api/v1/channels/",
            {"kind": "telegram", "provider": "telegram", "name": "Bot", "config": config},
            format="json",
        )
        assert response.status_code == 400, config
        assert field in response.json()["error"]["fields"], (config, response.json())
    with tenant_scope(seat_a.tenant):
        assert Channel.objects.count() == 1


def test_sign_fixture_gives_the_secret_token_header(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    body = fixture_bytes(HERE, "message__text.json")
    headers = TelegramAdapter().sign_fixture(context(""), "", body)
    assert headers == {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN,
    }
    [message] = check_webhook(
        channel, body, lambda url, b: headers, capture=django_capture_on_commit_callbacks
    )
    assert message.external_id == "501234567:412"


@pytest.mark.parametrize(
    ("update", "stored"),
    [
        ({"message": "text"}, []),
        ({"message": {"chat": [], "from": 5}}, []),
        (
            {"message": {"message_id": 9, "chat": {"id": 5, "type": "private"}, "from": {"id": 5}}},
            ["[unsupported Telegram message]"],
        ),
        (
            {
                "message": {
                    "message_id": 10,
                    "chat": {"id": 5, "type": "private"},
                    "from": {"id": 5, "first_name": ["x"]},
                    "photo": 3,
                    "date": "soon",
                    "text": {"not": "text"},
                }
            },
            ["[unsupported Telegram message]"],
        ),
    ],
)
def test_odd_shapes_never_fail(
    channel: Channel, django_capture_on_commit_callbacks, update: dict, stored: list[str]
) -> None:
    body = json.dumps({"update_id": 99, **update}).encode()
    messages = check_webhook(channel, body, signer, capture=django_capture_on_commit_callbacks)
    assert [m.body_text for m in messages] == stored
    with tenant_scope(channel.tenant):
        assert InboundEvent.objects.get().state in (EventState.DONE, EventState.IGNORED)
