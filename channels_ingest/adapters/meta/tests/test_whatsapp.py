"""WhatsApp Cloud API webhooks through the real URL, signed with the app secret like Meta signs."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels_ingest.adapters.meta.adapter import sign
from channels_ingest.models import Channel, EventState, InboundEvent
from customers.models import Identity
from helpdesk.tenancy import tenant_scope
from inbox.models import Message, Ticket
from tests.factories import ChannelFactory
from tests.http_routes import routed_double
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes, post_webhook

HERE = Path(__file__).resolve().parents[1]
APP_SECRET = "0f3b8c1e2d4a5b6c7d8e9f0a1b2c3d4e"
CONFIG = {
    "app_secret": APP_SECRET,
    "verify_token": "verify-me-7f2c9",
    "access_token": "EAAG-test-access-token",
    "phone_number_id": "106540352242922",
}
AMELIA_WA = "447700900123"
AGENT_REPLY = "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQUdFTlRSRVBMWTAwMDAwMDEA"


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    with tenant_scope(seat_a.tenant):
        return ChannelFactory(
            tenant=seat_a.tenant, kind="whatsapp", provider="meta", config=dict(CONFIG)
        )


def signer(url: str, body: bytes) -> dict[str, str]:
    return {"X-Hub-Signature-256": sign(APP_SECRET, body)}


def post_fixture(channel: Channel, name: str, capture) -> list[Message]:
    return check_webhook(channel, fixture_bytes(HERE, name), signer, capture=capture)


def counts(channel: Channel) -> tuple[int, int]:
    with tenant_scope(channel.tenant):
        return InboundEvent.objects.count(), Message.objects.count()


def event_state(channel: Channel) -> str:
    with tenant_scope(channel.tenant):
        return str(InboundEvent.objects.order_by("-id").values_list("state", flat=True)[0])


def test_text_opens_a_ticket_for_the_verified_whatsapp_customer(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    [message] = post_fixture(
        channel, "whatsapp_text__basic.json", django_capture_on_commit_callbacks
    )
    assert (message.body_text, message.external_id, message.channel_kind, message.direction) == (
        "Hi, my parcel 88412 says delivered but it isn't here.",
        "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VCMEMyRjQ1QTk2NUQ0QTdEMDkA",
        "whatsapp",
        "inbound",
    )
    assert message.created_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert message.metadata["sender"] == {"kind": "whatsapp", "value": AMELIA_WA}
    assert message.customer.name == "Amelia Hart"
    with tenant_scope(channel.tenant):
        assert list(Identity.objects.values_list("kind", "value", "verified")) == [
            ("whatsapp", "+447700900123", True)
        ]
        assert message.ticket.subject == "Hi, my parcel 88412 says delivered but it isn't here."


def test_a_batch_stores_every_message_once_and_each_message_is_deduped_by_its_own_id(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    name = "whatsapp_batch__two_customers_and_a_status.json"
    messages = post_fixture(channel, name, django_capture_on_commit_callbacks)
    assert [(m.body_text, m.customer.name) for m in messages] == [
        ("Is the shop open on Sunday?", "Amelia Hart"),
        ("And do you take returns there?", "Amelia Hart"),
        ("Olá, meu pedido chegou quebrado.", "Rafael Souza"),
    ]
    assert messages[0].ticket_id == messages[1].ticket_id != messages[2].ticket_id
    # Meta retries the same bytes: acknowledged, nothing new.
    assert post_fixture(channel, name, django_capture_on_commit_callbacks) == []
    # A different batch carrying an already stored message: that message is not stored again.
    payload = json.loads(fixture_bytes(HERE, name))
    payload["entry"] = payload["entry"][:1]
    regrouped = json.dumps(payload).encode()
    assert (
        check_webhook(channel, regrouped, signer, capture=django_capture_on_commit_callbacks) == []
    )
    assert counts(channel) == (2, 3)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": sign("another-apps-secret", b"x")},
        {"X-Hub-Signature": "sha1=0000000000000000000000000000000000000000"},
    ],
)
def test_bad_or_missing_signature_is_403_and_stores_nothing(channel: Channel, headers) -> None:
    response = post_webhook(
        channel, fixture_bytes(HERE, "whatsapp_text__basic.json"), headers=headers
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_signature"
    assert counts(channel) == (0, 0)


def test_a_reserialized_body_fails_the_signature(channel: Channel) -> None:
    raw = fixture_bytes(HERE, "whatsapp_text__basic.json")
    pretty = json.dumps(json.loads(raw), indent=2).encode()
    response = post_webhook(channel, pretty, headers=signer("", raw))
    assert response.status_code == 403
    assert counts(channel) == (0, 0)


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'{"object": "whatsapp_business_account"}', b"\xff\xfe"]
)
def test_malformed_body_is_400_and_stores_nothing(channel: Channel, body: bytes) -> None:
    response = post_webhook(channel, body, headers=signer("", body))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_payload"
    assert counts(channel) == (0, 0)


def test_verification_handshake_echoes_the_challenge_as_text(channel: Channel) -> None:
    from django.test import Client

    from channels_ingest.selectors import channel_webhook_urls

    path = "/" + channel_webhook_urls(channel)["inbound"].split("://", 1)[1].split("/", 1)[1]
    ok = Client().get(
        path,
        {
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me-7f2c9",
            "hub.challenge": "1158201444",
        },
    )
    assert (ok.status_code, ok["Content-Type"], ok.content) == (
        200,
        "text/plain; charset=utf-8",
        b"1158201444",
    )
    wrong = Client().get(
        path, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}
    )
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "bad_verify_token")
    assert b"1158201444" not in wrong.content
    not_a_handshake = Client().get(path)
    assert not_a_handshake.status_code == 405
    assert counts(channel) == (0, 0)


def test_image_is_fetched_through_the_graph_api_with_the_access_token(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    with routed_double() as graph:
        graph.route(
            "/v21.0/1480285609565120",
            body={
                "url": f"{graph.base_url}/whatsapp_business/attachments/?mid=1480285609565120",
                "mime_type": "image/jpeg",
                "file_size": 12,
                "id": "1480285609565120",
                "messaging_product": "whatsapp",
            },
        )
        graph.route(
            "/whatsapp_business/attachments/", body=b"\xff\xd8\xff\xe0JFIF-box", ctype="image/jpeg"
        )
        with tenant_scope(channel.tenant):
            Channel.objects.filter(pk=channel.pk).update(
                config={**CONFIG, "api_base_url": f"{graph.base_url}/v21.0"}
            )
        channel.refresh_from_db()
        [message] = post_fixture(
            channel, "whatsapp_image__caption.json", django_capture_on_commit_callbacks
        )
    assert message.body_text == "The box arrived like this"
    assert [(r.method, r.path, r.headers["Authorization"]) for r in graph.requests] == [
        ("GET", "/v21.0/1480285609565120", "Bearer EAAG-test-access-token"),
        (
            "GET",
            "/whatsapp_business/attachments/?mid=1480285609565120",
            "Bearer EAAG-test-access-token",
        ),
    ]
    assert "media_unavailable" not in message.metadata


def test_media_the_graph_api_refuses_keeps_the_message_and_says_why(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    with routed_double() as graph:  # every path answers 404
        with tenant_scope(channel.tenant):
            Channel.objects.filter(pk=channel.pk).update(
                config={**CONFIG, "api_base_url": graph.base_url}
            )
        channel.refresh_from_db()
        [message] = post_fixture(
            channel, "whatsapp_document__pdf.json", django_capture_on_commit_callbacks
        )
    assert message.body_text == "[document: invoice-88412.pdf]"
    assert message.metadata["media_unavailable"] == [
        {
            "kind": "document",
            "ref": "921705713480285",
            "reason": "document 921705713480285: the provider answered 404",
        }
    ]


def test_media_on_a_host_outside_the_allow_list_is_never_fetched(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    with routed_double() as graph:
        graph.route("/566304149893274", body={"url": "https://169.254.169.254/latest/meta-data/"})
        with tenant_scope(channel.tenant):
            Channel.objects.filter(pk=channel.pk).update(
                config={**CONFIG, "api_base_url": graph.base_url}
            )
        channel.refresh_from_db()
        [message] = post_fixture(
            channel, "whatsapp_voice__ogg.json", django_capture_on_commit_callbacks
        )
    assert message.body_text == "[voice message]"
    assert [r.path for r in graph.requests] == ["/566304149893274"]
    [missing] = message.metadata["media_unavailable"]
    assert missing["reason"] == "audio 566304149893274: host '169.254.169.254' is not allowed"


def test_an_unreachable_graph_api_is_retried_later_and_stores_nothing_yet(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    with routed_double() as graph:
        graph.route("/", status=503, body={"error": {"message": "Service unavailable"}})
        with tenant_scope(channel.tenant):
            Channel.objects.filter(pk=channel.pk).update(
                config={**CONFIG, "api_base_url": graph.base_url}
            )
        channel.refresh_from_db()
        assert (
            post_fixture(
                channel, "whatsapp_image__caption.json", django_capture_on_commit_callbacks
            )
            == []
        )
    with tenant_scope(channel.tenant):
        event = InboundEvent.objects.get()
    assert (event.state, event.attempts) == (EventState.RETRY, 1)
    assert "answered 503" in event.last_error


@pytest.mark.parametrize(
    ("fixture", "text", "reply_to"),
    [
        (
            "whatsapp_reply__context.json",
            "Yes, that tracking number.",
            AGENT_REPLY,
        ),
        (
            "whatsapp_interactive__button_reply.json",
            "I want a refund",
            "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQUdFTlRCVVRUT05TMDAwMDEA",
        ),
        (
            "whatsapp_button__template_quick_reply.json",
            "Reschedule delivery",
            "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSVEVNUExBVEUwMDAwMDAwMDEA",
        ),
        (
            "whatsapp_location__pin.json",
            "[location] Depot 4, Belvedere Rd, London (51.5033, -0.1196)",
            None,
        ),
        (
            "whatsapp_unsupported__unknown_type.json",
            "[unsupported WhatsApp message: unsupported] Message type unknown",
            None,
        ),
    ],
)
def test_replies_buttons_and_other_types_read_as_text(
    channel: Channel, django_capture_on_commit_callbacks, fixture: str, text: str, reply_to
) -> None:
    [message] = post_fixture(channel, fixture, django_capture_on_commit_callbacks)
    assert message.body_text == text
    assert message.metadata.get("reply_to") == reply_to


@pytest.mark.parametrize(
    "fixture",
    [
        "whatsapp_reaction__thumbs_up.json",
        "whatsapp_echo__smb_message_echoes.json",
        "whatsapp_text__another_number.json",
    ],
)
def test_reactions_echoes_and_other_numbers_are_acknowledged_and_ignored(
    channel: Channel, django_capture_on_commit_callbacks, fixture: str
) -> None:
    assert post_fixture(channel, fixture, django_capture_on_commit_callbacks) == []
    assert event_state(channel) == EventState.IGNORED
    with tenant_scope(channel.tenant):
        assert Ticket.objects.count() == 0


def test_an_unknown_object_is_acknowledged_and_ignored(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    body = b'{"object":"user","entry":[{"id":"1","changes":[{"field":"feed","value":{}}]}]}'
    assert check_webhook(channel, body, signer, capture=django_capture_on_commit_callbacks) == []
    assert event_state(channel) == EventState.IGNORED


def _outbound(channel: Channel, status: str) -> Message:
    [inbound] = Message.objects.all()
    return Message.objects.create(
        tenant=channel.tenant,
        ticket=inbound.ticket,
        direction="outbound",
        channel_kind="whatsapp",
        channel_id=channel.pk,
        external_id=AGENT_REPLY,
        status=status,
    )


def test_statuses_move_delivery_forward_and_failures_carry_the_error(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    post_fixture(channel, "whatsapp_text__basic.json", django_capture_on_commit_callbacks)
    with tenant_scope(channel.tenant):
        reply = _outbound(channel, "sent")
    post_fixture(channel, "whatsapp_status__read.json", django_capture_on_commit_callbacks)
    with tenant_scope(channel.tenant):
        reply.refresh_from_db()
        assert reply.status == "read"
        Message.objects.filter(pk=reply.pk).update(status="sent")
    post_fixture(channel, "whatsapp_status__failed_131047.json", django_capture_on_commit_callbacks)
    with tenant_scope(channel.tenant):
        reply.refresh_from_db()
    assert (reply.status, reply.error) == (
        "failed",
        "131047 Re-engagement message: Message failed to send because more than 24 hours have "
        "passed since the customer last replied to this number.",
    )


def test_normalize_hands_the_image_bytes_to_the_inbox(channel: Channel) -> None:
    from channels_ingest.adapters.meta.adapter import MetaAdapter
    from channels_ingest.selectors import channel_context

    with routed_double() as graph:
        graph.route("/1480285609565120", body={"url": f"{graph.base_url}/cdn/box.jpg"})
        graph.route("/cdn/", body=b"\xff\xd8\xff\xe0JFIF-box", ctype="image/jpeg")
        with tenant_scope(channel.tenant):
            Channel.objects.filter(pk=channel.pk).update(
                config={**CONFIG, "api_base_url": graph.base_url}
            )
            channel.refresh_from_db()
            context = channel_context(channel)
        body = fixture_bytes(HERE, "whatsapp_image__caption.json")
        [message] = MetaAdapter().normalize(context, "inbound", body, {})
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type, attachment.content) == (
        "image-1.jpg",
        "image/jpeg",
        b"\xff\xd8\xff\xe0JFIF-box",
    )
    assert message.reply_to_external_id == ""


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ({"object": "whatsapp_business_account", "entry": [1, "x", {"changes": "no"}]}, []),
        (
            {
                "object": "whatsapp_business_account",
                "entry": [{"changes": [{"field": "messages", "value": {"messages": ["x", {}]}}]}],
            },
            [],
        ),
        (
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "metadata": {"phone_number_id": "106540352242922"},
                                    "messages": [
                                        {"id": "wamid.ODD", "type": "text", "text": "flat"},
                                    ],
                                    "statuses": [{"id": "wamid.X", "status": ["read"]}],
                                },
                            }
                        ]
                    }
                ],
            },
            ["[unsupported WhatsApp message: text]"],
        ),
    ],
)
def test_odd_shapes_never_fail(
    channel: Channel, django_capture_on_commit_callbacks, body: dict, stored: list[str]
) -> None:
    raw = json.dumps(body).encode()
    messages = check_webhook(channel, raw, signer, capture=django_capture_on_commit_callbacks)
    assert [m.body_text for m in messages] == stored
    assert event_state(channel) in (EventState.DONE, EventState.IGNORED)
