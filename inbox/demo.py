"""Demo inbox data: SLA clocks replayed through the real rules, and canned responses.

SLA clocks:

The conversation step writes history with past timestamps; this step replays each ticket's
messages and status through ``routing.sla`` so every demo ticket carries its real policy,
due times, met instants and breaches, then runs one breach sweep.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from helpdesk.demo import demo_step
from helpdesk.models import Tenant
from inbox.macro_services import macro_create
from inbox.models import Direction, Message, Ticket
from inbox.sla_clock import DONE_STATUSES, PAUSED_STATUSES, ticket_policy, ticket_sla_store
from inbox.sla_sweep import sla_sweep_run
from routing.selectors import routing_config
from routing.sla import (
    sla_agent_reply,
    sla_customer_message,
    sla_pause,
    sla_solve,
    sla_start,
)


@demo_step(order=40)
def seed_sla_clocks(tenant: Tenant, state: dict[str, Any]) -> None:
    config = routing_config(tenant_id=tenant.pk)
    now = timezone.now()
    for ticket in Ticket.objects.select_related("customer__organization"):
        policy = ticket_policy(ticket, config)
        clock = sla_start(policy, ticket.created_at)
        messages = Message.objects.filter(ticket=ticket).order_by("created_at", "id")
        for index, message in enumerate(messages):
            if message.direction == Direction.INBOUND and index:
                clock = sla_customer_message(clock, policy, message.created_at)
            elif message.direction == Direction.OUTBOUND:
                clock = sla_agent_reply(clock, message.created_at)
        last = ticket.last_activity_at
        if ticket.status in PAUSED_STATUSES:
            clock = sla_pause(clock, policy, last)
        elif ticket.status in DONE_STATUSES:
            clock = sla_solve(clock, policy, ticket.solved_at or last)
        ticket.sla_breached_at = None
        ticket_sla_store(ticket, clock, policy)
    sla_sweep_run(now=now)


MACROS: list[dict[str, Any]] = [
    {"name": "Greeting", "body": "Hi {{ customer.first_name }},\n\nThanks for reaching out. "},
    {
        "name": "Refund issued (solve)",
        "body": "Hi {{ customer.first_name }}, the refund is on its way: expect it within 5 "
        "business days. Anything else, just reply here.\n\n{{ agent.first_name }}",
        "set_status": "solved",
        "add_tags": ["refund"],
    },
    {
        "name": "Waiting on customer",
        "body": "Could you send a screenshot of what you see? I'll keep ticket "
        "#{{ ticket.number }} open meanwhile.",
        "set_status": "pending",
    },
]


@demo_step(order=41)
def seed_macros(tenant: Tenant, state: dict[str, Any]) -> None:
    for values in MACROS:
        macro_create(tenant=tenant, **values)
