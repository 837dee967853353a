"""Replies through the Graph API (a loopback double via api_base_url) and channel set-up."""

from pathlib import Path

import pytest
from django.utils import timezone

from channels_ingest.adapters.base import ChannelContext, DeliveryError, OutboundMessage
from channels_ingest.adapters.meta.adapter import MetaAdapter, sign
from channels_ingest.delivery import message_deliver_now
from channels_ingest.models import Channel
from helpdesk.tenancy import tenant_scope
from inbox.models import Message
from tests.factories import ChannelFactory
from tests.http_double import http_double
from tests.seats import Seat
from tests.webhooks import check_webhook, fixture_bytes

HERE = Path(__file__).resolve().parents[1]
SECRETS = {"app_secret": "send-tests-app-secret", "verify_token": "vt", "access_token": "EAAT"}
OWN = {
    "whatsapp": {"phone_number_id": "106540352242922"},
    "messenger": {"page_id": "104213382310476"},
    "instagram": {"instagram_id": "17841405309211844"},
}
INBOUND = {
    "whatsapp": "whatsapp_text__basic.json",
    "messenger": "messenger_text__basic.json",
    "instagram": "instagram_text__basic.json",
}


def make_channel(seat: Seat, kind: str, **extra: str) -> Channel:
    with tenant_scope(seat.tenant):
        return ChannelFactory(
            tenant=seat.tenant, kind=kind, provider="meta", config={**SECRETS, **OWN[kind], **extra}
        )


def signer(url: str, body: bytes) -> dict[str, str]:
    return {"X-Hub-Signature-256": sign(SECRETS["app_secret"], body)}


def inbound_ticket(channel: Channel, capture) -> int:
    [message] = check_webhook(
        channel, fixture_bytes(HERE, INBOUND[channel.kind]), signer, capture=capture
    )
    # The fixture carries the provider's timestamp of a fixed day; the customer wrote just now,
    # so the 24-hour window is open whatever day the tests run.
    with tenant_scope(channel.tenant):
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now())
    return message.ticket_id


@pytest.mark.parametrize(
    ("kind", "answer", "path", "payload", "external_id"),
    [
        (
            "whatsapp",
            {"messaging_product": "whatsapp", "messages": [{"id": "wamid.OUT1"}]},
            "/v21.0/106540352242922/messages",
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "447700900123",
                "type": "text",
                "text": {"body": "We'll send a courier tomorrow.", "preview_url": False},
            },
            "wamid.OUT1",
        ),
        (
            "messenger",
            {"recipient_id": "6843210987654321", "message_id": "m_OUT1"},
            "/v21.0/104213382310476/messages",
            {
                "recipient": {"id": "6843210987654321"},
                "messaging_type": "RESPONSE",
                "message": {"text": "We'll send a courier tomorrow."},
            },
            "m_OUT1",
        ),
        (
            "instagram",
            {"recipient_id": "1782394876123456", "message_id": "aWdfOUT1"},
            "/v21.0/me/messages",
            {
                "recipient": {"id": "1782394876123456"},
                "messaging_type": "RESPONSE",
                "message": {"text": "We'll send a courier tomorrow."},
            },
            "aWdfOUT1",
        ),
    ],
)
def test_reply_loop_goes_out_through_the_graph_api(
    seat_a: Seat,
    django_capture_on_commit_callbacks,
    kind: str,
    answer: dict,
    path: str,
    payload: dict,
    external_id: str,
) -> None:
    channel = make_channel(seat_a, kind)
    ticket_id = inbound_ticket(channel, django_capture_on_commit_callbacks)
    with http_double(reply=answer) as graph:
        with tenant_scope(channel.tenant):
            Channel.objects.filter(pk=channel.pk).update(
                config={**channel.config, "api_base_url": f"{graph.base_url}/v21.0"}
            )
        with django_capture_on_commit_callbacks(execute=True):
            response = seat_a.client().post(
                f"/api/v1/tickets/{ticket_id}/messages/",
                {"body": "We'll send a courier tomorrow."},
                format="json",
            )
    assert response.status_code == 201, response.content
    [sent] = graph.requests
    assert (sent.method, sent.path, sent.headers["Authorization"]) == ("POST", path, "Bearer EAAT")
    assert sent.json() == payload
    with tenant_scope(channel.tenant):
        reply = Message.objects.get(pk=response.json()["id"])
    assert (reply.status, reply.external_id, reply.channel_id) == ("sent", external_id, channel.pk)


def test_outside_the_24_hour_window_fails_with_a_clear_reason(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "whatsapp")
    ticket_id = inbound_ticket(channel, django_capture_on_commit_callbacks)
    refusal = {
        "error": {
            "message": "(#131047) Re-engagement message",
            "type": "OAuthException",
            "code": 131047,
            "fbtrace_id": "AbCdEf",
        }
    }
    with http_double(status=400, reply=refusal) as graph:
        with tenant_scope(channel.tenant):
            Channel.objects.filter(pk=channel.pk).update(
                config={**channel.config, "api_base_url": graph.base_url}
            )
        with django_capture_on_commit_callbacks(execute=True):
            response = seat_a.client().post(
                f"/api/v1/tickets/{ticket_id}/messages/", {"body": "Hello?"}, format="json"
            )
    assert len(graph.requests) == 1  # terminal: not retried
    with tenant_scope(channel.tenant):
        reply = Message.objects.get(pk=response.json()["id"])
    assert reply.status == "failed"
    assert reply.error.startswith("The customer last wrote more than 24 hours ago")
    assert "131047" in reply.error


def context(kind: str, base_url: str) -> ChannelContext:
    return ChannelContext(
        id=1,
        tenant_id=1,
        kind=kind,
        provider="meta",
        config={**SECRETS, **OWN[kind], "api_base_url": base_url},
        webhook_urls={},
    )


OUT = OutboundMessage(message_id=9, to="+447700900123", body_text="Hi")


@pytest.mark.parametrize(
    ("status", "answer", "retryable", "text"),
    [
        (500, {"error": {"message": "Unknown error", "code": 2}}, True, "Meta answered 500"),
        (429, {}, True, "Meta answered 429"),
        (400, {"error": {"message": "Rate limit hit", "code": 130429}}, True, "error 130429"),
        (400, {"error": {"message": "Invalid parameter", "code": 100}}, False, "error 100"),
        (401, {"error": {"message": "Session expired", "code": 190}}, False, "access_token"),
        (
            400,
            {"error": {"message": "outside window", "code": 10, "error_subcode": 2018278}},
            False,
            "24 hours",
        ),
    ],
)
def test_graph_errors_are_retryable_or_terminal(
    status: int, answer: dict, retryable: bool, text: str
) -> None:
    with (
        http_double(status=status, reply=answer) as graph,
        pytest.raises(DeliveryError) as caught,
    ):
        MetaAdapter().send(context("messenger", graph.base_url), OUT)
    assert caught.value.retryable is retryable
    assert text in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "config", "text"),
    [
        ("messenger", {"page_id": "1"}, "missing access_token"),
        ("whatsapp", {"access_token": "t"}, "missing phone_number_id"),
    ],
)
def test_a_channel_without_credentials_fails_for_good(kind: str, config: dict, text: str) -> None:
    incomplete = ChannelContext(1, 1, kind, "meta", config, {})
    with pytest.raises(DeliveryError, match=text) as caught:
        MetaAdapter().send(incomplete, OUT)
    assert caught.value.retryable is False


@pytest.mark.parametrize("answer", [{}, {"messages": ["wamid"]}, {"messages": []}, [1]])
def test_an_answer_without_a_message_id_fails_clearly(answer: object) -> None:
    with (
        http_double(reply=answer) as graph,
        pytest.raises(DeliveryError, match="returned no id") as caught,
    ):
        MetaAdapter().send(context("whatsapp", graph.base_url), OUT)
    assert caught.value.retryable is False


def test_an_unreachable_graph_api_is_retryable() -> None:
    with pytest.raises(DeliveryError) as caught:
        MetaAdapter().send(context("whatsapp", "http://127.0.0.1:9"), OUT)
    assert caught.value.retryable is True


def test_whatsapp_to_is_digits_and_long_replies_are_split() -> None:
    long_text = ("word " * 1000).strip()  # 4,999 characters
    with http_double(reply={"messages": [{"id": "wamid.PART"}]}) as graph:
        result = MetaAdapter().send(
            context("whatsapp", graph.base_url),
            OutboundMessage(message_id=9, to="+447700900123", body_text=long_text),
        )
    bodies = [r.json() for r in graph.requests]
    assert [b["to"] for b in bodies] == ["447700900123", "447700900123"]
    assert [len(b["text"]["body"]) for b in bodies] == [4094, 904]
    assert " ".join(b["text"]["body"] for b in bodies) == long_text
    assert result.external_id == "wamid.PART"


def test_a_username_only_whatsapp_user_is_addressed_by_bsuid() -> None:
    with http_double(reply={"messages": [{"id": "wamid.BSUID"}]}) as graph:
        MetaAdapter().send(
            context("whatsapp", graph.base_url),
            OutboundMessage(message_id=9, to="US.13491208655302741918", body_text="Hi"),
        )
    [sent] = graph.requests
    assert "to" not in sent.json()
    assert sent.json()["recipient"] == "US.13491208655302741918"


def test_a_retryable_delivery_stays_queued(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "messenger", api_base_url="http://127.0.0.1:9")
    ticket_id = inbound_ticket(channel, django_capture_on_commit_callbacks)
    with tenant_scope(channel.tenant):
        [inbound] = Message.objects.all()
        reply = Message.objects.create(
            tenant=channel.tenant,
            ticket_id=ticket_id,
            direction="outbound",
            channel_kind="messenger",
            channel_id=channel.pk,
            body_text="Hi",
            status="queued",
        )
        assert message_deliver_now(message_id=reply.pk) == "retry"
        reply.refresh_from_db()
    assert reply.status == "queued"
    assert inbound.metadata["sender"]["value"] == "6843210987654321"


def test_channels_api_creates_meta_channels_and_refuses_incomplete_ones(seat_a: Seat) -> None:
    client = seat_a.client()
    created = client.post(
        "/api/v1/channels/",
        {
            "kind": "whatsapp",
            "provider": "meta",
            "name": "WhatsApp UK",
            "config": {**SECRETS, "phone_number_id": "106540352242922"},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["config"] == {
        "access_token": {"set": True},
        "app_secret": {"set": True},
        "phone_number_id": "106540352242922",
        "verify_token": {"set": True},
    }
    assert list(created.json()["webhook_urls"]) == ["inbound"]
    refusals = [
        ({"kind": "messenger", "config": {**SECRETS}}, "config"),
        (
            {"kind": "instagram", "config": {**SECRETS, "instagram_id": "ig-handle"}},
            "config.instagram_id",
        ),
        (
            {"kind": "whatsapp", "config": {**SECRETS, **OWN["whatsapp"], "app_secret": ""}},
            "config.app_secret",
        ),
        ({"kind": "email", "config": {**SECRETS}}, "kind"),
    ]
    for extra, field in refusals:
        response = client.post(
            "/api/v1/channels/", {"provider": "meta", "name": "x", **extra}, format="json"
        )
        assert response.status_code == 400, extra
        assert field in response.json()["error"]["fields"], (extra, response.json())
    with tenant_scope(seat_a.tenant):
        assert Channel.objects.count() == 1


def test_sign_fixture_makes_a_fixture_authentic(
    seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    channel = make_channel(seat_a, "instagram")
    body = fixture_bytes(HERE, "instagram_text__basic.json")
    ctx = context("instagram", "")
    headers = MetaAdapter().sign_fixture(ctx, "", body)
    assert headers == {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(SECRETS["app_secret"], body),
    }
    [message] = check_webhook(
        channel, body, lambda url, b: headers, capture=django_capture_on_commit_callbacks
    )
    assert message.body_text == "Do you ship to Ireland?"
