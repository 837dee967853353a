"""The pure parts: rule conditions, loops, policy choice and clock arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from routing.calendar import BusinessCalendar
from routing.engine import RoutingInput, RuleError, rule_compile, rules_evaluate, rules_loop_find
from routing.sla import (
    PolicySpec,
    sla_agent_reply,
    sla_pause,
    sla_repolicy,
    sla_resume,
    sla_start,
    sla_sweep,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def request(**overrides: Any) -> RoutingInput:
    values: dict[str, Any] = {
        "subject": "Invoice question",
        "body": "I was charged twice",
        "channel": "whatsapp",
        "tier": "tier1",
        "organization_id": 7,
        "organization_name": "Acme",
        "language": "es-MX",
        "tags": frozenset(),
        "priority": 2,
        "local_minute": 23 * 60 + 30,
    }
    return RoutingInput(**(values | overrides))


def rule(rule_id: int, conditions: list[Any], actions: list[Any], **extra: Any) -> Any:
    return rule_compile(
        id=rule_id,
        name=f"rule {rule_id}",
        position=rule_id,
        trigger=extra.get("trigger", "created"),
        match=extra.get("match", "all"),
        conditions=conditions,
        actions=actions,
    )


def test_conditions_over_every_field() -> None:
    tag = [{"type": "add_tag", "tag": "hit"}]
    rules = [
        rule(1, [{"field": "message", "operator": "contains", "value": "CHARGED"}], tag),
        rule(2, [{"field": "language", "operator": "equals", "value": "es"}], tag),
        rule(3, [{"field": "organization", "operator": "equals", "value": 7}], tag),
        rule(4, [{"field": "time_of_day", "operator": "in", "value": ["22:00", "06:00"]}], tag),
        rule(5, [{"field": "subject", "operator": "matches", "value": r"^invoice\b"}], tag),
        rule(6, [{"field": "channel", "operator": "in", "value": ["email", "chat"]}], tag),
        rule(
            7,
            [
                {"field": "tier", "operator": "equals", "value": "tier2"},
                {"field": "priority", "operator": "in", "value": ["normal"]},
            ],
            tag,
            match="any",
        ),
    ]
    decision = rules_evaluate(rules, request(), triggers=("created",))
    assert [m["id"] for m in decision.matched] == [1, 2, 3, 4, 5, 7]
    late = rules_evaluate(rules, request(local_minute=12 * 60), triggers=("created",))
    assert 4 not in [m["id"] for m in late.matched]


def test_later_rules_see_earlier_actions_and_skills_keep_the_highest_level() -> None:
    rules = [
        rule(1, [], [{"type": "require_skill", "skill": 3, "level": 2}]),
        rule(2, [], [{"type": "add_tag", "tag": "VIP"}]),
        rule(
            3,
            [{"field": "tag", "operator": "equals", "value": "vip"}],
            [{"type": "require_skill", "skill": 3, "level": 4}, {"type": "set_team", "team": 9}],
        ),
    ]
    decision = rules_evaluate(rules, request(), triggers=("created",))
    assert (decision.required_skills, decision.team_id, decision.tags) == ({3: 4}, 9, ["vip"])


def test_loops_are_found() -> None:
    urgent_if_vip = rule(
        1,
        [{"field": "tag", "operator": "equals", "value": "vip"}],
        [{"type": "set_priority", "priority": "urgent"}],
    )
    vip_if_urgent = rule(
        2,
        [{"field": "priority", "operator": "equals", "value": "urgent"}],
        [{"type": "add_tag", "tag": "vip"}],
    )
    assert rules_loop_find([urgent_if_vip]) is None
    assert rules_loop_find([urgent_if_vip, vip_if_urgent]) == ["rule 1", "rule 2", "rule 1"]
    on_breach = rule(
        3,
        [{"field": "priority", "operator": "equals", "value": "urgent"}],
        [{"type": "add_tag", "tag": "vip"}],
        trigger="sla_breached",
    )
    assert rules_loop_find([urgent_if_vip, on_breach]) is None


def test_bad_rules_name_the_part() -> None:
    with pytest.raises(RuleError) as error:
        rule(
            1,
            [{"field": "time_of_day", "operator": "in", "value": ["9am", "5pm"]}],
            [{"type": "add_tag", "tag": "x"}],
        )
    assert error.value.field == "conditions[0].value"


def policy(minutes: dict[str, int | None], calendar: BusinessCalendar | None = None) -> PolicySpec:
    return PolicySpec(id=1, name="p", tier=None, priority=None, minutes=minutes, calendar=calendar)


def test_pause_keeps_consumed_business_time_and_repolicy_keeps_it_too() -> None:
    office = BusinessCalendar.from_spec(
        timezone="UTC", weekly={"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]}
    )
    slow = policy({"first_response": 240, "resolution": None}, office)
    state = sla_start(slow, T0)
    assert state.clocks["first_response"].due == T0 + timedelta(hours=4)
    state = sla_pause(state, slow, T0 + timedelta(hours=1))
    # Paused overnight; resumed Tuesday 09:00 with three hours left.
    state = sla_resume(state, slow, T0 + timedelta(days=1))
    assert state.clocks["first_response"].due == T0 + timedelta(days=1, hours=3)
    fast = PolicySpec(
        id=2, name="fast", tier=None, priority=4, minutes={"first_response": 120}, calendar=office
    )
    moved = sla_repolicy(state, slow, fast, T0 + timedelta(days=1, minutes=30))
    # 60 minutes were used Monday and 30 on Tuesday: 30 of 120 remain.
    assert moved.policy_id == 2
    assert moved.clocks["first_response"].due == T0 + timedelta(days=1, hours=1)


def test_late_reply_records_the_breach_at_the_due_time() -> None:
    spec = policy({"first_response": 30})
    state = sla_start(spec, T0)
    swept, fired = sla_sweep(state, spec, T0 + timedelta(minutes=29))
    assert fired == []
    replied = sla_agent_reply(swept, T0 + timedelta(minutes=45))
    clock = replied.clocks["first_response"]
    assert (clock.met_at, clock.breached_at) == (
        T0 + timedelta(minutes=45),
        T0 + timedelta(minutes=30),
    )
