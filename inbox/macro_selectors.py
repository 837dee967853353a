"""Reads on macros, and rendering their text for one ticket."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from helpdesk.models import Membership
from inbox.models import Macro, Ticket

VARIABLE = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")
VARIABLES = (
    "customer.first_name",
    "customer.name",
    "ticket.number",
    "ticket.subject",
    "agent.first_name",
    "agent.name",
)


def macro_list(*, active_only: bool = False) -> QuerySet[Macro]:
    macros = Macro.objects.select_related("set_assignee__user").order_by("name", "id")
    return macros.filter(is_active=True) if active_only else macros


def macro_unknown_variables(*, body: str) -> list[str]:
    return sorted({name for name in VARIABLE.findall(body) if name not in VARIABLES})


def _first_name(name: str) -> str:
    return name.strip().split(" ", 1)[0] if name.strip() else ""


def macro_render(*, body: str, ticket: Ticket, agent: Membership) -> str:
    """Fill in the variables; a value the ticket lacks renders as empty text."""
    customer_name = ticket.customer.name
    agent_name = agent.user.name or agent.user.email.split("@", 1)[0]
    values = {
        "customer.first_name": _first_name(customer_name),
        "customer.name": customer_name,
        "ticket.number": str(ticket.number),
        "ticket.subject": ticket.subject,
        "agent.first_name": _first_name(agent_name),
        "agent.name": agent_name,
    }
    return VARIABLE.sub(lambda match: values.get(match[1], match[0]), body)
