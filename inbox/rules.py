"""The seam where routing and SLA rules act on a ticket after a message lands on it.

Kept apart from ``services.py`` so the rules can grow without touching ingestion. The
decisions are routing's (pure functions over a ``RoutingInput``); this module applies them
to the ticket: tags, priority, team, required skills, SLA clocks, assignment, and a trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from helpdesk.events import event_publish
from helpdesk.models import Membership
from helpdesk.ride_along import statement_defer
from inbox.assignment import (
    ASSIGNED_FIELDS,
    assignment_summary,
    routing_trace_add,
    ticket_assign_auto,
    ticket_assignee_changed,
    ticket_queue_drain,
)
from inbox.models import Message, RoutingTrace, Tag, Ticket, TicketStatus, TicketTag
from inbox.sla_clock import (
    SLA_FIELDS,
    ticket_sla_changed,
    ticket_sla_inbound,
    ticket_sla_outbound,
)
from routing.engine import PRIORITY_NAMES, RoutingDecision, RoutingInput, rules_evaluate
from routing.models import RuleTrigger, Team
from routing.selectors import RoutingConfig, routing_config


def routing_input(
    *,
    ticket: Ticket,
    message: Message | None,
    at: datetime,
    created: bool = False,
    tags: bool = True,
) -> RoutingInput:
    """What the rules see: the request and the customer, the same on every channel.

    ``tags=False`` when no rule reads them: the ticket's tags are then not looked up.
    """
    customer = ticket.customer
    org = customer.organization if customer.organization_id else None
    try:
        zone = ZoneInfo(ticket.tenant.time_zone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    local = at.astimezone(zone)
    return RoutingInput(
        subject=ticket.subject,
        body=message.body_text if message is not None else "",
        channel=message.channel_kind if message is not None else "",
        tier=customer.effective_tier,
        organization_id=org.pk if org else None,
        organization_name=org.name if org else "",
        language=ticket.language or customer.language,
        tags=frozenset()
        if created or not tags
        else frozenset(ticket.tags.values_list("name", flat=True)),
        priority=ticket.priority,
        local_minute=local.hour * 60 + local.minute,
    )


def _tags_add(ticket: Ticket, names: list[str]) -> None:
    if connection.vendor == "postgresql":
        _tags_add_one_statement(ticket, names)
        return
    tags = [Tag.objects.get_or_create(tenant_id=ticket.tenant_id, name=name)[0] for name in names]
    TicketTag.objects.bulk_create(
        [TicketTag(tenant_id=ticket.tenant_id, ticket=ticket, tag=tag) for tag in tags],
        ignore_conflicts=True,
    )


def _tags_ctes() -> str:
    """CTEs creating the missing tags of ``%(tag_names)s`` and putting all on the ticket."""
    tag, link = Tag._meta.db_table, TicketTag._meta.db_table
    return f"""
wanted AS (SELECT DISTINCT unnest(%(tag_names)s::text[]) AS name),
made AS (
    INSERT INTO {tag} (tenant_id, name) SELECT %(tenant)s, name FROM wanted
    ON CONFLICT (tenant_id, name) DO NOTHING RETURNING id
), tags AS (
    SELECT id FROM made
    UNION SELECT t.id FROM {tag} AS t JOIN wanted AS w ON t.name = w.name
    WHERE t.tenant_id = %(tenant)s
), linked AS (
    INSERT INTO {link} (tenant_id, ticket_id, tag_id)
    SELECT %(tenant)s, %(ticket)s, id FROM tags
    ON CONFLICT DO NOTHING
)"""  # noqa: S608 (table names come from the models; every row is the ticket's tenant's)


def _tags_add_one_statement(ticket: Ticket, names: list[str]) -> None:
    """Missing tags created and all of them put on the ticket, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {_tags_ctes()} SELECT 1",
            {"tag_names": names, "tenant": ticket.tenant_id, "ticket": ticket.pk},
        )


def decision_apply(
    *,
    ticket: Ticket,
    decision: RoutingDecision,
    config: RoutingConfig | None = None,
    fields: list[str] | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """Write tags, priority, team and required skills; returns what changed for the trace.

    Priority and team are written straight onto the row (one UPDATE, one event): the SLA
    clocks that depend on priority are set by the caller right after. With ``fields`` the
    ticket's changed columns are only set and their names added there, for the caller to
    write; likewise with ``tags`` the tag names to add. ``config`` knows which teams exist
    (else a query does).
    """
    changes: dict[str, Any] = {}
    write = fields is None
    fields = [] if fields is None else fields
    if decision.tags:
        if tags is None:
            _tags_add(ticket, decision.tags)
        else:
            tags += decision.tags
        changes["tags"] = decision.tags
    team_id = decision.team_id
    if (
        team_id is not None
        and team_id != ticket.team_id
        and (
            team_id in config.team_ids
            if config is not None
            else Team.objects.filter(pk=team_id).exists()
        )
    ):
        ticket.team_id = team_id
        fields.append("team")
        changes["team"] = decision.team_id
    if decision.priority is not None and decision.priority != ticket.priority:
        ticket.priority = decision.priority
        fields.append("priority")
        changes["priority"] = PRIORITY_NAMES[decision.priority]
    if decision.required_skills or decision.team_id is not None:
        requirements = dict(ticket.routing_requirements or {})
        skills = {int(k): int(v) for k, v in (requirements.get("skills") or {}).items()}
        for skill, level in decision.required_skills.items():
            skills[skill] = max(level, skills.get(skill, 0))
        requirements["skills"] = {str(k): v for k, v in sorted(skills.items())}
        if decision.team_id is not None:
            requirements["team"] = decision.team_id
        ticket.routing_requirements = requirements
        fields.append("routing_requirements")
        changes["requirements"] = requirements
    if fields:
        ticket.updated_at = timezone.now()
        if write:
            ticket.save(update_fields=[*fields, "updated_at"])
        else:
            fields.append("updated_at")
    if changes:
        _changed_event(ticket, sorted(set(changes) & {"tags", "team", "priority"}))
    return changes


def _changed_event(ticket: Ticket, changed: list[str]) -> None:
    from inbox.services import ticket_payload  # services imports this seam

    if changed:
        event_publish(
            tenant_id=ticket.tenant_id,
            name="ticket.updated",
            payload=ticket_payload(ticket) | {"changed": changed, "actor": None},
        )


def _clock_summary(ticket: Ticket) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "policy": ticket.sla_policy_id,
        "first_response_due_at": iso(ticket.first_response_due_at),
        "next_response_due_at": iso(ticket.next_response_due_at),
        "resolution_due_at": iso(ticket.resolution_due_at),
    }


def ticket_rules_apply(
    *, ticket: Ticket, message: Message, created: bool, fields: Sequence[str] = ()
) -> None:
    """Rules, SLA clocks and assignment for an inbound message, on any channel.

    The ticket's columns are written once at the end (``fields`` the caller changed, then
    decision, clocks, assignee): one UPDATE with the trace; a slot is claimed with the agent's
    choice in one statement.
    """
    from inbox.services import ticket_update  # services imports this seam

    at = message.created_at
    if ticket.status == TicketStatus.PENDING:
        # Pending on the customer, and the customer answered: the clocks run again.
        ticket_update(ticket=ticket, actor=None, status=TicketStatus.OPEN)
    config = routing_config(tenant_id=ticket.tenant_id)
    triggers = (RuleTrigger.CREATED, RuleTrigger.MESSAGE) if created else (RuleTrigger.MESSAGE,)
    data = routing_input(
        ticket=ticket, message=message, at=at, created=created, tags=config.reads_tags
    )
    decision = rules_evaluate(config.rules, data, triggers=triggers)
    fields = list(fields)
    tags: list[str] = []
    changes = decision_apply(
        ticket=ticket, decision=decision, config=config, fields=fields, tags=tags
    )
    ticket_sla_inbound(ticket=ticket, at=at, created=created, config=config, save=False)
    fields += SLA_FIELDS
    assignment: dict[str, Any] = {}
    wants_agent = created or decision.assign_member_id is not None or changes
    if ticket.assignee_id is None and ticket.routing_queued_at is None and wants_agent:
        result = ticket_assign_auto(
            ticket=ticket,
            preferred_member_id=decision.assign_member_id,
            at=timezone.now(),
            save=False,
        )
        fields += ASSIGNED_FIELDS if result.member_id is not None else ["routing_queued_at"]
        assignment = assignment_summary(result, ticket)
    trace = None
    if created or decision.matched or assignment:
        trace = routing_trace_add(
            ticket=ticket,
            trigger="created" if created else "message",
            matched=decision.matched,
            decision=changes,
            assignment=assignment,
            sla=_clock_summary(ticket),
            at=at,
            save=False,
        )
    _ticket_write(ticket, sorted(set(fields)), trace, tags)


def _ticket_write(
    ticket: Ticket, fields: list[str], trace: RoutingTrace | None, tags: list[str]
) -> None:
    """The ticket's changed columns, its trace row and its new tags: one statement on
    PostgreSQL."""
    if connection.vendor != "postgresql":
        if tags:
            _tags_add(ticket, tags)
        ticket.save(update_fields=fields)
        if trace is not None:
            trace.save(force_insert=True)
        return
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: no proxy look-up per field
    by_name = {f.name: f for f in Ticket._meta.concrete_fields}
    columns = [by_name[name] for name in fields]
    params: dict[str, Any] = {"tenant": ticket.tenant_id, "ticket": ticket.pk}
    sets = []
    for n, f in enumerate(columns):
        sets.append(f'"{f.column}" = %(c{n})s')
        params[f"c{n}"] = f.get_db_prep_save(getattr(ticket, f.attname), db)
    ctes = []
    if tags:
        ctes.append(_tags_ctes())
        params["tag_names"] = tags
    if trace is not None:
        trace_fields = [f for f in RoutingTrace._meta.concrete_fields if not f.primary_key]
        names = ", ".join(f'"{f.column}"' for f in trace_fields)
        values = ", ".join(f"%(t{n})s" for n in range(len(trace_fields)))
        table = RoutingTrace._meta.db_table
        ctes.append(f'trace AS (INSERT INTO "{table}" ({names}) VALUES ({values}))')  # noqa: S608
        for n, f in enumerate(trace_fields):
            params[f"t{n}"] = f.get_db_prep_save(getattr(trace, f.attname), db)
    with_ = f"WITH {', '.join(ctes)} " if ctes else ""
    sql = (
        f'{with_}UPDATE "{Ticket._meta.db_table}" SET {", ".join(sets)} '  # noqa: S608
        "WHERE id = %(ticket)s AND tenant_id = %(tenant)s"
    )
    # Prepared: the few shapes this takes (which columns, with or without trace and tags)
    # are planned once per connection. Nobody reads its answer: in a batch it goes out with
    # the next statement. Names come from the models; the row is the tenant's.
    statement_defer(sql, params)


def ticket_rules_after_reply(*, ticket: Ticket, at: datetime) -> None:
    """An agent's outbound message: first and next response are met."""
    ticket_sla_outbound(ticket=ticket, at=at)


def ticket_rules_after_update(
    *,
    ticket: Ticket,
    old_status: str,
    old_priority: int,
    old_assignee: Membership | None,
    at: datetime,
) -> None:
    """After an agent or a rule changed a ticket: clocks, capacity slots, the queue."""
    ticket_sla_changed(ticket=ticket, old_status=old_status, old_priority=old_priority, at=at)
    old_assignee_id = old_assignee.pk if old_assignee else None
    if ticket.assignee_id != old_assignee_id or ticket.status != old_status:
        freed = ticket_assignee_changed(
            ticket=ticket, old_assignee_id=old_assignee_id, old_status=old_status, at=at
        )
        if freed:
            ticket_queue_drain(tenant=ticket.tenant)
