"""Writes of the routing room: calendars, policies, teams, skills, rules, agent settings, load.

Every refusal raises ``DomainError`` naming the field before anything is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Subquery
from django.utils import timezone

from helpdesk.errors import Conflict, DomainError
from helpdesk.events import event_publish
from helpdesk.models import Membership, Tenant
from helpdesk.tenancy import tenant_current
from routing.calendar import BusinessCalendar, CalendarError
from routing.engine import PRIORITY_LABELS, Rule, RuleError, rule_compile, rules_loop_find
from routing.models import (
    CHANNEL_KINDS,
    AgentLoad,
    AgentProfile,
    AgentSkill,
    BusinessHours,
    Presence,
    RoutingRule,
    RoutingVersion,
    RuleTrigger,
    Skill,
    SlaPolicy,
    Team,
    TeamMember,
    capacity_for,
)
from routing.selectors import agent_candidates, routing_config_forget
from routing.slot_claim import agent_pick_claim

ESCALATION_TYPES = ("set_priority", "assign", "set_team", "notify_team")
QUEUED_NOBODY = "queued: no online agent with the skills, team and free capacity"


def routing_version_touch(*, tenant: Tenant) -> None:
    """Invalidate every process's compiled configuration of this tenant.

    This process drops its copy now and again on commit (a read in between may have cached
    the old rows); the others read the new token within ``RECHECK_SECONDS``.
    """
    RoutingVersion.objects.update_or_create(tenant=tenant, defaults={"token": uuid.uuid4().hex})
    routing_config_forget(tenant_id=tenant.pk)
    transaction.on_commit(partial(routing_config_forget, tenant_id=tenant.pk))


def _unique(call: Any, field_name: str, message: str) -> Any:
    try:
        with transaction.atomic():
            return call()
    except IntegrityError:
        raise Conflict(message, field=field_name) from None


# --- business hours ------------------------------------------------------------------


def _calendar_check(
    *,
    timezone_name: str,
    weekly: Any,
    holidays: Any,
    country: str | None,
    subdivision: str | None,
) -> BusinessCalendar:
    try:
        return BusinessCalendar.from_spec(
            timezone=timezone_name,
            weekly=weekly,
            holidays=holidays,
            country=country or None,
            subdivision=subdivision or None,
        )
    except CalendarError as exc:
        raise DomainError(f"{exc.field}: {exc.message}", field=exc.field) from None


@transaction.atomic
def business_hours_save(
    *,
    tenant: Tenant,
    hours: BusinessHours | None = None,
    name: str | None = None,
    timezone_name: str | None = None,
    weekly: Any = None,
    holidays: Any = None,
    country: str | None = None,
    subdivision: str | None = None,
) -> BusinessHours:
    """Create (``hours`` None) or change a calendar; the whole spec is validated first."""
    current = hours or BusinessHours(tenant=tenant)
    spec = {
        "timezone_name": timezone_name if timezone_name is not None else current.timezone,
        "weekly": weekly if weekly is not None else current.weekly,
        "holidays": holidays if holidays is not None else current.holidays,
        "country": country if country is not None else current.country,
        "subdivision": subdivision if subdivision is not None else current.subdivision,
    }
    calendar = _calendar_check(**spec)
    if name is not None:
        current.name = name
    current.timezone = str(spec["timezone_name"])
    current.weekly = spec["weekly"]
    current.holidays = sorted(set(spec["holidays"]))
    current.country = calendar.country or ""
    current.subdivision = calendar.subdivision or ""
    _unique(current.save, "name", "A calendar with this name exists.")
    routing_version_touch(tenant=tenant)
    return current


@transaction.atomic
def business_hours_delete(*, hours: BusinessHours) -> None:
    used = list(SlaPolicy.objects.filter(business_hours=hours).values_list("name", flat=True))
    if used:
        raise Conflict(f"Used by SLA policies: {', '.join(sorted(used))}.", field="id")
    hours.delete()
    routing_version_touch(tenant=hours.tenant)


# --- SLA policies --------------------------------------------------------------------


def _escalation_check(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise DomainError("A list of actions.", field="escalation")
    out = []
    for i, item in enumerate(raw):
        path = f"escalation[{i}]"
        if not isinstance(item, Mapping) or item.get("when") not in ("warning", "breach"):
            raise DomainError("'when' is 'warning' or 'breach'.", field=f"{path}.when")
        kind = item.get("type")
        if kind not in ESCALATION_TYPES:
            raise DomainError(f"Use one of {', '.join(ESCALATION_TYPES)}.", field=f"{path}.type")
        key = {"set_priority": "priority", "assign": "member"}.get(kind, "team")
        if set(item) != {"when", "type", key}:
            raise DomainError(f"{kind} takes 'when' and '{key}'.", field=path)
        _reference_check(key, item[key], f"{path}.{key}")
        out.append(dict(item))
    return out


def _reference_check(key: str, value: Any, path: str) -> None:
    if key == "priority":
        if value not in PRIORITY_LABELS:
            raise DomainError(f"Use one of {', '.join(PRIORITY_LABELS)}.", field=path)
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("Use an id.", field=path)
    found = {
        "team": Team.objects.filter(pk=value),
        "skill": Skill.objects.filter(pk=value),
        "member": Membership.objects.filter(pk=value, is_active=True),
    }[key].exists()
    if not found:
        raise DomainError(f"No {key} with id {value}.", field=path)


@transaction.atomic
def sla_policy_save(
    *, tenant: Tenant, policy: SlaPolicy | None = None, values: Mapping[str, Any]
) -> SlaPolicy:
    """Create or change a policy: at least one target, one policy per tier and priority."""
    current = policy or SlaPolicy(tenant=tenant)
    for key in (
        "name",
        "tier",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "warning_minutes",
        "is_active",
    ):
        if key in values:
            setattr(current, key, values[key])
    if "priority" in values:
        current.priority = (
            None if values["priority"] is None else PRIORITY_LABELS[values["priority"]]
        )
    if current.tier == "":
        current.tier = None
    if "business_hours" in values:
        hours_id = values["business_hours"]
        if hours_id is not None and not BusinessHours.objects.filter(pk=hours_id).exists():
            raise DomainError(f"No business hours with id {hours_id}.", field="business_hours")
        current.business_hours_id = hours_id
    if "escalation" in values:
        current.escalation = _escalation_check(values["escalation"])
    targets = (
        current.first_response_minutes,
        current.next_response_minutes,
        current.resolution_minutes,
    )
    if all(t is None for t in targets):
        raise DomainError(
            "A policy needs at least one target (first response, next response or resolution).",
            field="first_response_minutes",
        )
    if any(t == 0 for t in targets):
        raise DomainError("Targets are at least one minute.", field="first_response_minutes")
    same = SlaPolicy.objects.filter(tier=current.tier, priority=current.priority, is_active=True)
    if current.is_active and same.exclude(pk=current.pk).exists():
        raise Conflict("An active policy for this tier and priority exists.", field="tier")
    _unique(current.save, "name", "A policy with this name exists.")
    routing_version_touch(tenant=tenant)
    return current


@transaction.atomic
def sla_policy_delete(*, policy: SlaPolicy) -> None:
    policy.delete()
    routing_version_touch(tenant=policy.tenant)


# --- teams and skills ----------------------------------------------------------------


def _members_check(member_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(member_ids))
    found = set(
        Membership.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)
    )
    missing = [m for m in wanted if m not in found]
    if missing:
        raise DomainError(f"No active member with id {missing[0]}.", field="members")
    return wanted


@transaction.atomic
def team_save(
    *,
    tenant: Tenant,
    team: Team | None = None,
    name: str | None = None,
    members: Sequence[int] | None = None,
) -> Team:
    current = team or Team(tenant=tenant)
    wanted = _members_check(members) if members is not None else None
    if name is not None:
        current.name = name
    _unique(current.save, "name", "A team with this name exists.")
    if wanted is not None:
        TeamMember.objects.filter(team=current).exclude(membership_id__in=wanted).delete()
        TeamMember.objects.bulk_create(
            [TeamMember(tenant=tenant, team=current, membership_id=m) for m in wanted],
            ignore_conflicts=True,
        )
    routing_version_touch(tenant=tenant)
    return current


def _rules_using(key: str, value: int) -> list[str]:
    names = []
    for rule in RoutingRule.objects.all():
        refs = [a.get(key) for a in rule.actions if isinstance(a, Mapping)]
        if value in refs:
            names.append(rule.name)
    for policy in SlaPolicy.objects.exclude(escalation=[]):
        if any(isinstance(a, Mapping) and a.get(key) == value for a in policy.escalation):
            names.append(policy.name)
    return sorted(names)


@transaction.atomic
def team_delete(*, team: Team) -> None:
    used = _rules_using("team", team.pk)
    if used:
        raise Conflict(f"Used by rules or policies: {', '.join(used)}.", field="id")
    team.delete()
    routing_version_touch(tenant=team.tenant)


@transaction.atomic
def skill_save(*, tenant: Tenant, skill: Skill | None = None, name: str) -> Skill:
    current = skill or Skill(tenant=tenant)
    current.name = name
    _unique(current.save, "name", "A skill with this name exists.")
    return current


@transaction.atomic
def skill_delete(*, skill: Skill) -> None:
    used = _rules_using("skill", skill.pk)
    if used:
        raise Conflict(f"Used by rules: {', '.join(used)}.", field="id")
    skill.delete()


# --- routing rules -------------------------------------------------------------------


def _rule_compile(rule: RoutingRule) -> Rule:
    try:
        return rule_compile(
            id=rule.pk or 0,
            name=rule.name,
            position=rule.position,
            trigger=rule.trigger,
            match=rule.match,
            conditions=rule.conditions,
            actions=rule.actions,
        )
    except RuleError as exc:
        raise DomainError(exc.message, field=exc.field) from None


@transaction.atomic
def routing_rule_save(
    *, tenant: Tenant, rule: RoutingRule | None = None, values: Mapping[str, Any]
) -> RoutingRule:
    """Create or change a rule: valid JSON, existing references, and no loops."""
    current = rule or RoutingRule(tenant=tenant)
    for key in ("name", "position", "enabled", "trigger", "match", "conditions", "actions"):
        if key in values:
            setattr(current, key, values[key])
    if current.trigger not in RuleTrigger.values:
        raise DomainError(f"Use one of {', '.join(RuleTrigger.values)}.", field="trigger")
    compiled = _rule_compile(current)
    for i, action in enumerate(current.actions):
        for key in ("team", "skill", "member"):
            if key in action:
                _reference_check(key, action[key], f"actions[{i}].{key}")
    if current.enabled:
        others = [
            _rule_compile(r)
            for r in RoutingRule.objects.filter(enabled=True).exclude(pk=current.pk or 0)
        ]
        cycle = rules_loop_find([*others, compiled])
        if cycle:
            raise DomainError(
                "These rules would re-trigger each other without end: " + " -> ".join(cycle),
                field="actions",
            )
    current.updated_at = timezone.now()
    _unique(current.save, "name", "A rule with this name exists.")
    routing_version_touch(tenant=tenant)
    return current


@transaction.atomic
def routing_rule_delete(*, rule: RoutingRule) -> None:
    rule.delete()
    routing_version_touch(tenant=rule.tenant)


# --- agents: skills, capacity, presence, load ----------------------------------------


def capacity_check(raw: Any) -> dict[str, int]:
    """A number for every kind, or a map kind -> number; stored as a map ('*' = every)."""
    if isinstance(raw, bool):
        raise DomainError("A number or a map of channel kind to number.", field="capacity")
    if isinstance(raw, int):
        raw = {"*": raw}
    if not isinstance(raw, Mapping) or not raw:
        raise DomainError("A number or a map of channel kind to number.", field="capacity")
    out = {}
    for kind, value in raw.items():
        if kind != "*" and kind not in CHANNEL_KINDS:
            raise DomainError(f"Unknown channel kind {kind!r}.", field=f"capacity.{kind}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
            raise DomainError("A whole number from 0 to 1000.", field=f"capacity.{kind}")
        out[str(kind)] = value
    return out


def _skills_check(raw: Any) -> dict[int, int]:
    if not isinstance(raw, list):
        raise DomainError("A list of {'skill', 'level'}.", field="skills")
    out: dict[int, int] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or set(item) - {"skill", "level"} or "skill" not in item:
            raise DomainError("Use {'skill': ID, 'level': 1-5}.", field=f"skills[{i}]")
        level = item.get("level", 3)
        if isinstance(level, bool) or level not in (1, 2, 3, 4, 5):
            raise DomainError("A level is 1 to 5.", field=f"skills[{i}].level")
        _reference_check("skill", item["skill"], f"skills[{i}].skill")
        out[int(item["skill"])] = int(level)
    return out


def agent_profile_of(*, membership: Membership) -> AgentProfile:
    profile = AgentProfile.objects.filter(membership=membership).first()
    return profile or AgentProfile(tenant_id=membership.tenant_id, membership=membership)


@transaction.atomic
def agent_settings_update(
    *,
    membership: Membership,
    skills: Any = None,
    capacity: Any = None,
    presence: str | None = None,
) -> AgentProfile:
    """Skills, capacity and presence of a member; frees queued work when they can take it."""
    wanted_skills = _skills_check(skills) if skills is not None else None
    wanted_capacity = capacity_check(capacity) if capacity is not None else None
    if presence is not None and presence not in Presence.values:
        raise DomainError(f"Use one of {', '.join(Presence.values)}.", field="presence")
    if wanted_skills is not None:
        AgentSkill.objects.filter(membership=membership).exclude(
            skill_id__in=list(wanted_skills)
        ).delete()
        for skill_id, level in wanted_skills.items():
            AgentSkill.objects.update_or_create(
                tenant_id=membership.tenant_id,
                membership=membership,
                skill_id=skill_id,
                defaults={"level": level},
            )
    profile = agent_profile_of(membership=membership)
    if wanted_capacity is not None:
        profile.capacity = wanted_capacity
    if presence is not None and presence != profile.presence:
        profile.presence = presence
        profile.presence_changed_at = timezone.now()
    profile.save()
    agent_loads_sync(membership=membership, capacity=profile.capacity)
    if profile.presence == Presence.ONLINE and membership.is_active:
        event_publish(
            tenant_id=membership.tenant_id,
            name="routing.agent_available",
            payload={"member": membership.pk},
        )
    return profile


def agent_loads_sync(*, membership: Membership, capacity: Mapping[str, int]) -> None:
    """One load row per channel kind carrying the member's capacity on it."""
    AgentLoad.objects.bulk_create(
        [
            AgentLoad(
                tenant_id=membership.tenant_id,
                membership=membership,
                channel_kind=kind,
                capacity=capacity_for(dict(capacity), kind),
            )
            for kind in CHANNEL_KINDS
        ],
        ignore_conflicts=True,
    )
    for kind in CHANNEL_KINDS:
        AgentLoad.objects.filter(membership=membership, channel_kind=kind).exclude(
            capacity=capacity_for(dict(capacity), kind)
        ).update(capacity=capacity_for(dict(capacity), kind))


def _load_kind(kind: str) -> str:
    return kind if kind in CHANNEL_KINDS else "api"


def agent_load_claim(*, load_id: int, at: datetime, skip_locked: bool = False) -> bool:
    """Take one slot if it is still free: one conditional UPDATE, safe under concurrency.

    With ``skip_locked`` a row another transaction holds is passed over instead of waited
    for: callers that already hold a load row (a release followed by a queue drain) use it,
    so two of them can never wait on each other.
    """
    free = AgentLoad.objects.filter(pk=load_id, active__lt=F("capacity"))
    if skip_locked:
        free = AgentLoad.objects.filter(
            pk__in=Subquery(free.select_for_update(skip_locked=True).values("pk")),
            active__lt=F("capacity"),
        )
    return free.update(active=F("active") + 1, last_assigned_at=at) == 1


def agent_load_take(*, member_id: int, tenant_id: int, channel_kind: str) -> None:
    """A manual assignment counts against the member's load even past capacity."""
    kind = _load_kind(channel_kind)
    updated = AgentLoad.objects.filter(membership_id=member_id, channel_kind=kind).update(
        active=F("active") + 1, last_assigned_at=timezone.now()
    )
    if not updated:
        profile = AgentProfile.objects.filter(membership_id=member_id).first()
        capacity = capacity_for(profile.capacity if profile else {}, kind)
        AgentLoad.objects.bulk_create(
            [
                AgentLoad(
                    tenant_id=tenant_id,
                    membership_id=member_id,
                    channel_kind=kind,
                    capacity=capacity,
                )
            ],
            ignore_conflicts=True,
        )
        AgentLoad.objects.filter(membership_id=member_id, channel_kind=kind).update(
            active=F("active") + 1, last_assigned_at=timezone.now()
        )


def agent_load_release(*, member_id: int, channel_kind: str) -> None:
    AgentLoad.objects.filter(
        membership_id=member_id, channel_kind=_load_kind(channel_kind), active__gt=0
    ).update(active=F("active") - 1)


@dataclass
class AssignmentResult:
    member_id: int | None
    reason: str
    considered: list[dict[str, Any]] = field(default_factory=list)
    user_id: int | None = None  # of member_id, when the claim read it along
    anyone_fits: bool = True  # False: nobody could take it whatever their load or presence


def _least_loaded(candidate: Any, kind: str) -> str:
    return (
        f"least loaded ({candidate.active}/{candidate.capacity} on {kind}), "
        "longest since last assignment among equals"
    )


def agent_assign(
    *,
    channel_kind: str,
    team_id: int | None,
    required_skills: Mapping[int, int],
    preferred_member_id: int | None = None,
    at: datetime | None = None,
    skip_locked: bool = False,
) -> AssignmentResult:
    """Claim a slot for the best available agent, or say why nobody fits."""
    at = at or timezone.now()
    kind = _load_kind(channel_kind)
    if preferred_member_id is not None:
        preferred = [
            c
            for c in agent_candidates(
                channel_kind=kind, team_id=None, required_skills={}, limit=1000
            )
            if c.member_id == preferred_member_id
        ]
        if preferred and agent_load_claim(
            load_id=preferred[0].load_id, at=at, skip_locked=skip_locked
        ):
            return AssignmentResult(preferred_member_id, "assigned by a rule")
    if connection.vendor == "postgresql":
        # The usual case in one statement; the loop below only when its pick filled up.
        pick = agent_pick_claim(
            tenant_id=tenant_current().pk, channel_kind=kind, team_id=team_id,
            required_skills=required_skills, at=at, skip_locked=skip_locked,
        )  # fmt: skip
        if not pick.candidates:
            return AssignmentResult(None, QUEUED_NOBODY, [], anyone_fits=pick.anyone_fits)
        if pick.chosen is not None:
            first = pick.chosen
            considered = [
                {"member": c.member_id, "active": c.active, "capacity": c.capacity}
                for c in pick.candidates
            ]
            return AssignmentResult(
                first.member_id, _least_loaded(first, kind), considered, user_id=pick.user_id
            )
    for _attempt in range(3):
        candidates = agent_candidates(
            channel_kind=kind, team_id=team_id, required_skills=required_skills
        )
        considered = [
            {"member": c.member_id, "active": c.active, "capacity": c.capacity} for c in candidates
        ]
        if not candidates:
            return AssignmentResult(None, QUEUED_NOBODY, considered)
        for candidate in candidates:
            if agent_load_claim(load_id=candidate.load_id, at=at, skip_locked=skip_locked):
                return AssignmentResult(
                    candidate.member_id, _least_loaded(candidate, kind), considered
                )
    return AssignmentResult(None, "queued: every fitting agent filled up meanwhile")
