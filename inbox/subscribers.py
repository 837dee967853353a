"""Reactions of the inbox to events of the rooms below it."""

from __future__ import annotations

from helpdesk.events import DomainEvent, event_tenant
from helpdesk.tenancy import tenant_scope
from inbox.assignment import ticket_queue_drain


def on_agent_available(event: DomainEvent) -> None:
    """An agent came online or got more capacity: hand them queued work."""
    tenant = event_tenant(event)
    if tenant is None:
        return
    with tenant_scope(tenant):
        ticket_queue_drain(tenant=tenant)
