"""The visitors' WebSocket: allowed origins only; replies, typing and "seen" both ways."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from channels_ingest.models import Channel
from helpdesk.asgi import application
from helpdesk.tenancy import tenant_scope
from inbox.models import Ticket
from inbox.services import message_reply
from tests.seats import Seat
from tests.test_events_realtime import _connect
from tests.widget_support import ORIGIN, Page, fresh_limits, widget_channel


def _visitor_socket(channel: Channel, token: str, origin: str = ORIGIN) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        f"/ws/widget/{channel.pk}/?token={quote(token)}",
        headers=[(b"origin", origin.encode())],
    )


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    fresh_limits()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_only_allowed_origins_and_valid_tokens_connect(seat_a: Seat) -> None:
    channel = await sync_to_async(widget_channel)(seat_a.tenant)
    page = Page(channel)
    await sync_to_async(page.start)()
    for origin, token in (
        ("https://evil.example", page.token),
        ("http://testserver", page.token),  # ALLOWED_HOSTS is not what counts here
        (ORIGIN, "forged-token"),
    ):
        refused = _visitor_socket(channel, token, origin)
        connected, code = await refused.connect()
        assert not connected and code in (4403, 4401)
    welcome = _visitor_socket(channel, page.token)
    assert (await welcome.connect())[0]
    assert await welcome.receive_json_from() == {"event": "hello"}
    await welcome.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_typing_both_ways_and_the_reply_arrives_live(seat_a: Seat) -> None:
    channel = await sync_to_async(widget_channel)(seat_a.tenant)
    page = Page(channel)
    await sync_to_async(page.start)(name="Dana")
    sent = await sync_to_async(page.say)("Is anyone there?")
    ticket_id = sent.json()["ticket"]["id"]
    visitor = _visitor_socket(channel, page.token)
    agent = await _connect(seat_a)
    assert (await visitor.connect())[0] and (await agent.connect())[0]
    assert (await visitor.receive_json_from())["event"] == "hello"
    assert (await agent.receive_json_from())["event"] == "hello"

    await visitor.send_json_to({"action": "typing"})
    typing = await agent.receive_json_from(timeout=5)
    assert typing == {
        "event": "customer.typing",
        "seq": None,
        "data": {"ticket": ticket_id, "name": "Dana"},
    }

    await agent.send_json_to({"action": "typing", "ticket": ticket_id, "internal": True})
    assert (await agent.receive_json_from(timeout=5))["event"] == "agent.typing"  # own echo
    assert await visitor.receive_nothing(timeout=0.3)  # a note being typed stays private
    await agent.send_json_to({"action": "typing", "ticket": ticket_id})
    first = (await sync_to_async(lambda: seat_a.member.display_name)()).split(" ")[0]
    assert await visitor.receive_json_from(timeout=5) == {
        "event": "typing",
        "data": {"name": first},
    }
    await agent.send_json_to({"action": "viewing", "ticket": ticket_id, "state": "here"})
    assert await visitor.receive_json_from(timeout=5) == {"event": "seen", "data": {}}

    def reply() -> int:
        with tenant_scope(seat_a.tenant):
            ticket = Ticket.objects.get(pk=ticket_id)
            return message_reply(ticket=ticket, author=seat_a.member, body_text="Yes, hi!").pk

    reply_id = await sync_to_async(reply)()
    pushed = await visitor.receive_json_from(timeout=5)
    assert pushed["event"] == "message"
    assert (pushed["data"]["id"], pushed["data"]["text"]) == (reply_id, "Yes, hi!")

    await visitor.send_json_to({"action": "read", "up_to": reply_id})
    for _ in range(20):
        status = await sync_to_async(_status)(seat_a, reply_id)
        if status == "read":
            break
        await visitor.receive_nothing(timeout=0.1)
    assert status == "read"
    await visitor.disconnect()
    await agent.disconnect()


def _status(seat: Seat, message_id: int) -> str:
    from inbox.models import Message

    with tenant_scope(seat.tenant):
        return str(Message.objects.get(pk=message_id).status)
