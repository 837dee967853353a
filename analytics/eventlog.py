"""The append-only analytics event log: a ``"*"`` subscriber that writes one row per event.

It runs after the publishing transaction committed, as one INSERT, and never raises into the
bus (the bus logs failures). Derived names make the log easy to query:
``ticket.status`` (value: none, label: the new status) for status changes,
``ticket.assigned`` / ``ticket.transferred`` (team change) for assignment,
``message.inbound`` / ``message.outbound`` / ``message.note`` for messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analytics.models import AnalyticsEvent
from helpdesk.events import DomainEvent

# Events that are pure real-time noise for reporting.
IGNORED = frozenset({"presence.changed", "typing"})


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ticket_fields(ticket: Mapping[str, Any]) -> dict[str, Any]:
    channels = ticket.get("channels") or []
    return {
        "ticket_id": _int(ticket.get("id")),
        "customer_id": _int(ticket.get("customer")),
        "member_id": _int(ticket.get("assignee")),
        "team_id": _int(ticket.get("team")),
        "channel_kind": str(channels[-1])[:16] if channels else "",
    }


def event_row(event: DomainEvent) -> list[AnalyticsEvent]:
    """The log rows one domain event becomes (usually one; a ticket update may add more)."""
    payload = dict(event.payload)
    base: dict[str, Any] = {
        "tenant_id": event.tenant_id,
        "occurred_at": event.occurred_at,
        "seq": event.seq,
        "payload": payload,
    }
    name = event.name
    fields: dict[str, Any] = {}
    label = ""
    if name.startswith("ticket."):
        fields = _ticket_fields(payload)
        label = str(payload.get("status", ""))[:64]
    elif name == "message.created":
        ticket = payload.get("ticket") or {}
        fields = _ticket_fields(ticket) if isinstance(ticket, Mapping) else {}
        fields["channel_kind"] = str(payload.get("channel", ""))[:16]
        name = f"message.{payload.get('direction', 'created')}"[:64]
    else:
        fields = {
            "ticket_id": _int(payload.get("ticket")),
            "customer_id": _int(payload.get("customer")),
            "member_id": _int(payload.get("member") or payload.get("assignee")),
            "team_id": _int(payload.get("team")),
            "channel_kind": str(payload.get("channel_kind", ""))[:16],
        }
        value = payload.get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            fields["value"] = float(value)
    rows = [AnalyticsEvent(name=name[:64], label=label, **base, **fields)]
    if event.name == "ticket.updated":
        changed = payload.get("changed") or []
        for part, derived in (
            ("status", "ticket.status"),
            ("assignee", "ticket.assigned"),
            ("team", "ticket.transferred"),
        ):
            if part in changed:
                rows.append(AnalyticsEvent(name=derived, label=label, **base, **fields))
    return rows


def event_log_write(event: DomainEvent) -> None:
    if event.name in IGNORED:
        return
    rows = event_row(event)
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    else:
        AnalyticsEvent.objects.unscoped().bulk_create(rows)  # rows name their tenant
