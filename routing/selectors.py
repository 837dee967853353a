"""Reads of the routing room: the compiled configuration and the agents who can take work."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Exists, F, OuterRef

from routing.calendar import BusinessCalendar, CalendarError
from routing.engine import Rule, RuleError, rule_compile
from routing.models import (
    AgentLoad,
    AgentSkill,
    BusinessHours,
    Presence,
    RoutingRule,
    RoutingVersion,
    SlaPolicy,
    Team,
    TeamMember,
)
from routing.sla import PolicySpec


@dataclass(frozen=True)
class RoutingConfig:
    """Enabled rules in evaluation order and active policies, compiled."""

    rules: tuple[Rule, ...]
    policies: tuple[PolicySpec, ...]
    team_ids: frozenset[int] = frozenset()

    @cached_property
    def reads_tags(self) -> bool:
        """Whether any rule's condition looks at the ticket's tags."""
        return any(c.field == "tag" for rule in self.rules for c in rule.conditions)

    def policy(self, policy_id: int | None) -> PolicySpec | None:
        for policy in self.policies:
            if policy.id == policy_id:
                return policy
        return None


# tenant id -> (version token, compiled configuration, monotonic time the token was read)
_cache: dict[int, tuple[str, RoutingConfig, float]] = {}
_cache_lock = threading.Lock()
# How long a process trusts its compiled configuration before reading the version token
# again: a change made in another process applies within this; in this one at once.
RECHECK_SECONDS = 2.0


def calendar_build(hours: BusinessHours) -> BusinessCalendar:
    return BusinessCalendar.from_spec(
        timezone=hours.timezone,
        weekly=hours.weekly,
        holidays=hours.holidays,
        country=hours.country or None,
        subdivision=hours.subdivision or None,
    )


def _policy_spec(policy: SlaPolicy, calendars: Mapping[int, BusinessCalendar | None]) -> PolicySpec:
    return PolicySpec(
        id=policy.pk,
        name=policy.name,
        tier=policy.tier,
        priority=policy.priority,
        minutes={
            "first_response": policy.first_response_minutes,
            "next_response": policy.next_response_minutes,
            "resolution": policy.resolution_minutes,
        },
        calendar=calendars.get(policy.business_hours_id) if policy.business_hours_id else None,
        warning_minutes=policy.warning_minutes,
        escalation=tuple(policy.escalation or ()),
    )


def _config_load() -> RoutingConfig:
    rules = []
    for row in RoutingRule.objects.filter(enabled=True).order_by("position", "id"):
        try:
            rules.append(
                rule_compile(
                    id=row.pk,
                    name=row.name,
                    position=row.position,
                    trigger=row.trigger,
                    match=row.match,
                    conditions=row.conditions,
                    actions=row.actions,
                )
            )
        except RuleError:
            continue  # written around the API; a broken rule is skipped, never half-applied
    calendars: dict[int, BusinessCalendar | None] = {}
    for hours in BusinessHours.objects.all():
        try:
            calendars[hours.pk] = calendar_build(hours)
        except CalendarError:
            calendars[hours.pk] = None
    policies = tuple(
        _policy_spec(p, calendars) for p in SlaPolicy.objects.filter(is_active=True).order_by("id")
    )
    teams = frozenset(Team.objects.values_list("id", flat=True))
    return RoutingConfig(rules=tuple(rules), policies=policies, team_ids=teams)


_memo: ContextVar[dict[int, RoutingConfig] | None] = ContextVar("routing_memo", default=None)


@contextmanager
def routing_config_memo() -> Iterator[None]:
    """Within the block each tenant's configuration is read once, token included (batch
    work such as ingestion: a rule saved meanwhile applies from the next block on)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def routing_config(*, tenant_id: int) -> RoutingConfig:
    """The tenant's compiled configuration, cached per process until its token changes."""
    memo = _memo.get()
    if memo is not None and tenant_id in memo:
        return memo[tenant_id]
    config = _routing_config(tenant_id)
    if memo is not None:
        memo[tenant_id] = config
    return config


def _routing_config(tenant_id: int) -> RoutingConfig:
    """Cached per process until its token changes.

    The token is read at most every ``RECHECK_SECONDS``; ``routing_config_forget`` (called
    by every change) drops this process's copy at once.
    """
    cached = _cache.get(tenant_id)
    now = time.monotonic()
    if cached is not None and now - cached[2] < RECHECK_SECONDS:
        return cached[1]
    # A tenant that never configured routing has no token yet: "" until its first change.
    token = RoutingVersion.objects.values_list("token", flat=True).first() or ""
    if cached is not None and cached[0] == token:
        with _cache_lock:
            _cache[tenant_id] = (token, cached[1], now)
        return cached[1]
    config = _config_load()
    with _cache_lock:
        _cache[tenant_id] = (token, config, now)
    return config


def routing_config_forget(*, tenant_id: int | None = None) -> None:
    """Drop this process's compiled configuration of a tenant (of every tenant: None)."""
    with _cache_lock:
        if tenant_id is None:
            _cache.clear()
        else:
            _cache.pop(tenant_id, None)


@dataclass(frozen=True)
class Candidate:
    load_id: int
    member_id: int
    active: int
    capacity: int


def agent_candidates(
    *,
    channel_kind: str,
    team_id: int | None,
    required_skills: Mapping[int, int],
    limit: int = 10,
) -> list[Candidate]:
    """Online, active members with free capacity on this kind, the skills and the team.

    Least loaded first, then the one who waited longest since an assignment (round robin).
    """
    loads = AgentLoad.objects.filter(
        channel_kind=channel_kind,
        active__lt=F("capacity"),
        membership__is_active=True,
        membership__routing_profile__presence=Presence.ONLINE,
    )
    if team_id is not None:
        loads = loads.filter(
            Exists(
                TeamMember.objects.filter(team_id=team_id, membership_id=OuterRef("membership_id"))
            )
        )
    for skill_id, level in sorted(required_skills.items()):
        loads = loads.filter(
            Exists(
                AgentSkill.objects.filter(
                    membership_id=OuterRef("membership_id"), skill_id=skill_id, level__gte=level
                )
            )
        )
    rows = loads.order_by(
        "active", F("last_assigned_at").asc(nulls_first=True), "membership_id"
    ).values_list("id", "membership_id", "active", "capacity")[:limit]
    return [Candidate(*row) for row in rows]
