"""Which ticket an inbound message belongs to.

Email joins by the Message-IDs it cites (ours and theirs), then by the reply-address token,
then by a ``[#number]`` subject tag. Messaging channels join the customer's active conversation
on that channel, or a solved one within the reopen window.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from customers.models import Customer
from inbox.inbound import InboundMessage
from inbox.models import ACTIVE_STATUSES, Message, Ticket, TicketStatus

REOPEN_WINDOW = timedelta(days=3)
_SUBJECT_TAG = re.compile(r"\[#(\d{1,10})\]")


def inbound_thread(*, customer: Customer, inbound: InboundMessage) -> Ticket | None:
    if inbound.channel_kind == "email":
        return thread_email(customer=customer, inbound=inbound)
    return thread_conversation(customer=customer, inbound=inbound)


def thread_email(*, customer: Customer, inbound: InboundMessage) -> Ticket | None:
    cited = [mid for mid in (inbound.in_reply_to, *reversed(inbound.references)) if mid]
    if cited:
        found = (
            Message.objects.filter(message_id_header__in=cited)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if found is not None:
            return found.ticket
    if inbound.reply_token:
        ticket = Ticket.objects.filter(reply_token=inbound.reply_token).first()
        if ticket is not None:
            return ticket
    tag = _SUBJECT_TAG.search(inbound.subject)
    if tag:
        return Ticket.objects.filter(number=int(tag[1]), customer=customer).first()
    return None


def thread_conversation(*, customer: Customer, inbound: InboundMessage) -> Ticket | None:
    on_channel = Ticket.objects.filter(
        customer=customer, messages__channel_id=inbound.channel_id
    ).order_by("-last_activity_at")
    active = on_channel.filter(status__in=ACTIVE_STATUSES).first()
    if active is not None:
        return active
    since = timezone.now() - REOPEN_WINDOW
    return on_channel.filter(status=TicketStatus.SOLVED, solved_at__gte=since).first()
