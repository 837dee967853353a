"""Assignment of tickets to agents: capacity slots, the queue, and the routing trace.

The slot arithmetic is routing's (``agent_assign`` claims with one conditional UPDATE);
this module records on the ticket which slot its assignee holds, queues what nobody can
take, and drains the queue whenever capacity frees up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from helpdesk.events import event_publish
from helpdesk.models import Membership, Tenant
from inbox.models import ACTIVE_STATUSES, RoutingTrace, Ticket
from routing.models import AgentLoad
from routing.services import (
    AssignmentResult,
    agent_assign,
    agent_load_release,
    agent_load_take,
)

DRAIN_LIMIT = 100
QUEUE_LOCK_SPACE = 50_001  # first key of pg_advisory_xact_lock: the routing queue
ASSIGNED_FIELDS = ["assignee", "routing_kind", "routing_queued_at", "updated_at"]


def ticket_kind(ticket: Ticket) -> str:
    """The channel kind whose capacity a ticket uses: where the conversation started."""
    return ticket.channel_kinds[0] if ticket.channel_kinds else "api"


def _requirements(ticket: Ticket) -> tuple[int | None, dict[int, int]]:
    raw = ticket.routing_requirements or {}
    skills = {int(k): int(v) for k, v in (raw.get("skills") or {}).items()}
    return ticket.team_id or raw.get("team"), skills


def routing_trace_add(
    *,
    ticket: Ticket,
    trigger: str,
    matched: list[dict[str, Any]] | None = None,
    decision: Mapping[str, Any] | None = None,
    assignment: Mapping[str, Any] | None = None,
    sla: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    save: bool = True,
) -> RoutingTrace:
    """A trace row; ``save=False`` leaves the insert to the caller."""
    trace = RoutingTrace(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        trigger=trigger,
        matched=matched or [],
        decision=dict(decision or {}),
        assignment=dict(assignment or {}),
        sla=dict(sla or {}),
        created_at=at or timezone.now(),
    )
    if save:
        trace.save(force_insert=True)
    return trace


def _assigned_event(ticket: Ticket, member_id: int, user_id: int | None = None) -> None:
    from inbox.services import ticket_payload  # services imports this module's callers

    if user_id is None:
        user_id = Membership.objects.filter(pk=member_id).values_list("user_id", flat=True).first()
    event_publish(
        tenant_id=ticket.tenant_id,
        name="ticket.updated",
        payload=ticket_payload(ticket) | {"changed": ["assignee"], "actor": None},
        user_ids=(user_id,) if user_id else (),
    )


def ticket_assign_auto(
    *,
    ticket: Ticket,
    preferred_member_id: int | None = None,
    at: datetime | None = None,
    skip_locked: bool = False,
    save: bool = True,
) -> AssignmentResult:
    """Give an unassigned ticket to the best available agent, or queue it.

    ``save=False`` leaves the ticket's columns for the caller to write (its event still
    goes out on commit).
    """
    at = at or timezone.now()
    team_id, skills = _requirements(ticket)
    kind = ticket_kind(ticket)

    def attempt() -> AssignmentResult:
        return agent_assign(
            channel_kind=kind,
            team_id=team_id,
            required_skills=skills,
            preferred_member_id=preferred_member_id,
            at=at,
            skip_locked=skip_locked,
        )

    result = attempt()
    if result.member_id is None and not skip_locked and result.anyone_fits:
        # About to queue: after the queue lock, every release committed before it is
        # visible, and every later one drains after this commits and sees the ticket.
        queue_lock(tenant_id=ticket.tenant_id)
        result = attempt()
    if result.member_id is not None:
        ticket.assignee_id = result.member_id
        ticket.routing_kind = kind
        ticket.routing_queued_at = None
        ticket.updated_at = at
        if save:
            ticket.save(update_fields=ASSIGNED_FIELDS)
        _assigned_event(ticket, result.member_id, result.user_id)
    elif ticket.routing_queued_at is None:
        ticket.routing_queued_at = at
        if save:
            ticket.save(update_fields=["routing_queued_at"])
    return result


def assignment_summary(result: AssignmentResult, ticket: Ticket) -> dict[str, Any]:
    team_id, skills = _requirements(ticket)
    return {
        "member": result.member_id,
        "reason": result.reason,
        "channel_kind": ticket_kind(ticket),
        "team": team_id,
        "required_skills": [{"skill": s, "level": lvl} for s, lvl in sorted(skills.items())],
        "candidates": result.considered,
    }


def ticket_assignee_changed(
    *, ticket: Ticket, old_assignee_id: int | None, old_status: str, at: datetime
) -> bool:
    """Keep capacity slots true after a manual change; True when a slot was freed."""
    freed = False
    done = ticket.status not in ACTIVE_STATUSES
    holder_changed = ticket.assignee_id != old_assignee_id
    if holder_changed and old_assignee_id and ticket.assignee_id:
        # A hand-over touches two load rows: lock them in one order so swaps cannot deadlock.
        list(
            AgentLoad.objects.filter(membership_id__in=[old_assignee_id, ticket.assignee_id])
            .order_by("id")
            .select_for_update()
            .values_list("id", flat=True)
        )
    if ticket.routing_kind and old_assignee_id and (holder_changed or done):
        agent_load_release(member_id=old_assignee_id, channel_kind=ticket.routing_kind)
        ticket.routing_kind = ""
        freed = True
    if not done and ticket.assignee_id and not ticket.routing_kind:
        agent_load_take(
            member_id=ticket.assignee_id,
            tenant_id=ticket.tenant_id,
            channel_kind=ticket_kind(ticket),
        )
        ticket.routing_kind = ticket_kind(ticket)
    if ticket.assignee_id or done:
        ticket.routing_queued_at = None
    elif ticket.routing_queued_at is None:
        ticket.routing_queued_at = at
    ticket.save(update_fields=["routing_kind", "routing_queued_at"])
    if holder_changed and old_assignee_id is not None:
        routing_trace_add(
            ticket=ticket,
            trigger="manual",
            assignment={"member": ticket.assignee_id, "reason": "changed by a person"},
            at=at,
        )
    return freed


def queue_lock(*, tenant_id: int) -> None:
    """Serialize the tenant's queue decisions until this transaction ends (PostgreSQL).

    A drain and a ticket being queued take it before they look: each then sees what the
    ones before it committed (capacity freed, tickets queued), and the ones after it see
    what it commits. Without it a drain could miss a slot freed by a transaction still in
    flight, whose own drain skipped the ticket the first one held: work waiting beside an
    idle agent until the next release. Only queueing waits for it, never a plain claim;
    holders claim load rows with SKIP LOCKED, so nothing waits in a circle.
    """
    if connection.vendor != "postgresql":
        return  # SQLite runs one writer at a time
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [QUEUE_LOCK_SPACE, tenant_id])


def ticket_queue_drain(*, tenant: Tenant, limit: int = DRAIN_LIMIT) -> int:
    """Assign queued tickets, most urgent first, while someone has room. Returns how many.

    Drains of a tenant run one after another (``queue_lock``); tickets are locked one at a
    time (skip locked) only when tried, so an agent's open edit of a queued ticket never
    blocks the queue.
    """
    assigned = 0
    hopeless: set[tuple[str, int | None, tuple[tuple[int, int], ...]]] = set()
    with transaction.atomic():
        queue_lock(tenant_id=tenant.pk)
        queued = (
            Ticket.objects.filter(routing_queued_at__isnull=False, assignee__isnull=True)
            .filter(status__in=ACTIVE_STATUSES)
            .order_by(F("sla_due_at").asc(nulls_last=True), "-priority", "routing_queued_at", "id")
            .values_list("id", "channel_kinds", "team_id", "routing_requirements")[:limit]
        )
        for ticket_id, kinds, team, requirements in queued:
            skills = {int(k): int(v) for k, v in ((requirements or {}).get("skills") or {}).items()}
            kind = kinds[0] if kinds else "api"
            signature = (
                kind,
                team or (requirements or {}).get("team"),
                tuple(sorted(skills.items())),
            )
            if signature in hopeless:
                continue
            ticket = (
                Ticket.objects.filter(pk=ticket_id, assignee__isnull=True)
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if ticket is None:
                continue  # another drain holds it, or it was just assigned
            # This transaction may hold a load row it just released: never wait on another.
            result = ticket_assign_auto(ticket=ticket, skip_locked=True)
            if result.member_id is None:
                hopeless.add(signature)
                continue
            assigned += 1
            routing_trace_add(
                ticket=ticket,
                trigger="queue",
                assignment=assignment_summary(result, ticket),
            )
    return assigned
