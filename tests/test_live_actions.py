"""Viewing, typing and presence over the agents' WebSocket: broadcast within the tenant only."""

from __future__ import annotations

import pytest

from tests.factories import MembershipFactory
from tests.seats import Seat
from tests.test_events_realtime import _connect


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_viewing_and_typing_reach_colleagues_not_other_tenants(
    seat_a: Seat, seat_b: Seat
) -> None:
    from asgiref.sync import sync_to_async

    colleague = await sync_to_async(MembershipFactory)(tenant=seat_a.tenant)
    colleague_seat = Seat(tenant=seat_a.tenant, member=colleague, token="")
    ana, ben, stranger = (
        await _connect(seat_a),
        await _connect(colleague_seat),
        await _connect(seat_b),
    )
    for sock in (ana, ben, stranger):
        assert (await sock.connect())[0]
        assert (await sock.receive_json_from())["event"] == "hello"

    await ana.send_json_to({"action": "viewing", "ticket": 42, "state": "joined"})
    seen = await ben.receive_json_from(timeout=5)
    name = await sync_to_async(lambda: seat_a.member.display_name)()
    assert seen == {
        "event": "agent.viewing",
        "seq": None,
        "data": {"member": seat_a.member.pk, "name": name, "ticket": 42, "state": "joined"},
    }
    assert (await ana.receive_json_from(timeout=5))["event"] == "agent.viewing"  # own echo
    await ben.send_json_to({"action": "typing", "ticket": 42, "internal": True})
    typing = await ana.receive_json_from(timeout=5)
    assert typing["event"] == "agent.typing"
    assert typing["data"]["internal"] is True and typing["data"]["member"] == colleague.pk
    await ana.send_json_to({"action": "presence", "state": "away"})
    assert (await ben.receive_json_from(timeout=5))["event"] == "agent.typing"  # own echo
    assert (await ben.receive_json_from(timeout=5))["data"]["state"] == "away"
    assert (await ana.receive_json_from(timeout=5))["event"] == "agent.presence"  # own echo
    assert await stranger.receive_nothing(timeout=0.3)

    for bad in (
        {"action": "viewing", "ticket": "42"},
        {"action": "viewing", "ticket": 42, "state": "dancing"},
        {"action": "typing"},
        {"action": "presence", "state": "asleep"},
    ):
        await ana.send_json_to(bad)
        assert (await ana.receive_json_from(timeout=5))["event"] == "error"
    assert await ben.receive_nothing(timeout=0.3)
    for sock in (ana, ben, stranger):
        await sock.disconnect()
