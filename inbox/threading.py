"""Which ticket an inbound message belongs to.

Email joins by the Message-IDs it cites (ours and theirs; References before In-Reply-To, as
JWZ threading reads them), then by an earlier-arrived reply of the same customer citing it,
then by the reply-address token, then by a ``[#number]`` subject tag. Messaging channels join
the customer's active conversation on that channel, or a solved one within the reopen window.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from customers.identity_values import InvalidIdentity
from customers.models import Customer, Identity
from customers.services import sender_identity
from helpdesk.models import Tenant
from helpdesk.prepared import model_from_row, prepared_cursor
from helpdesk.ride_along import Ahead, read_ahead
from inbox.inbound import InboundMessage
from inbox.models import ACTIVE_STATUSES, Message, Ticket, TicketStatus

REOPEN_WINDOW = timedelta(days=3)
_SUBJECT_TAG = re.compile(r"\[#(\d{1,10})\]")


def inbound_thread(
    *, customer: Customer, inbound: InboundMessage, ahead: Ahead | None = None
) -> Ticket | None:
    """``ahead``: ``conversation_ahead``'s read, used when it found this customer."""
    if inbound.channel_kind == "email":
        return thread_email(customer=customer, inbound=inbound)
    if ahead is not None:
        rows = ahead.rows()
        if rows and rows[0][0] == customer.pk:
            return None if rows[0][1] is None else model_from_row(Ticket, rows[0][1:])
    return thread_conversation(customer=customer, inbound=inbound)


def thread_email(*, customer: Customer, inbound: InboundMessage) -> Ticket | None:
    # As in JWZ/RFC 5256 threading, the last of References is the parent and In-Reply-To
    # only counts when References names nothing we know; the nearest known ancestor wins.
    cited = list(
        dict.fromkeys(mid for mid in (*reversed(inbound.references), inbound.in_reply_to) if mid)
    )
    cited = [mid for mid in cited if mid != inbound.message_id]
    if cited:
        found = dict(
            Message.objects.filter(message_id_header__in=cited)
            .order_by("-created_at", "-id")  # the dict keeps the first stored per id
            .values_list("message_id_header", "ticket_id")
        )
        for mid in cited:
            if mid in found:
                return Ticket.objects.get(pk=found[mid])
    if inbound.message_id:
        # A reply that arrived before this message (out-of-order delivery) already cites it.
        earlier = (
            Message.objects.filter(customer=customer)
            .filter(Q(in_reply_to=inbound.message_id) | Q(references__contains=inbound.message_id))
            .order_by("created_at", "id")
            .values_list("ticket_id", flat=True)
            .first()
        )
        if earlier is not None:
            return Ticket.objects.get(pk=earlier)
    if inbound.reply_token:
        ticket = Ticket.objects.filter(reply_token=inbound.reply_token).first()
        if ticket is not None:
            return ticket
    tag = _SUBJECT_TAG.search(inbound.subject)
    if tag:
        return Ticket.objects.filter(number=int(tag[1]), customer=customer).first()
    return None


def thread_conversation(*, customer: Customer, inbound: InboundMessage) -> Ticket | None:
    since = timezone.now() - REOPEN_WINDOW
    if connection.vendor == "postgresql":
        return _conversation_prepared(customer=customer, channel_id=inbound.channel_id, since=since)
    on_channel = Ticket.objects.filter(
        customer=customer, messages__channel_id=inbound.channel_id
    ).order_by("-last_activity_at")
    active = on_channel.filter(status__in=ACTIVE_STATUSES).first()
    if active is not None:
        return active
    return on_channel.filter(status=TicketStatus.SOLVED, solved_at__gte=since).first()


@cache
def _conversation_statement() -> str:
    ticket, message = Ticket._meta.db_table, Message._meta.db_table
    columns = ", ".join(f't."{f.column}"' for f in Ticket._meta.concrete_fields)
    active = ", ".join(f"'{status.value}'" for status in ACTIVE_STATUSES)
    # Both tables are filtered on the tenant the caller passes (the active tenant's).
    return f"""
SELECT {columns} FROM {ticket} AS t
WHERE t.tenant_id = %(tenant)s AND t.customer_id = %(customer)s
    AND (t.status IN ({active})
         OR (t.status = '{TicketStatus.SOLVED.value}' AND t.solved_at >= %(since)s))
    AND EXISTS (
        SELECT 1 FROM {message} AS m
        WHERE m.ticket_id = t.id AND m.tenant_id = %(tenant)s AND m.channel_id = %(channel)s
    )
ORDER BY t.status IN ({active}) DESC, t.last_activity_at DESC
LIMIT 1
"""  # noqa: S608 (table, column and status names come from the models)


def conversation_ahead(*, tenant: Tenant, inbound: InboundMessage) -> Ahead | None:
    """In a batch on PostgreSQL: the conversation of the customer owning the sender's
    identity as stored, read with the next statement (the sender's look-up) instead of in a
    round trip of its own. ``inbound_thread`` uses it when the sender resolves to that same
    customer (else, say a merged or a new customer, it reads again)."""
    if inbound.channel_kind == "email" or connection.vendor != "postgresql":
        return None
    sender = inbound.sender
    try:
        kind, value, _ = sender_identity(
            tenant=tenant, kind=sender.kind, value=sender.value, verified=sender.verified
        )
    except InvalidIdentity:
        return None
    params = {
        "tenant": tenant.pk,
        "kind": kind,
        "value": value,
        "channel": inbound.channel_id,
        "since": timezone.now() - REOPEN_WINDOW,
    }
    return read_ahead(_ahead_statement(), params)


@cache
def _ahead_statement() -> str:
    identity = Identity._meta.db_table
    conversation = _conversation_statement().replace("%(customer)s", "i.customer_id")
    # The identity and the conversation are both filtered on the tenant the caller passes.
    return f"""
SELECT i.customer_id, t.* FROM {identity} AS i
LEFT JOIN LATERAL ({conversation}) AS t ON true
WHERE i.tenant_id = %(tenant)s AND i.kind = %(kind)s AND i.value = %(value)s
"""  # noqa: S608 (the table name comes from the model)


def _conversation_prepared(
    *, customer: Customer, channel_id: int, since: datetime
) -> Ticket | None:
    """The active conversation, else the one solved within the window: one prepared statement."""
    params: dict[str, Any] = {
        "tenant": customer.tenant_id,
        "customer": customer.pk,
        "channel": channel_id,
        "since": since,
    }
    with prepared_cursor() as cursor:
        cursor.execute(_conversation_statement(), params)
        row = cursor.fetchone()
    return None if row is None else model_from_row(Ticket, row)
