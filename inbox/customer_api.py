"""Customer endpoints that read or erase conversations: timeline, export, erase."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.fields import DateTimeField
from rest_framework.request import Request
from rest_framework.response import Response

from customers.api import customer_or_404
from customers.selectors import identities_detail
from helpdesk.api.pagination import KeysetPagination
from helpdesk.api.serializers import StrictSerializer
from helpdesk.api.views import TenantAPIView
from helpdesk.models import Role
from inbox.customer_privacy import customer_erase, customer_export
from inbox.customer_timeline import (
    TIMELINE_ORDERING,
    CustomerTimeline,
    customer_timeline,
    timeline_messages,
)
from inbox.models import Message, Priority, Ticket


def _message(message: Message) -> dict[str, Any]:
    """``MessageOutput``'s shape plus the ticket, built directly: this is the hot path."""
    author = None
    if message.author_id and message.author:
        author = {"type": "member", "id": message.author_id, "name": message.author.display_name}
    elif message.customer_id and message.customer:
        author = {"type": "customer", "id": message.customer_id, "name": message.customer.name}
    call = getattr(message, "call", None)
    return {
        "ticket": message.ticket_id,
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel_kind,
        "channel_id": message.channel_id,
        "author": author,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "attachments": [
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ],
        "status": message.status,
        "external_id": message.external_id,
        "created_at": drf_datetime(message.created_at),
        "call": None
        if call is None
        else {
            "direction": call.direction,
            "duration_seconds": call.duration_seconds,
            "recording_url": call.recording_url,
            "transcript": call.transcript,
            "sentiment": call.sentiment,
        },
    }


drf_datetime = DateTimeField().to_representation


def _ticket(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": str(Priority(ticket.priority).label),
        "channels": list(ticket.channel_kinds),
        "created_at": ticket.created_at.isoformat(),
        "solved_at": ticket.solved_at.isoformat() if ticket.solved_at else None,
        "closed_at": ticket.closed_at.isoformat() if ticket.closed_at else None,
    }


def _header(timeline: CustomerTimeline) -> dict[str, Any]:
    customer = timeline.customer
    org = customer.organization
    return {
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "tier": customer.effective_tier,
            "language": customer.language,
            "identities": identities_detail(customer=customer),
            "erased": customer.erased_at is not None,
        },
        "organization": None
        if org is None
        else {
            "id": org.pk,
            "name": org.name,
            "tier": org.tier,
            "plan": org.plan,
            "contract": org.contract,
            "contract_ends_on": org.contract_ends_on.isoformat() if org.contract_ends_on else None,
            "open_tickets": timeline.organization_open_tickets,
        },
        "tickets": [_ticket(t) for t in timeline.tickets],
        "open_tickets": [t.pk for t in timeline.open_tickets],
    }


@extend_schema(tags=["customers"], responses={200: {"type": "object"}})
class CustomerTimelineView(TenantAPIView):
    """The customer 360: organization, tickets, open tickets, and every message oldest first.

    ``results`` is one page of messages (all channels, with the channel and ticket of
    each); ``next`` continues. The header is repeated on every page.
    """

    ordering = TIMELINE_ORDERING
    page_size = 50
    pagination_class = KeysetPagination

    def get(self, request: Request, pk: int) -> Response:
        timeline = customer_timeline(customer=customer_or_404(pk))
        keys = self.paginate_queryset(timeline.message_keys) or []
        body = _header(timeline)
        body["results"] = [_message(m) for m in timeline_messages(keys=keys)]
        body["next"] = self.paginator.next_url if self.paginator else None  # type: ignore[attr-defined]
        return Response(body)


@extend_schema(tags=["customers"], responses={200: {"type": "object"}})
class CustomerExportView(TenantAPIView):
    """Everything held about a customer, as one JSON document (admins; audited)."""

    read_role = Role.ADMIN

    def get(self, request: Request, pk: int) -> Response:
        data = customer_export(customer=customer_or_404(pk), actor=self.membership)
        response = Response(data)
        response["Content-Disposition"] = f'attachment; filename="customer-{pk}.json"'
        return response


class EraseInput(StrictSerializer):
    reason = serializers.CharField(max_length=500)


@extend_schema(tags=["customers"], request=EraseInput, responses={200: {"type": "object"}})
class CustomerEraseView(TenantAPIView):
    """Erase a customer's identities, content and attachments (admins; audited)."""

    read_role = Role.ADMIN

    def post(self, request: Request, pk: int) -> Response:
        customer = customer_or_404(pk)
        data = EraseInput(data=request.data)
        data.is_valid(raise_exception=True)
        audit = customer_erase(
            customer=customer, actor=self.membership, reason=data.validated_data["reason"]
        )
        return Response({"audit": audit.pk, "erased": audit.detail["erased"]})
