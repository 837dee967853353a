"""Every formula pinned on the hand-computed journey (see journey.py for the arithmetic)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from analytics.facts import tickets_facts
from analytics.filters import Filters, Period
from analytics.models import AnalyticsEvent, DailyRollup
from analytics.rollup import rollup_refresh
from analytics.selectors import summary_get
from analytics.tests.journey import Journey, journey_build
from helpdesk.tenancy import tenant_scope
from tests.seats import Seat

ONE_DAY = Period(start=date(2026, 11, 2), end=date(2026, 11, 2))


@pytest.fixture
def journey(seat_a: Seat, django_capture_on_commit_callbacks: Any) -> Journey:
    with tenant_scope(seat_a.tenant):
        built = journey_build(seat_a.tenant, django_capture_on_commit_callbacks)
        rollup_refresh(tenant=seat_a.tenant)
    return built


def _summary(journey: Journey, filters: Filters | None = None) -> dict[str, Any]:
    with tenant_scope(journey.tenant):
        return summary_get(tenant=journey.tenant, period=ONE_DAY, filters=filters or Filters())


def test_the_journey_lands_on_one_ticket_per_customer(journey: Journey) -> None:
    ann = journey.ann_ticket
    assert ann.channel_kinds == ["email", "chat", "voice"]
    assert (ann.first_touch_at.hour, ann.first_response_at.hour) == (8, 9)
    assert journey.bob_ticket.channel_kinds == ["email"]


def test_per_ticket_facts(journey: Journey) -> None:
    with tenant_scope(journey.tenant):
        facts = {
            f.ticket_id: f
            for f in tickets_facts(ticket_ids=[journey.ann_ticket.pk, journey.bob_ticket.pk])
        }
    ann, bob = facts[journey.ann_ticket.pk], facts[journey.bob_ticket.pk]
    assert (ann.frt_seconds, ann.frt_business_seconds) == (5400, 1800)
    assert (bob.frt_seconds, bob.frt_business_seconds) == (1200, 1200)
    assert (ann.resolution_seconds, bob.resolution_seconds) == (12000, 3600)
    assert (ann.agent_replies, bob.agent_replies) == (4, 1)  # survey invitations are no reply
    assert (ann.fcr, bob.fcr) == (False, True)
    assert (ann.switched, bob.switched) == (True, False)
    assert (ann.transferred, bob.transferred) == (True, False)
    assert (ann.sla_met, bob.sla_met) == (True, False)
    assert (ann.dims.channel_kind, bob.dims.channel_kind) == ("voice", "email")
    assert (ann.dims.tier, ann.dims.multi_channel, bob.dims.tier) == ("gold", True, "")


def test_headline_numbers(journey: Journey) -> None:
    headline = _summary(journey)["headline"]
    assert headline == {
        "tickets_created": 2,
        "tickets_resolved": 2,
        "survey_answers": 2,
        "frt_minutes": 55.0,  # (90 + 20) / 2
        "frt_business_minutes": 25.0,  # (30 + 20) / 2
        "resolution_hours": 2.17,  # (12,000 + 3,600) / 2 / 3,600
        "fcr_rate": 50.0,
        "channel_switch_rate": 50.0,
        "channel_transfer_rate": 50.0,
        "csat": 50.0,  # one of two answers is 4-5
        "csat_mean": 4.0,
        "ces": 6.0,  # (5 + 7) / 2
        "sla_attainment": 50.0,
        "agent_load": 0.07,  # (8,400 + 3,000) s / (86,400 s * 2 agents)
        "cost_per_resolution": 240.0,  # 2 agent-days * 8 h * 30 / 2 resolved
        "deflection_rate": 0.0,
    }


def test_breakdowns_by_channel_agent_tier_and_journey_shape(journey: Journey) -> None:
    summary = _summary(journey)
    by = summary["breakdowns"]
    channel = {
        r["channel_kind"]: (r["created"], r["resolved"], r["csat"], r["ces"]) for r in by["channel"]
    }
    # Tickets count on the channel they ended on; answers on the channel the survey used.
    assert channel == {
        "chat": (0, 0, 0.0, 5.0),
        "email": (1, 1, 100.0, 7.0),
        "voice": (1, 1, None, None),
    }
    agents = {r["member_id"]: (r["resolved"], r["concurrent_load"], r["csat"]) for r in by["agent"]}
    assert agents == {journey.agent1.pk: (1, 0.1, 0.0), journey.agent2.pk: (1, 0.03, 100.0)}
    assert [(r["label"], r["resolved"]) for r in by["team"]] == [("Billing", 2)]
    assert {r["tier"]: r["csat"] for r in by["tier"]} == {"": 100.0, "gold": 0.0}
    multi = {r["label"]: (r["csat"], r["ces"], r["resolution_hours"]) for r in by["multi"]}
    assert multi == {"One channel": (100.0, 7.0, 1.0), "Several channels": (0.0, 5.0, 3.33)}
    assert summary["sla_by_policy"] == [
        {"policy": journey.policy.pk, "name": "Gold", "total": 2, "met": 1, "attainment": 50.0}
    ]
    assert [r["day"] for r in summary["series"]] == ["2026-11-02"]
    assert summary["flags"] == []  # too few answers to flag anything


def test_filters_narrow_every_number(journey: Journey) -> None:
    email_only = _summary(journey, Filters(channel="email"))["headline"]
    assert (email_only["tickets_resolved"], email_only["fcr_rate"], email_only["csat"]) == (
        1,
        100.0,
        100.0,
    )
    agent1 = _summary(journey, Filters(agent=journey.agent1.pk))["headline"]
    assert (agent1["tickets_resolved"], agent1["frt_minutes"], agent1["resolution_hours"]) == (
        1,
        90.0,
        3.33,
    )
    gold = _summary(journey, Filters(tier="gold"))["headline"]
    assert (gold["channel_switch_rate"], gold["sla_attainment"]) == (100.0, 100.0)


def test_the_previous_period_and_change(journey: Journey) -> None:
    with tenant_scope(journey.tenant):
        later = summary_get(
            tenant=journey.tenant,
            period=Period(start=date(2026, 11, 3), end=date(2026, 11, 3)),
            filters=Filters(),
        )
    assert later["previous_period"] == {"from": "2026-11-02", "to": "2026-11-02"}
    assert later["previous"]["tickets_resolved"] == 2
    assert later["headline"]["tickets_resolved"] == 0
    assert later["change"]["tickets_resolved"] == -2.0
    assert later["change"]["csat"] is None  # no answers this period: no change to show


def test_the_event_log_holds_the_journey(journey: Journey) -> None:
    with tenant_scope(journey.tenant):
        names = list(AnalyticsEvent.objects.order_by("pk").values_list("name", flat=True))
        assert names.count("ticket.created") == 2
        assert names.count("message.inbound") == 4
        assert names.count("message.outbound") == 7  # 5 agent replies + 2 survey invitations
        assert names.count("survey.answered") == 2
        assert names.count("ticket.assigned") == 2
        solved = AnalyticsEvent.objects.filter(name="ticket.status", label="solved")
        assert sorted(e.occurred_at.strftime("%H:%M") for e in solved) == ["10:00", "11:20"]
        voice_in = AnalyticsEvent.objects.get(name="message.inbound", channel_kind="voice")
        assert (voice_in.ticket_id, voice_in.member_id) == (
            journey.ann_ticket.pk,
            journey.agent1.pk,
        )


def test_rollup_refresh_is_idempotent(journey: Journey) -> None:
    with tenant_scope(journey.tenant):
        before = sorted(
            DailyRollup.objects.values_list(
                "day", "member_id", "channel_kind", "resolved", "csat_count", "load_seconds"
            )
        )
        result = rollup_refresh(tenant=journey.tenant)
        after = sorted(
            DailyRollup.objects.values_list(
                "day", "member_id", "channel_kind", "resolved", "csat_count", "load_seconds"
            )
        )
    assert result["events"] == 0
    assert before == after


def test_a_reopened_ticket_leaves_its_old_resolution_day(
    journey: Journey, django_capture_on_commit_callbacks: Any
) -> None:
    from analytics.tests.journey import DAY, clock
    from inbox.services import ticket_update

    with tenant_scope(journey.tenant):
        with clock(DAY.replace(day=3, hour=9), django_capture_on_commit_callbacks):
            ticket_update(ticket=journey.bob_ticket, actor=None, status="open")
        rollup_refresh(tenant=journey.tenant)
        headline = summary_get(tenant=journey.tenant, period=ONE_DAY, filters=Filters())["headline"]
    assert headline["tickets_resolved"] == 1
    assert headline["fcr_rate"] == 0.0


def test_the_cube_and_the_fine_rollup_agree(journey: Journey) -> None:
    from analytics.grouping import cube_grouped, rollup_filtered, rollup_grouped

    day = date(2026, 11, 2)
    with tenant_scope(journey.tenant):
        fine = rollup_grouped(rollup_filtered(start=day, end=day, filters={}))
        cube = cube_grouped(start=day, end=day)
    assert set(cube) == set(fine)

    def staffed(rows: list[dict[str, Any]]) -> list[tuple]:
        return [(r["day"], r["member_id"], r["replies"]) for r in rows if r["member_id"]]

    assert staffed(cube.pop("agent_day")) == staffed(fine.pop("agent_day"))
    for name in fine:
        assert [{k: v or 0 for k, v in r.items()} for r in cube[name]] == [
            {k: v or 0 for k, v in r.items()} for r in fine[name]
        ], name
