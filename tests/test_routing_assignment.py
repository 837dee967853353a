"""Rules, skills and capacity on real inbound messages: the same rule on every channel,
least loaded with round robin, the queue, presence, and the routing trace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from helpdesk.models import Membership, Role
from helpdesk.tenancy import tenant_scope
from inbox.inbound import InboundMessage, SenderIdentity
from inbox.models import Ticket
from inbox.services import message_ingest, ticket_update
from routing.models import AgentLoad
from routing.services import agent_settings_update
from tests.factories import MembershipFactory
from tests.seats import Seat

AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
counter = iter(range(1, 10_000))


def inbound(kind: str, text: str, sender: str) -> InboundMessage:
    n = next(counter)
    identity = "email" if kind == "email" else kind
    return InboundMessage(
        channel_id={"email": 1, "whatsapp": 2, "chat": 3}[kind],
        channel_kind=kind,
        external_id=f"m{n}",
        sender=SenderIdentity(kind=identity, value=sender, verified=True),
        body_text=text,
        subject=text if kind == "email" else "",
        sent_at=AT + timedelta(seconds=n),
        message_id=f"<m{n}@mail>" if kind == "email" else "",
    )


def agent(seat: Seat, **settings: Any) -> Membership:
    member = MembershipFactory(tenant=seat.tenant, role=Role.AGENT)
    agent_settings_update(membership=member, **settings)
    return member


def ingest(seat: Seat, message: InboundMessage) -> Ticket:
    stored = message_ingest(tenant=seat.tenant, inbound=message)
    assert stored is not None
    return Ticket.objects.select_related("assignee").get(pk=stored.ticket_id)


@pytest.fixture
def billing(seat_a: Seat) -> dict[str, Any]:
    client = seat_a.client()
    skill = client.post("/api/v1/skills/", {"name": "billing"}, format="json").json()["id"]
    with tenant_scope(seat_a.tenant):
        expert = agent(seat_a, skills=[{"skill": skill, "level": 4}], capacity=1, presence="online")
        novice = agent(seat_a, skills=[{"skill": skill, "level": 2}], capacity=5, presence="online")
    team = client.post(
        "/api/v1/teams/", {"name": "Billing", "members": [expert.pk, novice.pk]}, format="json"
    ).json()["id"]
    rule = client.post(
        "/api/v1/routing-rules/",
        {
            "name": "Money words",
            "position": 1,
            "match": "any",
            "conditions": [
                {"field": "message", "operator": "in", "value": ["refund", "invoice"]},
                {"field": "tag", "operator": "equals", "value": "billing"},
            ],
            "actions": [
                {"type": "set_team", "team": team},
                {"type": "require_skill", "skill": skill, "level": 3},
                {"type": "add_tag", "tag": "money"},
            ],
        },
        format="json",
    )
    assert rule.status_code == 201, rule.content
    return {"skill": skill, "team": team, "expert": expert, "novice": novice, "rule": rule.json()}


def test_the_same_rule_routes_email_and_whatsapp_alike(
    seat_a: Seat, billing: dict[str, Any]
) -> None:
    with tenant_scope(seat_a.tenant):
        by_mail = ingest(seat_a, inbound("email", "Refund for invoice 7", "ana@x.example"))
        by_chat = ingest(seat_a, inbound("whatsapp", "I want a REFUND", "+14155550101"))
        for ticket in (by_mail, by_chat):
            assert ticket.team_id == billing["team"]
            assert ticket.assignee_id == billing["expert"].pk
            assert [t.name for t in ticket.tags.all()] == ["money"]
            assert ticket.routing_requirements == {
                "skills": {str(billing["skill"]): 3},
                "team": billing["team"],
            }
        loads = dict(
            AgentLoad.objects.filter(membership=billing["expert"], active__gt=0).values_list(
                "channel_kind", "active"
            )
        )
        assert loads == {"email": 1, "whatsapp": 1}
    trace = seat_a.client().get(f"/api/v1/tickets/{by_chat.pk}/routing-trace/").json()["results"]
    assert len(trace) == 1
    entry = trace[0]
    assert entry["trigger"] == "created"
    assert entry["matched_rules"] == [{"id": billing["rule"]["id"], "name": "Money words"}]
    assert entry["assignment"]["member"] == billing["expert"].pk
    assert entry["assignment"]["reason"].startswith("least loaded (0/1 on whatsapp)")
    assert entry["assignment"]["required_skills"] == [{"skill": billing["skill"], "level": 3}]
    assert entry["sla"]["policy"] is None


def test_queued_when_nobody_fits_and_assigned_when_capacity_frees(
    seat_a: Seat, billing: dict[str, Any]
) -> None:
    with tenant_scope(seat_a.tenant):
        first = ingest(seat_a, inbound("email", "Invoice wrong", "ana@x.example"))
        second = ingest(seat_a, inbound("email", "Refund please", "bo@x.example"))
        assert first.assignee_id == billing["expert"].pk
        assert (second.assignee_id, second.routing_queued_at is not None) == (None, True)
        trace = second.routing_traces.get()
        assert trace.assignment["reason"].startswith("queued")
        ticket_update(ticket=first, actor=None, status="solved")
        second.refresh_from_db()
        assert second.assignee_id == billing["expert"].pk
        assert second.routing_queued_at is None
        load = AgentLoad.objects.get(membership=billing["expert"], channel_kind="email")
        assert load.active == 1
        assert [t.trigger for t in second.routing_traces.order_by("id")] == ["created", "queue"]


def test_least_loaded_then_round_robin_among_equals(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        one = agent(seat_a, capacity=5, presence="online")
        two = agent(seat_a, capacity=5, presence="online")
        agent(seat_a, capacity=5, presence="away")
        chosen = [
            ingest(seat_a, inbound("chat", f"hello {i}", f"visitor-{i}")).assignee_id
            for i in range(4)
        ]
        assert chosen == [one.pk, two.pk, one.pk, two.pk]


def test_an_agent_coming_online_takes_queued_work(
    seat_a: Seat, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_scope(seat_a.tenant):
        late = agent(seat_a, capacity=2, presence="offline")
        waiting = ingest(seat_a, inbound("chat", "anyone?", "visitor-1"))
        assert waiting.assignee_id is None
    with django_capture_on_commit_callbacks(execute=True):
        response = seat_a.client().patch(
            f"/api/v1/members/{late.pk}/", {"presence": "online"}, format="json"
        )
    assert response.status_code == 200
    with tenant_scope(seat_a.tenant):
        waiting.refresh_from_db()
        assert waiting.assignee_id == late.pk


def test_manual_reassignment_moves_the_capacity_slot(seat_a: Seat, billing: dict[str, Any]) -> None:
    with tenant_scope(seat_a.tenant):
        ticket = ingest(seat_a, inbound("email", "Refund", "ana@x.example"))
        assert ticket.assignee_id == billing["expert"].pk
        ticket_update(ticket=ticket, actor=None, assignee=billing["novice"])

        def active(member: Membership) -> int:
            return AgentLoad.objects.get(membership=member, channel_kind="email").active

        assert (active(billing["expert"]), active(billing["novice"])) == (0, 1)
        ticket_update(ticket=ticket, actor=None, status="closed")
        assert (active(billing["expert"]), active(billing["novice"])) == (0, 0)


def test_the_one_statement_pick_says_whether_anyone_could_ever_fit(seat_a: Seat) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the one-statement pick is PostgreSQL's")
    from routing.models import Skill
    from routing.slot_claim import agent_pick_claim

    with tenant_scope(seat_a.tenant):
        skill = Skill.objects.create(tenant=seat_a.tenant, name="billing")
        other = Skill.objects.create(tenant=seat_a.tenant, name="legal")
        busy = agent(seat_a, skills=[{"skill": skill.pk, "level": 3}], capacity=1, presence="away")

        def pick(skill_id: int, level: int = 1) -> Any:
            return agent_pick_claim(
                tenant_id=seat_a.tenant.pk, channel_kind="chat", team_id=None,
                required_skills={skill_id: level}, at=AT,
            )  # fmt: skip

        away = pick(skill.pk)  # fits, but away: a presence change could free it
        nobody = pick(other.pk)  # no member has the skill: nothing can make one fit
        too_high = pick(skill.pk, level=4)
        agent_settings_update(membership=busy, presence="online")
        taken = pick(skill.pk)
        full = pick(skill.pk)  # capacity 1, now used
        loads = list(AgentLoad.objects.filter(channel_kind="chat").values_list("active", flat=True))
    assert (away.chosen, away.candidates, away.anyone_fits) == (None, [], True)
    assert (nobody.chosen, nobody.anyone_fits) == (None, False)
    assert (too_high.chosen, too_high.anyone_fits) == (None, False)
    assert taken.chosen is not None and taken.chosen.member_id == busy.pk
    assert taken.user_id == busy.user_id
    assert (full.chosen, full.candidates, full.anyone_fits) == (None, [], True)
    assert loads == [1]
