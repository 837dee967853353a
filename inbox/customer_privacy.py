"""Privacy requests on a customer: export everything as JSON, erase everything.

Both span two rooms (the record and identities in customers, the conversations in inbox),
so they live here where both can be read and one transaction covers the erasure. Rooms
above (surveys in analytics) erase their copies on the ``customer.erased`` event.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from customers.models import AuditAction, Customer, CustomerAudit
from customers.privacy import customer_group, customer_records_erase, customer_records_export
from helpdesk.errors import Conflict
from helpdesk.events import event_publish
from helpdesk.models import Membership
from inbox.models import Attachment, Call, Message, Ticket


def _messages(ids: list[int]) -> QuerySet[Message]:
    """Every message on the customers' tickets, and theirs on anyone else's."""
    return Message.objects.filter(Q(ticket__customer_id__in=ids) | Q(customer_id__in=ids))


def _message_export(message: Message) -> dict[str, Any]:
    call = getattr(message, "call", None)
    return {
        "id": message.pk,
        "ticket": message.ticket_id,
        "direction": message.direction,
        "channel": message.channel_kind,
        "channel_id": message.channel_id,
        "subject": message.subject,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "status": message.status,
        "external_id": message.external_id,
        "metadata": message.metadata,
        "created_at": message.created_at.isoformat(),
        "attachments": [
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in message.attachments.all()
        ],
        "call": None
        if call is None
        else {
            "direction": call.direction,
            "from_number": call.from_number,
            "to_number": call.to_number,
            "duration_seconds": call.duration_seconds,
            "recording_url": call.recording_url,
            "transcript": call.transcript,
        },
    }


@transaction.atomic
def customer_export(*, customer: Customer, actor: Membership | None) -> dict[str, Any]:
    """Everything we hold about a customer (and those merged into it); audited."""
    data = customer_records_export(customer=customer)
    ids = [customer.pk, *(c["id"] for c in data["merged_customers"])]
    tickets = Ticket.objects.filter(customer_id__in=ids).order_by("created_at", "id")
    messages = (
        _messages(ids)
        .select_related("call")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    data["tickets"] = [
        {
            "id": t.pk,
            "number": t.number,
            "subject": t.subject,
            "status": t.status,
            "channels": list(t.channel_kinds),
            "created_at": t.created_at.isoformat(),
        }
        for t in tickets
    ]
    data["messages"] = [_message_export(m) for m in messages]
    data["exported_at"] = timezone.now().isoformat()
    CustomerAudit.objects.create(
        tenant_id=customer.tenant_id,
        action=AuditAction.EXPORT,
        customer=customer,
        actor=actor,
        detail={"tickets": len(data["tickets"]), "messages": len(data["messages"])},
    )
    return data


def _files_delete(storage: Storage, names: list[str]) -> None:
    for name in names:
        if name:
            storage.delete(name)


@transaction.atomic
def customer_erase(*, customer: Customer, actor: Membership | None, reason: str) -> CustomerAudit:
    """Erase a customer (and those merged into it): identities, content, attachments.

    Tickets and messages stay as empty shells so counts and SLA history hold; files are
    deleted once the transaction commits.
    """
    if customer.erased_at is not None:
        raise Conflict("This customer was already erased.")
    if customer.merged_into_id is not None:
        raise Conflict("Erase the customer this one was merged into.")
    now = timezone.now()
    group = customer_group(customer=customer)
    ids = [c.pk for c in group]
    messages = _messages(ids)
    attachments = Attachment.objects.filter(message__in=messages)
    files = [a.file for a in attachments]
    names = [f.name for f in files if f and f.name]
    storage = files[0].storage if files else None
    attachment_count, _ = attachments.delete()
    calls = Call.objects.filter(message__in=messages).update(
        from_number="", to_number="", recording_url="", transcript="", sentiment=""
    )
    message_count = messages.update(
        subject="",
        body_text="",
        body_html="",
        metadata={},
        error="",
        message_id_header="",
        in_reply_to="",
        references="",
    )
    ticket_count = Ticket.objects.filter(customer_id__in=ids).update(subject="", updated_at=now)
    counts = customer_records_erase(customers=group, at=now)
    counts |= {
        "tickets": ticket_count,
        "messages": message_count,
        "attachments": attachment_count,
        "calls": calls,
    }
    audit = CustomerAudit.objects.create(
        tenant_id=customer.tenant_id,
        action=AuditAction.ERASE,
        customer=customer,
        actor=actor,
        reason=reason[:500],
        detail={"customers": ids, "erased": counts},
        created_at=now,
    )
    if storage is not None:
        transaction.on_commit(lambda: _files_delete(storage, names))
    event_publish(
        tenant_id=customer.tenant_id,
        name="customer.erased",
        payload={"id": customer.pk, "customers": ids},
    )
    return audit
