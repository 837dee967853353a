"""SLA policy choice and clocks: pure functions over plain data, no ORM.

A clock per target (first response, next response, resolution) counts business seconds on
the policy's calendar. Running, it has a ``due`` instant; paused, it keeps the seconds it has
consumed and resumes with the rest. Met and breached instants are recorded per target; a
breach is dated at the due time, so a sweep that runs late (or after downtime) still records
when the target was really missed. Channel never enters: a policy is chosen by customer tier
and ticket priority alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from routing.calendar import BusinessCalendar, add_business_time, business_seconds_between

TARGETS = ("first_response", "next_response", "resolution")


@dataclass(frozen=True)
class PolicySpec:
    id: int
    name: str
    tier: str | None
    priority: int | None
    minutes: Mapping[str, int | None]  # target -> minutes (None: no target)
    calendar: BusinessCalendar | None = None
    warning_minutes: int = 0
    escalation: tuple[Mapping[str, Any], ...] = ()

    def target_seconds(self, target: str) -> int | None:
        minutes = self.minutes.get(target)
        return None if minutes is None else int(minutes) * 60


def policy_choose(policies: Sequence[PolicySpec], *, tier: str, priority: int) -> PolicySpec | None:
    """The most specific policy matching tier and priority (null matches any).

    Tier and priority both set beats one set beats none; a tier match beats a priority
    match (the tier is the customer's contract); then the oldest policy.
    """
    best: PolicySpec | None = None
    best_rank: tuple[int, int, int] | None = None
    for policy in policies:
        if policy.tier is not None and policy.tier != tier:
            continue
        if policy.priority is not None and policy.priority != priority:
            continue
        rank = (
            (policy.tier is not None) + (policy.priority is not None),
            policy.tier is not None,
            -policy.id,
        )
        if best_rank is None or rank > best_rank:
            best, best_rank = policy, rank
    return best


@dataclass(frozen=True)
class Clock:
    target_seconds: int
    started_at: datetime
    consumed_seconds: int = 0
    segment_start: datetime | None = None  # set while running
    due: datetime | None = None
    met_at: datetime | None = None
    breached_at: datetime | None = None
    warned_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.segment_start is not None and self.met_at is None


@dataclass(frozen=True)
class SlaState:
    policy_id: int | None = None
    clocks: Mapping[str, Clock] = field(default_factory=dict)
    paused_at: datetime | None = None


@dataclass(frozen=True)
class SlaFired:
    kind: str  # "warning" | "breach"
    target: str
    at: datetime


# --- clock arithmetic ----------------------------------------------------------------


def _run(clock: Clock, policy: PolicySpec, at: datetime) -> Clock:
    left = max(0, clock.target_seconds - clock.consumed_seconds)
    due = add_business_time(policy.calendar, at, timedelta(seconds=left))
    return replace(clock, segment_start=at, due=due)


def _stop(clock: Clock, policy: PolicySpec, at: datetime) -> Clock:
    if clock.segment_start is None:
        return clock
    used = business_seconds_between(policy.calendar, clock.segment_start, at)
    return replace(clock, consumed_seconds=clock.consumed_seconds + used, segment_start=None)


def _met(clock: Clock, at: datetime) -> Clock:
    breached = clock.breached_at
    if breached is None and clock.due is not None and at > clock.due:
        breached = clock.due
    return replace(clock, met_at=at, segment_start=None, breached_at=breached)


def _start(policy: PolicySpec, target: str, at: datetime) -> Clock | None:
    seconds = policy.target_seconds(target)
    if seconds is None:
        return None
    return _run(Clock(target_seconds=seconds, started_at=at), policy, at)


def _with(state: SlaState, **clocks: Clock | None) -> SlaState:
    merged = dict(state.clocks)
    for name, clock in clocks.items():
        if clock is None:
            merged.pop(name, None)
        else:
            merged[name] = clock
    return replace(state, clocks=merged)


# --- events --------------------------------------------------------------------------


def sla_start(policy: PolicySpec | None, at: datetime) -> SlaState:
    """A new ticket: first response and resolution start counting."""
    if policy is None:
        return SlaState()
    state = SlaState(policy_id=policy.id)
    return _with(
        state,
        first_response=_start(policy, "first_response", at),
        resolution=_start(policy, "resolution", at),
    )


def sla_customer_message(state: SlaState, policy: PolicySpec | None, at: datetime) -> SlaState:
    """A customer wrote: after an agent reply, the next-response clock starts again."""
    if policy is None:
        return state
    first = state.clocks.get("first_response")
    replied = first is None or first.met_at is not None
    current = state.clocks.get("next_response")
    if not replied or (current is not None and current.met_at is None):
        return state
    clock = _start(policy, "next_response", at)
    if clock is not None and state.paused_at is not None:
        clock = replace(clock, segment_start=None, due=None)
    return _with(state, next_response=clock)


def sla_agent_reply(state: SlaState, at: datetime) -> SlaState:
    """An agent answered the customer: first and next response are met."""
    updates: dict[str, Clock | None] = {}
    for name in ("first_response", "next_response"):
        clock = state.clocks.get(name)
        if clock is not None and clock.met_at is None:
            updates[name] = _met(clock, at)
    return _with(state, **updates) if updates else state


def sla_pause(state: SlaState, policy: PolicySpec | None, at: datetime) -> SlaState:
    """Pending on the customer or on hold: every running clock keeps its remaining time."""
    if policy is None or state.paused_at is not None:
        return state
    updates = {
        name: replace(_stop(clock, policy, at), due=None)
        for name, clock in state.clocks.items()
        if clock.running
    }
    return replace(_with(state, **updates), paused_at=at)


def sla_resume(state: SlaState, policy: PolicySpec | None, at: datetime) -> SlaState:
    """Back to work: paused clocks run again with their remaining business time."""
    if policy is None:
        return replace(state, paused_at=None)
    updates = {
        name: _run(clock, policy, at)
        for name, clock in state.clocks.items()
        if clock.met_at is None and clock.segment_start is None
    }
    return replace(_with(state, **updates), paused_at=None)


def sla_solve(state: SlaState, policy: PolicySpec | None, at: datetime) -> SlaState:
    """Solved: resolution is met; the other clocks stop with their consumed time kept."""
    if policy is None:
        return state
    updates: dict[str, Clock | None] = {}
    for name, clock in state.clocks.items():
        stopped = _stop(clock, policy, at)
        if name == "resolution" and clock.met_at is None:
            if state.paused_at is None:
                stopped = replace(stopped, due=clock.due)
            updates[name] = _met(stopped, at)
        elif clock.running:
            updates[name] = replace(stopped, due=None)
    return replace(_with(state, **updates), paused_at=None)


def sla_reopen(state: SlaState, policy: PolicySpec | None, at: datetime) -> SlaState:
    """A solved ticket is active again: resolution resumes with what was left of it."""
    resolution = state.clocks.get("resolution")
    if resolution is not None and resolution.met_at is not None:
        state = _with(state, resolution=replace(resolution, met_at=None, due=None))
    return sla_resume(state, policy, at)


def sla_repolicy(
    state: SlaState, old: PolicySpec | None, new: PolicySpec | None, at: datetime
) -> SlaState:
    """Tier or priority changed the policy: targets change, consumed time is kept."""
    if new is None:
        return SlaState(paused_at=state.paused_at)
    if old is None or not state.clocks:
        started = sla_start(new, at)
        if state.paused_at is not None:
            started = sla_pause(started, new, at)
        return started
    updates: dict[str, Clock | None] = {}
    for name, clock in state.clocks.items():
        seconds = new.target_seconds(name)
        if seconds is None:
            updates[name] = None
            continue
        moved = _stop(clock, old, at) if clock.running else clock
        moved = replace(moved, target_seconds=seconds, warned_at=None)
        if clock.met_at is None and state.paused_at is None:
            moved = _run(moved, new, at)
        updates[name] = moved
    for name in ("first_response", "resolution"):
        if name not in state.clocks and new.target_seconds(name) is not None:
            updates[name] = _start(new, name, at)
    return replace(_with(state, **updates), policy_id=new.id)


def sla_sweep(
    state: SlaState, policy: PolicySpec | None, now: datetime
) -> tuple[SlaState, list[SlaFired]]:
    """Breaches (dated at their due time) and warnings that are due by ``now``."""
    fired: list[SlaFired] = []
    updates: dict[str, Clock | None] = {}
    warning = timedelta(minutes=policy.warning_minutes if policy else 0)
    for name, clock in state.clocks.items():
        if not clock.running or clock.due is None or clock.breached_at is not None:
            continue
        if clock.due <= now:
            updates[name] = replace(clock, breached_at=clock.due)
            fired.append(SlaFired("breach", name, clock.due))
        elif warning and clock.warned_at is None and clock.due - warning <= now:
            updates[name] = replace(clock, warned_at=now)
            fired.append(SlaFired("warning", name, now))
    return (_with(state, **updates) if updates else state), fired


# --- what the ticket stores ----------------------------------------------------------


def sla_columns(
    state: SlaState, policy: PolicySpec | None, breached_before: datetime | None
) -> dict[str, datetime | None]:
    """The indexed columns: due times, the inbox's urgency, the sweeper's next look."""
    clocks = state.clocks
    warning = timedelta(minutes=policy.warning_minutes if policy else 0)
    running = [c for c in clocks.values() if c.running and c.due is not None]
    checks = []
    for clock in running:
        assert clock.due is not None
        if clock.breached_at is None:
            checks.append(clock.due)
            if warning and clock.warned_at is None:
                checks.append(clock.due - warning)
    breaches = [c.breached_at for c in clocks.values() if c.breached_at is not None]
    if breached_before is not None:
        breaches.append(breached_before)

    def due(name: str) -> datetime | None:
        clock = clocks.get(name)
        return clock.due if clock is not None else None

    return {
        "first_response_due_at": due("first_response"),
        "next_response_due_at": due("next_response"),
        "resolution_due_at": due("resolution"),
        "sla_due_at": min((c.due for c in running if c.due), default=None),
        "sla_next_check_at": min(checks, default=None),
        "sla_breached_at": min(breaches, default=None),
        "sla_paused_at": state.paused_at,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def sla_dump(state: SlaState) -> dict[str, Any]:
    return {
        "policy": state.policy_id,
        "paused_at": _iso(state.paused_at),
        "clocks": {
            name: {
                "target_seconds": c.target_seconds,
                "started_at": _iso(c.started_at),
                "consumed_seconds": c.consumed_seconds,
                "segment_start": _iso(c.segment_start),
                "due": _iso(c.due),
                "met_at": _iso(c.met_at),
                "breached_at": _iso(c.breached_at),
                "warned_at": _iso(c.warned_at),
            }
            for name, c in state.clocks.items()
        },
    }


def sla_load(raw: Mapping[str, Any] | None) -> SlaState:
    if not raw:
        return SlaState()
    clocks = {}
    for name, c in (raw.get("clocks") or {}).items():
        started = _dt(c["started_at"])
        assert started is not None
        clocks[name] = Clock(
            target_seconds=int(c["target_seconds"]),
            started_at=started,
            consumed_seconds=int(c.get("consumed_seconds", 0)),
            segment_start=_dt(c.get("segment_start")),
            due=_dt(c.get("due")),
            met_at=_dt(c.get("met_at")),
            breached_at=_dt(c.get("breached_at")),
            warned_at=_dt(c.get("warned_at")),
        )
    return SlaState(policy_id=raw.get("policy"), clocks=clocks, paused_at=_dt(raw.get("paused_at")))


def sla_remaining_seconds(state: SlaState, policy: PolicySpec | None) -> dict[str, int]:
    """Business seconds left per unmet target (what a paused ticket resumes with)."""
    out = {}
    for name, clock in state.clocks.items():
        if clock.met_at is None and clock.segment_start is None:
            out[name] = max(0, clock.target_seconds - clock.consumed_seconds)
    return out
