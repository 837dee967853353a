"""Demo teams, skills, business hours and SLA policies."""

from __future__ import annotations

from typing import Any

from helpdesk.demo import demo_step
from helpdesk.models import Tenant
from routing.models import (
    AgentSkill,
    BusinessHours,
    RoutingRule,
    Skill,
    SlaPolicy,
    Team,
    TeamMember,
)
from routing.services import agent_settings_update, routing_version_touch

WEEKDAYS_9_TO_6 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}

TEAMS = {
    "Billing": ["ben@demo.test", "maya@demo.test"],
    "Technical": ["tara@demo.test", "chen@demo.test"],
    "Spanish desk": ["sofia@demo.test"],
}
SKILLS = {
    "billing": [("ben@demo.test", 5), ("maya@demo.test", 3)],
    "technical": [("tara@demo.test", 5), ("chen@demo.test", 3)],
    "spanish": [("sofia@demo.test", 5)],
    "chat": [("chen@demo.test", 4), ("sofia@demo.test", 3)],
}
# name, tier, priority, first response, next response, resolution (business minutes)
POLICIES = [
    ("Tier 1 urgent", "tier1", 4, 30, 60, 8 * 60),
    ("Tier 1", "tier1", None, 60, 120, 16 * 60),
    ("Tier 2", "tier2", None, 4 * 60, 8 * 60, 3 * 9 * 60),
    ("Standard", None, None, 8 * 60, 16 * 60, 5 * 9 * 60),
]


# email, capacity per channel kind, presence
AGENTS = [
    ("ben@demo.test", {"email": 20, "chat": 4, "whatsapp": 6, "voice": 1}, "online"),
    ("maya@demo.test", {"*": 8}, "away"),
    ("tara@demo.test", {"email": 20, "chat": 3, "telegram": 5, "voice": 1}, "online"),
    ("chen@demo.test", {"chat": 6, "email": 10, "messenger": 6, "instagram": 6}, "online"),
    ("sofia@demo.test", {"*": 6}, "offline"),
]


@demo_step(order=20)
def seed_routing(tenant: Tenant, state: dict[str, Any]) -> None:
    members = state["members"]
    teams = {}
    for name, emails in TEAMS.items():
        team = Team.objects.create(tenant=tenant, name=name)
        for email in emails:
            TeamMember.objects.create(tenant=tenant, team=team, membership=members[email])
        teams[name] = team
    for name, holders in SKILLS.items():
        skill = Skill.objects.create(tenant=tenant, name=name)
        for email, level in holders:
            AgentSkill.objects.create(
                tenant=tenant, membership=members[email], skill=skill, level=level
            )
    hours = BusinessHours.objects.create(
        tenant=tenant,
        name="New York office",
        timezone="America/New_York",
        weekly=WEEKDAYS_9_TO_6,
        holidays=["2026-11-26", "2026-12-25", "2027-01-01"],
        country="US",
    )
    state["teams"] = teams
    state["policies"] = {
        name: SlaPolicy.objects.create(
            tenant=tenant,
            name=name,
            tier=tier,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=nxt,
            resolution_minutes=res,
            business_hours=hours,
        )
        for name, tier, priority, first, nxt, res in POLICIES
    }


@demo_step(order=25)
def seed_routing_rules(tenant: Tenant, state: dict[str, Any]) -> None:
    """Presence and capacity of the agents, two rules, and an escalation on Tier 1 urgent."""
    members, teams = state["members"], state["teams"]
    for email, capacity, presence in AGENTS:
        agent_settings_update(membership=members[email], capacity=capacity, presence=presence)
    skills = {skill.name: skill.pk for skill in Skill.objects.all()}
    RoutingRule.objects.create(
        tenant=tenant,
        name="Money questions go to Billing",
        position=10,
        match="any",
        conditions=[
            {"field": "message", "operator": "in", "value": ["invoice", "refund", "charged"]},
            {"field": "message", "operator": "in", "value": ["factura", "pagamento"]},
        ],
        actions=[
            {"type": "set_team", "team": teams["Billing"].pk},
            {"type": "require_skill", "skill": skills["billing"], "level": 3},
            {"type": "add_tag", "tag": "billing"},
        ],
    )
    RoutingRule.objects.create(
        tenant=tenant,
        name="Spanish speakers to the Spanish desk",
        position=20,
        conditions=[{"field": "language", "operator": "equals", "value": "es"}],
        actions=[
            {"type": "set_team", "team": teams["Spanish desk"].pk},
            {"type": "require_skill", "skill": skills["spanish"], "level": 3},
        ],
    )
    RoutingRule.objects.create(
        tenant=tenant,
        name="Breached Tier 1 goes urgent",
        position=30,
        trigger="sla_breached",
        conditions=[{"field": "tier", "operator": "equals", "value": "tier1"}],
        actions=[{"type": "set_priority", "priority": "urgent"}],
    )
    urgent = state["policies"]["Tier 1 urgent"]
    urgent.warning_minutes = 10
    urgent.escalation = [
        {"when": "breach", "type": "notify_team", "team": teams["Billing"].pk},
    ]
    urgent.save(update_fields=["warning_minutes", "escalation"])
    routing_version_touch(tenant=tenant)
