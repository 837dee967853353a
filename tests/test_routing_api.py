"""Routing configuration API: what it accepts, and every refusal with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from helpdesk.models import Role
from helpdesk.tenancy import tenant_scope
from routing.models import AgentProfile, AgentSkill
from tests.factories import MembershipFactory, token_for
from tests.seats import Seat
from tests.test_isolation import tenant_rows as all_rows

WEEKLY = {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "tue": [["09:00", "17:00"]]}


def tenant_rows(tenant_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tenant but API tokens (their last use is recorded on each call)."""
    rows = all_rows(tenant_id)
    rows.pop("helpdesk.ApiToken")
    return rows


def post(seat: Seat, url: str, body: dict[str, Any]) -> Any:
    return seat.client().post(url, body, format="json")


def refused(
    seat: Seat, method: str, url: str, body: dict[str, Any], status: int, field: str
) -> Any:
    """The request is refused with ``status`` naming ``field``, and no row changed."""
    before = tenant_rows(seat.tenant.pk)
    response = getattr(seat.client(), method)(url, body, format="json")
    assert response.status_code == status, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert tenant_rows(seat.tenant.pk) == before
    return response.json()["error"]


def test_business_hours_round_trip(seat_a: Seat) -> None:
    created = post(
        seat_a,
        "/api/v1/business-hours/",
        {
            "name": "Berlin",
            "timezone": "Europe/Berlin",
            "weekly": WEEKLY,
            "holidays": ["2026-12-25", "2026-12-24"],
            "country": "de",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert body == {
        "id": body["id"],
        "name": "Berlin",
        "timezone": "Europe/Berlin",
        "weekly": WEEKLY,
        "holidays": ["2026-12-24", "2026-12-25"],
        "country": "DE",
        "subdivision": None,
    }
    listed = seat_a.client().get("/api/v1/business-hours/").json()["results"]
    assert [row["name"] for row in listed] == ["Berlin"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weekly": {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}}, "weekly.mon"),
        ({"weekly": {"mon": [["17:00", "09:00"]]}}, "weekly.mon"),
        ({"weekly": {"mon": [["09:00", "25:00"]]}}, "weekly.mon"),
        ({"weekly": {"funday": [["09:00", "17:00"]]}}, "weekly.funday"),
        ({"weekly": {}}, "weekly"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"holidays": ["2026-02-30"]}, "holidays[0]"),
        ({"holidays": ["next tuesday"]}, "holidays[0]"),
        ({"country": "XX"}, "country"),
    ],
    ids=[
        "overlap",
        "inverted",
        "bad-time",
        "bad-day",
        "never-open",
        "timezone",
        "impossible-date",
        "not-a-date",
        "country",
    ],
)
def test_bad_calendars_are_refused(seat_a: Seat, body: dict[str, Any], field: str) -> None:
    full = {"name": "X", "timezone": "UTC", "weekly": {"mon": [["09:00", "17:00"]]}} | body
    refused(seat_a, "post", "/api/v1/business-hours/", full, 400, field)


def test_policy_refusals(seat_a: Seat) -> None:
    url = "/api/v1/sla-policies/"
    refused(seat_a, "post", url, {"name": "Empty", "tier": "tier1"}, 400, "first_response_minutes")
    refused(
        seat_a,
        "post",
        url,
        {"name": "Nowhere", "first_response_minutes": 5, "business_hours": 999},
        400,
        "business_hours",
    )
    refused(
        seat_a,
        "post",
        url,
        {"name": "Bad", "first_response_minutes": 5, "priority": "critical"},
        400,
        "priority",
    )
    refused(
        seat_a,
        "post",
        url,
        {
            "name": "Esc",
            "first_response_minutes": 5,
            "escalation": [{"when": "breach", "type": "notify_team", "team": 999}],
        },
        400,
        "escalation[0].team",
    )
    first = post(seat_a, url, {"name": "T1", "tier": "tier1", "first_response_minutes": 5})
    assert first.status_code == 201
    assert first.json()["priority"] is None
    refused(
        seat_a,
        "post",
        url,
        {"name": "T1 again", "tier": "tier1", "resolution_minutes": 5},
        409,
        "tier",
    )
    refused(
        seat_a,
        "patch",
        f"{url}{first.json()['id']}/",
        {"first_response_minutes": None},
        400,
        "first_response_minutes",
    )


def test_policy_choice_is_most_specific(seat_a: Seat) -> None:
    from routing.selectors import routing_config
    from routing.sla import policy_choose

    for name, tier, priority in (
        ("Any", None, None),
        ("Urgent", None, "urgent"),
        ("Tier 1", "tier1", None),
        ("Tier 1 urgent", "tier1", "urgent"),
    ):
        body = {"name": name, "tier": tier, "priority": priority, "first_response_minutes": 5}
        assert post(seat_a, "/api/v1/sla-policies/", body).status_code == 201
    with tenant_scope(seat_a.tenant):
        policies = routing_config(tenant_id=seat_a.tenant.pk).policies

    def chosen(tier: str, priority: int) -> str | None:
        found = policy_choose(policies, tier=tier, priority=priority)
        return found.name if found else None

    assert chosen("tier1", 4) == "Tier 1 urgent"
    assert chosen("tier1", 2) == "Tier 1"
    assert chosen("tier2", 4) == "Urgent"
    assert chosen("tier2", 2) == "Any"


def _team_and_skill(seat: Seat) -> tuple[int, int]:
    team = post(seat, "/api/v1/teams/", {"name": "Billing", "members": [seat.member.pk]})
    skill = post(seat, "/api/v1/skills/", {"name": "billing"})
    assert (team.status_code, skill.status_code) == (201, 201)
    assert team.json() == {"id": team.json()["id"], "name": "Billing", "members": [seat.member.pk]}
    return team.json()["id"], skill.json()["id"]


def test_rule_refusals(seat_a: Seat) -> None:
    team_id, _ = _team_and_skill(seat_a)
    url = "/api/v1/routing-rules/"
    base = {"name": "R", "conditions": [{"field": "message", "operator": "contains", "value": "x"}]}
    cases = [
        ({"actions": [{"type": "set_team", "team": 999}]}, "actions[0].team"),
        ({"actions": [{"type": "require_skill", "skill": 999}]}, "actions[0].skill"),
        ({"actions": [{"type": "assign", "member": 999}]}, "actions[0].member"),
        ({"actions": [{"type": "teleport"}]}, "actions[0].type"),
        ({"actions": []}, "actions"),
        (
            {
                "conditions": [{"field": "subject", "operator": "matches", "value": "(unclosed"}],
                "actions": [{"type": "set_team", "team": team_id}],
            },
            "conditions[0].value",
        ),
        (
            {
                "conditions": [{"field": "weather", "operator": "equals", "value": "rain"}],
                "actions": [{"type": "set_team", "team": team_id}],
            },
            "conditions[0].field",
        ),
        (
            {
                "conditions": [
                    {"field": "priority", "operator": "in", "value": ["high", "urgent"]}
                ],
                "actions": [{"type": "set_priority", "priority": "urgent"}],
            },
            "actions",
        ),
    ]
    for body, field in cases:
        refused(seat_a, "post", url, base | body, 400, field)


def test_rules_that_trigger_each_other_are_refused(seat_a: Seat) -> None:
    url = "/api/v1/routing-rules/"
    first = post(
        seat_a,
        url,
        {
            "name": "VIP is urgent",
            "conditions": [{"field": "tag", "operator": "equals", "value": "vip"}],
            "actions": [{"type": "set_priority", "priority": "urgent"}],
        },
    )
    assert first.status_code == 201
    error = refused(
        seat_a,
        "post",
        url,
        {
            "name": "Urgent is VIP",
            "conditions": [{"field": "priority", "operator": "equals", "value": "urgent"}],
            "actions": [{"type": "add_tag", "tag": "vip"}],
        },
        400,
        "actions",
    )
    assert "VIP is urgent" in error["message"] and "Urgent is VIP" in error["message"]


def test_deleted_or_used_teams_and_skills(seat_a: Seat) -> None:
    team_id, skill_id = _team_and_skill(seat_a)
    rule = post(
        seat_a,
        "/api/v1/routing-rules/",
        {
            "name": "Billing words",
            "conditions": [{"field": "message", "operator": "in", "value": ["invoice", "refund"]}],
            "actions": [
                {"type": "set_team", "team": team_id},
                {"type": "require_skill", "skill": skill_id, "level": 3},
            ],
        },
    )
    assert rule.status_code == 201
    refused(seat_a, "delete", f"/api/v1/teams/{team_id}/", {}, 409, "id")
    refused(seat_a, "delete", f"/api/v1/skills/{skill_id}/", {}, 409, "id")
    other = post(seat_a, "/api/v1/teams/", {"name": "Gone"}).json()["id"]
    assert seat_a.client().delete(f"/api/v1/teams/{other}/").status_code == 204
    refused(
        seat_a,
        "post",
        "/api/v1/routing-rules/",
        {"name": "To a deleted team", "actions": [{"type": "set_team", "team": other}]},
        400,
        "actions[0].team",
    )
    refused(seat_a, "post", "/api/v1/teams/", {"name": "Ghosts", "members": [999]}, 400, "members")


def test_agents_cannot_write_routing(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        agent = MembershipFactory(tenant=seat_a.tenant, role=Role.AGENT)
    seat = Seat(tenant=seat_a.tenant, member=agent, token=token_for(agent))
    denied = seat.client().post("/api/v1/skills/", {"name": "x"}, format="json")
    assert denied.status_code == 403
    assert seat.client().get("/api/v1/skills/").status_code == 200


def test_member_skills_capacity_presence(seat_a: Seat) -> None:
    _, skill_id = _team_and_skill(seat_a)
    url = f"/api/v1/members/{seat_a.member.pk}/"
    fresh = seat_a.client().get(url).json()
    assert (fresh["skills"], fresh["capacity"], fresh["presence"]) == ([], 5, "offline")
    patched = seat_a.client().patch(
        url,
        {
            "skills": [{"skill": skill_id, "level": 4}],
            "capacity": {"chat": 3, "email": 20},
            "presence": "online",
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["skills"] == [{"skill": skill_id, "level": 4}]
    assert body["capacity"] == {"chat": 3, "email": 20}
    assert body["presence"] == "online"
    for bad, field in (
        ({"skills": [{"skill": 999, "level": 2}]}, "skills[0].skill"),
        ({"skills": [{"skill": skill_id, "level": 9}]}, "skills[0].level"),
        ({"capacity": {"fax": 2}}, "capacity.fax"),
        ({"capacity": -1}, "capacity.*"),
        ({"presence": "asleep"}, "presence"),
        ({"name": "Changed", "capacity": {"fax": 2}}, "capacity.fax"),
    ):
        refused(seat_a, "patch", url, bad, 400, field)
    with tenant_scope(seat_a.tenant):
        assert AgentSkill.objects.get().level == 4
        assert AgentProfile.objects.get().capacity == {"chat": 3, "email": 20}
    seat_a.member.user.refresh_from_db()
    assert seat_a.member.user.name != "Changed"
    listed = seat_a.client().get("/api/v1/members/").json()["results"]
    assert listed[0]["presence"] == "online"


def test_a_tenant_that_never_configured_routing_reads_it_once_until_its_first_change(
    seat_a: Seat, django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from routing import selectors
    from routing.models import RoutingVersion, SlaPolicy

    tenant = seat_a.tenant
    with tenant_scope(tenant):
        first = selectors.routing_config(tenant_id=tenant.pk)
        assert first.policies == ()
        with django_assert_num_queries(0):  # within the recheck interval: nothing asked
            assert selectors.routing_config(tenant_id=tenant.pk) is first
        monkeypatch.setattr(selectors, "RECHECK_SECONDS", 0.0)
        with django_assert_num_queries(1):  # the token alone: still none, still the same
            assert selectors.routing_config(tenant_id=tenant.pk) is first

        # Another process's first change: a policy and the tenant's first token.
        SlaPolicy.objects.create(tenant=tenant, name="Any", first_response_minutes=5)
        RoutingVersion.objects.create(tenant=tenant, token="a" * 32)

        assert [p.name for p in selectors.routing_config(tenant_id=tenant.pk).policies] == ["Any"]
