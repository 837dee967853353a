"""Reactions to other rooms' events (knowledge never imports them)."""

from __future__ import annotations

from helpdesk.events import DomainEvent
from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_scope
from knowledge.services import search_contact_record


def on_ticket_created(event: DomainEvent) -> None:
    """A known customer got in touch: attach their searches of the last day to the ticket
    (``kb.searches_attached`` follows when there were any)."""
    customer_id = event.payload.get("customer")
    ticket_id = event.payload.get("id")
    if not isinstance(customer_id, int) or not isinstance(ticket_id, int):
        return
    tenant = Tenant.objects.filter(pk=event.tenant_id).first()
    if tenant is None:
        return
    with tenant_scope(tenant):
        search_contact_record(ticket_id=ticket_id, customer_id=customer_id)
