"""Applies the SLA clock decisions of ``routing.sla`` to ticket rows.

Every ticket event that moves a clock (created, customer message, agent reply, status,
priority) loads the clock state, asks routing for the new state and stores it with the
derived due columns in one UPDATE.
"""

from __future__ import annotations

from datetime import datetime

from inbox.models import ACTIVE_STATUSES, Ticket, TicketStatus
from routing.selectors import RoutingConfig, routing_config
from routing.sla import (
    PolicySpec,
    SlaState,
    policy_choose,
    sla_agent_reply,
    sla_columns,
    sla_customer_message,
    sla_dump,
    sla_load,
    sla_pause,
    sla_reopen,
    sla_repolicy,
    sla_resume,
    sla_solve,
    sla_start,
)

PAUSED_STATUSES = (TicketStatus.PENDING, TicketStatus.ON_HOLD)
DONE_STATUSES = (TicketStatus.SOLVED, TicketStatus.CLOSED)
SLA_FIELDS = [
    "sla_policy",
    "sla_clock",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "sla_next_check_at",
    "sla_breached_at",
    "sla_paused_at",
]


def ticket_tier(ticket: Ticket) -> str:
    return ticket.customer.effective_tier


def ticket_policy(ticket: Ticket, config: RoutingConfig) -> PolicySpec | None:
    """Chosen by the customer's tier and the ticket's priority; the channel never counts."""
    return policy_choose(config.policies, tier=ticket_tier(ticket), priority=ticket.priority)


def ticket_sla_store(
    ticket: Ticket, state: SlaState, policy: PolicySpec | None, save: bool = True
) -> None:
    """Set the clock state and its derived columns on ``ticket`` and save what changed
    (``save``; otherwise the caller writes them)."""
    before = [getattr(ticket, name) for name in SLA_FIELDS]
    columns = sla_columns(state, policy, ticket.sla_breached_at)
    for name, value in columns.items():
        setattr(ticket, name, value)
    ticket.sla_clock = sla_dump(state)
    ticket.sla_policy_id = policy.id if policy else None
    if save and [getattr(ticket, name) for name in SLA_FIELDS] != before:
        ticket.save(update_fields=SLA_FIELDS)


def _current(
    ticket: Ticket, config: RoutingConfig, at: datetime
) -> tuple[SlaState, PolicySpec | None]:
    """The state under the policy that applies now (re-chosen if tier or priority moved)."""
    state = sla_load(ticket.sla_clock)
    policy = ticket_policy(ticket, config)
    if policy is None and state.policy_id is None:
        return state, None
    if policy is None or state.policy_id != policy.id:
        old = config.policy(state.policy_id)
        state = sla_repolicy(state, old, policy, at)
    return state, policy


def ticket_sla_inbound(
    *,
    ticket: Ticket,
    at: datetime,
    created: bool,
    config: RoutingConfig | None = None,
    save: bool = True,
) -> SlaState:
    """A customer message: a new ticket starts its clocks; later ones restart next response.

    ``save=False`` sets the columns (``SLA_FIELDS``) for the caller to write.
    """
    config = config or routing_config(tenant_id=ticket.tenant_id)
    if created:
        policy = ticket_policy(ticket, config)
        state = sla_start(policy, at)
    else:
        state, policy = _current(ticket, config, at)
        state = sla_customer_message(state, policy, at)
    ticket_sla_store(ticket, state, policy, save=save)
    return state


def ticket_sla_outbound(*, ticket: Ticket, at: datetime) -> None:
    """An agent replied to the customer: first and next response are met."""
    if not ticket.sla_clock:
        return
    config = routing_config(tenant_id=ticket.tenant_id)
    state = sla_agent_reply(sla_load(ticket.sla_clock), at)
    ticket_sla_store(ticket, state, config.policy(state.policy_id))


def ticket_sla_changed(*, ticket: Ticket, old_status: str, old_priority: int, at: datetime) -> None:
    """Status and priority changes: pause, resume with the remaining time, solve, re-choose."""
    if ticket.status == old_status and ticket.priority == old_priority:
        return
    config = routing_config(tenant_id=ticket.tenant_id)
    state, policy = _current(ticket, config, at)
    new = ticket.status
    if new != old_status:
        was_done = old_status in DONE_STATUSES
        if new in DONE_STATUSES and not was_done:
            state = sla_solve(state, policy, at)
        elif was_done and new in ACTIVE_STATUSES:
            state = sla_reopen(state, policy, at)
            if new in PAUSED_STATUSES:
                state = sla_pause(state, policy, at)
        elif new in PAUSED_STATUSES:
            state = sla_pause(state, policy, at)
        elif old_status in PAUSED_STATUSES and new in ACTIVE_STATUSES:
            state = sla_resume(state, policy, at)
    ticket_sla_store(ticket, state, policy)
