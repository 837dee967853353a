"""Messages the helpdesk sends by itself on a ticket, asked for by rooms above the inbox.

``survey.send`` ({ticket, channel_id, text}) comes from analytics after a resolution: the
invitation leaves through the given channel like a reply, with no author.

``kb.searches_attached`` ({ticket_id, terms, failed_terms}) comes from knowledge when a
customer's help-center searches led to this ticket: an internal note shows the agent what they
looked for (and found no good answer to) before getting in touch.
"""

from __future__ import annotations

import logging

from helpdesk.errors import DomainError
from helpdesk.events import DomainEvent
from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_scope
from inbox.models import Direction, Ticket
from inbox.services import message_record, message_reply

logger = logging.getLogger(__name__)


def survey_message_send(event: DomainEvent) -> None:
    payload = event.payload
    tenant = Tenant.objects.get(pk=event.tenant_id)
    with tenant_scope(tenant):
        ticket_id, channel_id = payload.get("ticket"), payload.get("channel_id")
        if not isinstance(ticket_id, int) or not isinstance(channel_id, int):
            return
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is None:
            return
        try:
            message_reply(
                ticket=ticket,
                author=None,
                body_text=str(payload.get("text", "")),
                channel_id=channel_id,
            )
        except DomainError as exc:  # channel switched off since: nothing to send on
            logger.warning("survey not sent on ticket %s: %s", ticket.pk, exc.message)


def searches_note_write(event: DomainEvent) -> None:
    payload = event.payload
    terms = [str(t)[:200] for t in payload.get("terms") or () if str(t).strip()]
    failed = {str(t)[:200] for t in payload.get("failed_terms") or ()}
    if not terms or not isinstance(payload.get("ticket_id"), int):
        return
    tenant = Tenant.objects.get(pk=event.tenant_id)
    with tenant_scope(tenant):
        ticket = Ticket.objects.filter(pk=payload["ticket_id"]).first()
        if ticket is None:
            return
        lines = [f"• “{t}”" + (" (no good answer)" if t in failed else "") for t in terms[:20]]
        message_record(
            ticket=ticket,
            direction=Direction.NOTE,
            body_text="Searched the help center before getting in touch:\n" + "\n".join(lines),
            metadata={"kb_searches": {"terms": terms, "failed_terms": sorted(failed)}},
        )
