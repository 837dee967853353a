"""Demo macros and canned responses for the demo tenant."""

from __future__ import annotations

from typing import Any

from helpdesk.demo import demo_step
from helpdesk.models import Tenant
from inbox.macro_services import macro_create

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


@demo_step(order=40)
def seed_macros(tenant: Tenant, state: dict[str, Any]) -> None:
    for values in MACROS:
        macro_create(tenant=tenant, **values)
