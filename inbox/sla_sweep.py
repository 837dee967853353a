"""The SLA breach sweeper: marks breaches and fires warnings, then escalates.

It reads only tickets whose ``sla_next_check_at`` has passed, through the partial index on
that column, so its cost follows the number of tickets falling due, not the number open.
A breach is dated at its due time, so a sweep after downtime still records it exactly.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from helpdesk.events import event_publish
from helpdesk.models import Membership, Tenant
from helpdesk.tenancy import tenant_scope
from inbox.assignment import routing_trace_add
from inbox.models import ACTIVE_STATUSES, Ticket
from inbox.rules import decision_apply, routing_input
from inbox.sla_clock import SLA_FIELDS, ticket_sla_changed
from routing.engine import PRIORITY_LABELS, RoutingDecision, rules_evaluate
from routing.models import RuleTrigger, Team, TeamMember
from routing.selectors import RoutingConfig, routing_config
from routing.sla import SlaFired, sla_columns, sla_dump, sla_load, sla_sweep

BATCH = 2000


@dataclass
class SweepResult:
    checked: int = 0
    breaches: int = 0
    warnings: int = 0
    seconds: float = 0.0
    write_seconds: float = 0.0  # of which writing the clock columns


def sla_sweep_run(*, now: datetime | None = None, batch: int = BATCH) -> SweepResult:
    """One sweep over every tenant: everything due by ``now`` (in batches)."""
    started = time.perf_counter()
    now = now or timezone.now()
    result = SweepResult()
    while True:
        # The sweeper serves every tenant; each batch is then handled in its tenant's scope.
        due = list(
            Ticket.objects.unscoped()
            .filter(sla_next_check_at__lte=now)
            .order_by("sla_next_check_at")
            .values_list("tenant_id", "id")[:batch]
        )
        if not due:
            break
        by_tenant: dict[int, list[int]] = defaultdict(list)
        for tenant_id, ticket_id in due:
            by_tenant[tenant_id].append(ticket_id)
        for tenant in Tenant.objects.filter(pk__in=list(by_tenant)):
            with tenant_scope(tenant):
                _sweep_tenant(tenant, by_tenant[tenant.pk], now, result)
        if len(due) < batch:
            break
    result.seconds = time.perf_counter() - started
    return result


@transaction.atomic
def _sweep_tenant(tenant: Tenant, ids: list[int], now: datetime, result: SweepResult) -> None:
    config = routing_config(tenant_id=tenant.pk)
    tickets = list(
        Ticket.objects.filter(pk__in=ids, sla_next_check_at__lte=now)
        .select_for_update(skip_locked=True)
        .order_by("id")
    )
    changed: list[Ticket] = []
    fired_by_ticket: list[tuple[Ticket, list[SlaFired]]] = []
    for ticket in tickets:
        result.checked += 1
        state = sla_load(ticket.sla_clock)
        policy = config.policy(state.policy_id)
        new_state, fired = sla_sweep(state, policy, now)
        columns = sla_columns(new_state, policy, ticket.sla_breached_at)
        if ticket.status not in ACTIVE_STATUSES:
            columns["sla_next_check_at"] = None
        for name, value in columns.items():
            setattr(ticket, name, value)
        ticket.sla_clock = sla_dump(new_state)
        changed.append(ticket)
        if fired:
            fired_by_ticket.append((ticket, fired))
    write_started = time.perf_counter()
    _clock_columns_write(changed)
    result.write_seconds += time.perf_counter() - write_started
    # One event per kind and batch: a sweep after downtime may fire thousands at once.
    batches: dict[str, list[dict[str, Any]]] = {"breach": [], "warning": []}
    for ticket, fired in fired_by_ticket:
        for event in fired:
            batches[event.kind].append(
                {"ticket": ticket.pk, "target": event.target, "at": event.at.isoformat()}
            )
    result.breaches += len(batches["breach"])
    result.warnings += len(batches["warning"])
    for kind, name in (("breach", "ticket.sla_breached"), ("warning", "ticket.sla_warning")):
        if batches[kind]:
            event_publish(tenant_id=tenant.pk, name=name, payload={"tickets": batches[kind]})
    for ticket, fired in fired_by_ticket:
        _escalate(ticket, fired, config, now)


SWEEP_COLUMNS = [f for f in SLA_FIELDS if f != "sla_policy"]


def _clock_columns_write(tickets: list[Ticket]) -> None:
    """Write the swept clock columns of many tickets in one statement."""
    if not tickets:
        return
    if connection.vendor != "postgresql":
        Ticket.objects.bulk_update(tickets, SWEEP_COLUMNS)
        return
    table = Ticket._meta.db_table
    casts = {"sla_clock": "jsonb"}
    arrays = ", ".join(
        f"unnest(%s::{'text' if casts.get(c) else 'timestamptz'}[]) AS {c}" for c in SWEEP_COLUMNS
    )
    sets = ", ".join(f"{c} = v.{c}{'::jsonb' if casts.get(c) else ''}" for c in SWEEP_COLUMNS)
    params: list[Any] = [[t.pk for t in tickets]]
    for column in SWEEP_COLUMNS:
        if column == "sla_clock":
            params.append([json.dumps(t.sla_clock) for t in tickets])
        else:
            params.append([getattr(t, column) for t in tickets])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {sets} "  # noqa: S608 (names come from the model)
            f"FROM (SELECT unnest(%s::bigint[]) AS id, {arrays}) AS v WHERE t.id = v.id",
            params,
        )


def _escalate(ticket: Ticket, fired: list[SlaFired], config: RoutingConfig, now: datetime) -> None:
    """The policy's escalation actions and the rules triggered by a warning or a breach."""
    from inbox.services import ticket_update  # services imports the rules seam

    policy = config.policy(ticket.sla_policy_id)
    kinds = {event.kind for event in fired}
    done: list[dict[str, Any]] = []
    for action in policy.escalation if policy else ():
        if action["when"] not in kinds:
            continue
        kind = action["type"]
        if kind == "set_priority":
            level = PRIORITY_LABELS[action["priority"]]
            if level > ticket.priority:
                ticket_update(ticket=ticket, actor=None, priority=level)
        elif kind == "assign":
            member = Membership.objects.filter(pk=action["member"], is_active=True).first()
            if member is not None and member.pk != ticket.assignee_id:
                ticket_update(ticket=ticket, actor=None, assignee=member)
        elif kind == "set_team":
            team = Team.objects.filter(pk=action["team"]).first()
            if team is not None:
                ticket_update(ticket=ticket, actor=None, team=team)
        elif kind == "notify_team":
            users = TeamMember.objects.filter(team_id=action["team"]).values_list(
                "membership__user_id", flat=True
            )
            event_publish(
                tenant_id=ticket.tenant_id,
                name="sla.team_notified",
                payload={
                    "ticket": ticket.pk,
                    "team": action["team"],
                    "targets": sorted({e.target for e in fired}),
                    "kind": sorted(kinds),
                },
                user_ids=tuple(users),
                broadcast=False,
            )
        done.append(dict(action))
    triggers = []
    if "breach" in kinds:
        triggers.append(RuleTrigger.SLA_BREACHED)
    if "warning" in kinds:
        triggers.append(RuleTrigger.SLA_WARNING)
    decision = RoutingDecision()
    if any(rule.trigger in triggers for rule in config.rules):
        decision = rules_evaluate(
            config.rules, routing_input(ticket=ticket, message=None, at=now), triggers=triggers
        )
    changes: dict[str, Any] = {}
    if decision.matched:
        old_priority = ticket.priority
        changes = decision_apply(ticket=ticket, decision=decision)
        ticket_sla_changed(
            ticket=ticket, old_status=ticket.status, old_priority=old_priority, at=now
        )
        if decision.assign_member_id and decision.assign_member_id != ticket.assignee_id:
            member = Membership.objects.filter(pk=decision.assign_member_id, is_active=True).first()
            if member is not None:
                ticket_update(ticket=ticket, actor=None, assignee=member)
                changes["assignee"] = member.pk
    if done or decision.matched:
        routing_trace_add(
            ticket=ticket,
            trigger="sla_breached" if "breach" in kinds else "sla_warning",
            matched=decision.matched,
            decision=changes | ({"escalation": done} if done else {}),
            at=now,
        )
