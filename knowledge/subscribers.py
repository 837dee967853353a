"""Reactions to other rooms' events (knowledge never imports them)."""

from __future__ import annotations

from typing import Any

from helpdesk.events import DomainEvent, event_tenant
from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_scope
from knowledge.models import SearchSource
from knowledge.public_search import search_respond
from knowledge.services import search_contact_record


def on_ticket_created(event: DomainEvent) -> None:
    """A known customer got in touch: attach their searches of the last day to the ticket
    (``kb.searches_attached`` follows when there were any)."""
    customer_id = event.payload.get("customer")
    ticket_id = event.payload.get("id")
    if not isinstance(customer_id, int) or not isinstance(ticket_id, int):
        return
    tenant = event_tenant(event)
    if tenant is None:
        return
    with tenant_scope(tenant):
        search_contact_record(ticket_id=ticket_id, customer_id=customer_id)


def on_chat_contact(event: DomainEvent) -> None:
    """A widget visitor opened a ticket: attach the searches made under their visitor keys
    (the widget's own id, and the help center's cookie when the widget ran there)."""
    ticket_id = event.payload.get("ticket_id")
    keys = event.payload.get("visitor_keys")
    if not isinstance(ticket_id, int) or not isinstance(keys, list):
        return
    tenant = event_tenant(event)
    if tenant is None:
        return
    keys = [k[:64] for k in dict.fromkeys(keys) if isinstance(k, str) and k]
    if not keys:
        return
    with tenant_scope(tenant):
        search_contact_record(ticket_id=ticket_id, visitor_keys=keys)


def widget_search(*, tenant: Tenant, query: str, visitor_key: str) -> dict[str, Any]:
    """Article suggestions for the chat widget, logged under the widget's visitor key."""
    return search_respond(
        tenant=tenant,
        query=query,
        locale=None,
        limit_raw="5",
        source=SearchSource.WIDGET,
        visitor_key=visitor_key,
        absolute_urls=True,
    )
