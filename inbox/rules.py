"""The seam where routing and SLA rules act on a ticket after a message lands on it.

Kept apart from ``services.py`` so the rules can grow without touching ingestion.
"""

from __future__ import annotations

from inbox.models import Message, Ticket


def ticket_rules_apply(*, ticket: Ticket, message: Message, created: bool) -> None:
    """Apply routing rules, assignment and SLA clocks for this message (none yet)."""
    return None
