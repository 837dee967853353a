"""Writes on tickets and messages. Every change publishes its domain event on commit."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from types import EllipsisType
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import identity_hints_apply, identity_resolve
from helpdesk.counters import counter_next
from helpdesk.errors import DomainError
from helpdesk.events import event_publish
from helpdesk.models import Membership, Tenant
from helpdesk.prepared import model_insert
from helpdesk.ride_along import model_insert_deferred
from inbox.attachments import attachment_store, call_store
from inbox.inbound import CallUpdate, InboundMessage, StatusUpdate
from inbox.models import (
    STATUS_RANK,
    Call,
    DeliveryStatus,
    Direction,
    Message,
    Priority,
    Tag,
    Ticket,
    TicketStatus,
    TicketTag,
)
from inbox.outbound import ChannelInfo, channel_info
from inbox.rules import ticket_rules_after_reply, ticket_rules_after_update, ticket_rules_apply
from inbox.threading import conversation_ahead, inbound_thread
from routing.models import Team


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    """What live clients need to place a ticket in a list without refetching it."""
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": Priority(ticket.priority).label,
        "customer": ticket.customer_id,
        "assignee": ticket.assignee_id,
        "team": ticket.team_id,
        "channels": list(ticket.channel_kinds),
        "sla_due_at": ticket.sla_due_at.isoformat() if ticket.sla_due_at else None,
        "updated_at": ticket.updated_at.isoformat(),
    }


@transaction.atomic(savepoint=False)  # no caller goes on in its transaction after a failure
def ticket_open(
    *,
    tenant: Tenant,
    customer: Customer,
    subject: str,
    channel_kind: str = "",
    channel_id: int | None = None,
    priority: int = Priority.NORMAL,
    at: datetime | None = None,
) -> Ticket:
    at = at or timezone.now()
    ticket = Ticket(
        tenant=tenant,
        number=counter_next(tenant=tenant, name="ticket"),
        subject=subject[:300],
        customer=customer,
        priority=priority,
        channel_kinds=[channel_kind] if channel_kind else [],
        via_channel_id=channel_id,
        created_at=at,
        updated_at=at,
        last_activity_at=at,
    )
    model_insert(ticket)
    event_publish(tenant_id=tenant.pk, name="ticket.created", payload=ticket_payload(ticket))
    return ticket


@transaction.atomic(savepoint=False)  # no caller goes on in its transaction after a failure
def message_record(
    *,
    ticket: Ticket,
    direction: str,
    body_text: str,
    body_html: str = "",
    channel_kind: str = "",
    channel_id: int | None = None,
    customer: Customer | None = None,
    author: Membership | None = None,
    external_id: str = "",
    status: str = DeliveryStatus.RECEIVED,
    at: datetime | None = None,
    headers: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
    ticket_fields: list[str] | None = None,
) -> Message:
    """Store a message on a ticket and move the ticket's activity clocks.

    With ``ticket_fields`` the ticket's changed columns are only set and their names added
    there, for the caller to write with its own changes (one UPDATE).
    """
    at = at or timezone.now()
    headers = headers or {}
    message = Message(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        direction=direction,
        channel_kind=channel_kind,
        channel_id=channel_id,
        customer=customer,
        author=author,
        body_text=body_text,
        body_html=body_html,
        external_id=external_id,
        status=status,
        status_at=at,
        message_id_header=headers.get("message_id", ""),
        in_reply_to=headers.get("in_reply_to", ""),
        references=headers.get("references", ""),
        metadata=metadata or {},
        created_at=at,
    )
    model_insert_deferred(message)  # its id is known at once; the row may wait (batches)
    fields = ["last_activity_at", "updated_at"]
    ticket.last_activity_at = ticket.updated_at = at
    if channel_kind and channel_kind not in ticket.channel_kinds:
        ticket.channel_kinds = [*ticket.channel_kinds, channel_kind]
        fields.append("channel_kinds")
    if direction == Direction.INBOUND:
        ticket.last_inbound_at = at
        fields.append("last_inbound_at")
        if ticket.first_touch_at is None:
            ticket.first_touch_at = at
            fields.append("first_touch_at")
    elif (
        direction == Direction.OUTBOUND
        and author is not None  # automatic messages (survey invitations) are no response
        and ticket.first_response_at is None
    ):
        ticket.first_response_at = at
        fields.append("first_response_at")
    if ticket_fields is None:
        ticket.save(update_fields=fields)
    else:
        ticket_fields += fields
    if direction == Direction.OUTBOUND:
        ticket_rules_after_reply(ticket=ticket, at=at)  # SLA: first/next response met
    event_publish(
        tenant_id=ticket.tenant_id,
        name="message.created",
        payload={
            "id": message.pk,
            "ticket": ticket_payload(ticket),
            "direction": direction,
            "channel": channel_kind,
            "status": status,
        },
    )
    return message


def _status_timestamps(ticket: Ticket, status: str, now: datetime) -> list[str]:
    changed = ["status"]
    ticket.status = status
    if status == TicketStatus.SOLVED and ticket.solved_at is None:
        ticket.solved_at = now
        changed.append("solved_at")
    elif status == TicketStatus.CLOSED and ticket.closed_at is None:
        ticket.closed_at = now
        changed.append("closed_at")
        if ticket.solved_at is None:
            ticket.solved_at = now
            changed.append("solved_at")
    elif status not in (TicketStatus.SOLVED, TicketStatus.CLOSED) and ticket.solved_at:
        ticket.solved_at = None
        ticket.closed_at = None
        changed += ["solved_at", "closed_at"]
    return changed


def ticket_tags_set(*, ticket: Ticket, names: Iterable[str]) -> list[str]:
    wanted = sorted({name.strip().lower() for name in names if name.strip()})
    tags = []
    for name in wanted:
        tag, _ = Tag.objects.get_or_create(tenant_id=ticket.tenant_id, name=name)
        tags.append(tag)
    TicketTag.objects.filter(ticket=ticket).exclude(tag__in=tags).delete()
    existing = set(TicketTag.objects.filter(ticket=ticket).values_list("tag_id", flat=True))
    TicketTag.objects.bulk_create(
        [
            TicketTag(tenant_id=ticket.tenant_id, ticket=ticket, tag=t)
            for t in tags
            if t.pk not in existing
        ]
    )
    return wanted


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor: Membership | None,
    status: str | None = None,
    priority: int | None = None,
    assignee: Membership | EllipsisType | None = ...,
    team: Team | EllipsisType | None = ...,
    tags: list[str] | None = None,
) -> Ticket:
    """Change what an agent may change on a ticket; ``...`` leaves a relation untouched."""
    now = timezone.now()
    changed: list[str] = []
    before = (ticket.status, ticket.priority, ticket.assignee)  # for SLA clocks and capacity
    if status is not None and status != ticket.status:
        changed += _status_timestamps(ticket, status, now)
    if priority is not None and priority != ticket.priority:
        ticket.priority = priority
        changed.append("priority")
    if assignee is not ... and assignee != ticket.assignee:
        ticket.assignee = assignee
        changed.append("assignee")
    if team is not ... and team != ticket.team:
        ticket.team = team
        changed.append("team")
    if changed:
        ticket.updated_at = now
        ticket.save(update_fields=[*changed, "updated_at"])
        ticket_rules_after_update(
            ticket=ticket,
            old_status=before[0],
            old_priority=before[1],
            old_assignee=before[2],
            at=now,
        )
    if tags is not None:
        ticket_tags_set(ticket=ticket, names=tags)
        changed.append("tags")
    if changed:
        payload = ticket_payload(ticket) | {
            "changed": sorted(set(changed) & {"status", "priority", "assignee", "team", "tags"}),
            "actor": actor.pk if actor else None,
        }
        user_ids = (ticket.assignee.user_id,) if "assignee" in changed and ticket.assignee else ()
        event_publish(
            tenant_id=ticket.tenant_id, name="ticket.updated", payload=payload, user_ids=user_ids
        )
    return ticket


def message_ingest(
    *, tenant: Tenant, inbound: InboundMessage, savepoint: bool = True
) -> Message | None:
    """Store an inbound message exactly once: resolve who sent it, thread it, apply the rules.

    Returns None when the channel already has a message with this external id (a provider
    redelivery, possibly concurrent): the message's unique constraint refuses it and the
    savepoint takes back everything done for it.

    ``savepoint=False`` is for a caller that takes a whole batch back when one message fails
    (and then runs them again one by one): no savepoint of its own, and a redelivery raises
    ``IntegrityError`` like any other failure.
    """
    if not savepoint:
        with transaction.atomic(savepoint=False):
            return _ingest(tenant=tenant, inbound=inbound)
    try:
        with transaction.atomic():
            return _ingest(tenant=tenant, inbound=inbound)
    except IntegrityError:
        if Message.objects.filter(
            channel_id=inbound.channel_id, external_id=inbound.external_id
        ).exists():
            return None
        raise


def _ingest(*, tenant: Tenant, inbound: InboundMessage) -> Message:
    sender = inbound.sender
    ahead = conversation_ahead(tenant=tenant, inbound=inbound)  # goes with the look-up
    customer = identity_resolve(
        tenant=tenant,
        kind=sender.kind,
        value=sender.value,
        verified=sender.verified,
        display_name=sender.display_name,
        channel_id=inbound.channel_id,
    )
    at = inbound.sent_at or timezone.now()
    ticket = inbound_thread(customer=customer, inbound=inbound, ahead=ahead)
    if ticket is not None:  # the rules read both; spare their look-ups
        if ticket.customer_id == customer.pk:
            ticket.customer = customer
        if ticket.tenant_id == tenant.pk:
            ticket.tenant = tenant
    created = ticket is None
    if ticket is not None:
        # The rules read both: the objects at hand, not another query each.
        Ticket.tenant.field.set_cached_value(ticket, tenant)
        if ticket.customer_id == customer.pk:
            Ticket.customer.field.set_cached_value(ticket, customer)
    if ticket is None:
        subject = inbound.subject or inbound.body_text.strip().split("\n", 1)[0][:120]
        ticket = ticket_open(
            tenant=tenant,
            customer=customer,
            subject=subject,
            channel_kind=inbound.channel_kind,
            channel_id=inbound.channel_id,
            at=at,
        )
    elif not ticket.is_active and not inbound.metadata.get("automatic"):
        # An auto-reply or bounce lands on its ticket but never reopens it (no mail loops).
        ticket_update(ticket=ticket, actor=None, status=TicketStatus.OPEN)
    fields: list[str] = []  # the ticket's activity columns, written with the rules' changes
    message = message_record(
        ticket=ticket,
        ticket_fields=fields,
        direction=Direction.INBOUND,
        body_text=inbound.body_text,
        body_html=inbound.body_html,
        channel_kind=inbound.channel_kind,
        channel_id=inbound.channel_id,
        customer=customer,
        external_id=inbound.external_id,
        at=at,
        headers={
            "message_id": inbound.message_id,
            "in_reply_to": inbound.in_reply_to,
            "references": " ".join(inbound.references),
        },
        metadata={**inbound.metadata, "sender": {"kind": sender.kind, "value": sender.value}},
    )
    identity_hints_apply(
        tenant=tenant,
        customer=customer,
        identities=inbound.extra_identities,
        text=inbound.body_text,
        channel_id=inbound.channel_id,
        evidence={"message": message.pk, "ticket": ticket.pk},
    )
    for attachment in inbound.attachments:
        attachment_store(message=message, attachment=attachment)
    if inbound.call is not None:
        call_store(message=message, call=inbound.call)
    ticket_rules_apply(ticket=ticket, message=message, created=created, fields=fields)
    return message


def message_status_apply(*, update: StatusUpdate) -> bool:
    """Move an outbound message's delivery status forward (never back). True if it moved."""
    message = Message.objects.filter(
        channel_id=update.channel_id, external_id=update.external_id
    ).first()
    if message is None or update.status not in STATUS_RANK:
        return False
    current = DeliveryStatus(message.status)
    new = DeliveryStatus(update.status)
    moves_forward = STATUS_RANK[new] > STATUS_RANK[current] or (
        new == DeliveryStatus.FAILED and current in (DeliveryStatus.QUEUED, DeliveryStatus.SENT)
    )
    if not moves_forward:
        return False
    message.status = new
    message.status_at = update.at or timezone.now()
    message.error = update.error[:500]
    message.save(update_fields=["status", "status_at", "error"])
    event_publish(
        tenant_id=message.tenant_id,
        name="message.status",
        payload={"id": message.pk, "ticket": message.ticket_id, "status": new.value},
    )
    return True


def call_update_apply(*, update: CallUpdate) -> bool:
    """Add a recording, transcript or duration to a stored call."""
    call = Call.objects.filter(
        message__channel_id=update.channel_id, message__external_id=update.external_id
    ).first()
    if call is None:
        return False
    for field in ("duration_seconds", "recording_url", "transcript", "sentiment"):
        value = getattr(update, field)
        if value not in (None, ""):
            setattr(call, field, value)
    call.save()
    event_publish(
        tenant_id=call.tenant_id,
        name="call.updated",
        payload={"message": call.message_id},
    )
    return True


@transaction.atomic
def message_reply(
    *,
    ticket: Ticket,
    author: Membership | None,
    body_text: str,
    internal: bool = False,
    channel_id: int | None = None,
) -> Message:
    """An agent's reply (queued for delivery through the channel) or an internal note.

    ``author=None`` is a message the helpdesk sends by itself (a survey invitation).

    Without ``channel_id`` the reply leaves through the channel of the customer's latest
    inbound message on this ticket.
    """
    if not body_text.strip():
        raise DomainError("Write something first.", field="body")
    if internal:
        note = message_record(
            ticket=ticket, direction=Direction.NOTE, body_text=body_text, author=author
        )
        if author is not None:
            note_mentions_publish(note=note, author=author)
        return note
    if channel_id is None:
        latest = (
            Message.objects.filter(ticket=ticket, direction=Direction.INBOUND)
            .exclude(channel_id=None)
            .order_by("-created_at", "-id")
            .first()
        )
        if latest is None:
            raise DomainError(
                "This ticket has no channel to reply on; name one.", field="channel_id"
            )
        channel_id = latest.channel_id
    info = channel_info(channel_id) if channel_id is not None else None
    if info is None:
        raise DomainError("No channel with this id.", field="channel_id")
    if not info.is_active:
        raise DomainError(
            f"The channel '{info.name}' is switched off, so nothing can be sent through it.",
            field="channel_id",
        )
    if info.reply_window is not None:
        _reply_window_check(ticket=ticket, info=info)
    message = message_record(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        body_text=body_text,
        channel_kind=info.kind,
        channel_id=info.id,
        author=author,
        status=DeliveryStatus.QUEUED,
    )
    event_publish(
        tenant_id=ticket.tenant_id,
        name="message.queued",
        payload={"id": message.pk, "ticket": ticket.pk, "channel": info.id},
    )
    return message


def _reply_window_check(*, ticket: Ticket, info: ChannelInfo) -> None:
    """Refuse free text the channel would reject: the customer last wrote too long ago."""
    assert info.reply_window is not None
    last = (
        Message.objects.filter(
            customer_id=ticket.customer_id, channel_id=info.id, direction=Direction.INBOUND
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None or timezone.now() - last > info.reply_window:
        hours = int(info.reply_window.total_seconds() // 3600)
        raise DomainError(
            f"The {hours}-hour window is closed on '{info.name}': the customer last wrote more "
            f"than {hours} hours ago, so only an approved template can be sent. Reply on "
            "another channel or wait for the customer to write again.",
            field="channel_id",
        )


def message_delivery_record(
    *,
    message: Message,
    status: str,
    external_id: str = "",
    error: str = "",
    message_id_header: str = "",
    in_reply_to: str = "",
    references: str = "",
) -> Message:
    """What the channel answered when we sent an outbound message."""
    message.status = status
    message.status_at = timezone.now()
    message.error = error[:500]
    fields = ["status", "status_at", "error"]
    for name, value in (
        ("external_id", external_id),
        ("message_id_header", message_id_header),
        ("in_reply_to", in_reply_to),
        ("references", references),
    ):
        if value:
            setattr(message, name, value)
            fields.append(name)
    message.save(update_fields=fields)
    event_publish(
        tenant_id=message.tenant_id,
        name="message.status",
        payload={"id": message.pk, "ticket": message.ticket_id, "status": status},
    )
    return message


MENTION = re.compile(r"(?<![\w.])@([a-zA-Z0-9._-]{2,64})")


def _mention_keys(member: Membership) -> set[str]:
    keys = {member.user.email.split("@", 1)[0].lower()}
    if member.user.name.strip():
        keys.add(member.user.name.strip().split(" ", 1)[0].lower())
    return keys


def note_mentions(*, body_text: str) -> list[Membership]:
    """The active members named with ``@first-name`` or ``@email-local-part`` in a note."""
    wanted = {name.lower().rstrip(".") for name in MENTION.findall(body_text)}
    if not wanted:
        return []
    members = Membership.objects.filter(is_active=True).select_related("user")
    return [member for member in members if _mention_keys(member) & wanted]


def note_mentions_publish(*, note: Message, author: Membership) -> list[Membership]:
    mentioned = [m for m in note_mentions(body_text=note.body_text) if m.pk != author.pk]
    if mentioned:
        event_publish(
            tenant_id=note.tenant_id,
            name="note.mention",
            payload={
                "ticket": ticket_payload(note.ticket),
                "message": note.pk,
                "by": author.pk,
                "by_name": author.display_name,
                "members": [m.pk for m in mentioned],
                "excerpt": note.body_text[:140],
            },
            user_ids=tuple(m.user_id for m in mentioned),
            broadcast=False,
        )
    return mentioned


@transaction.atomic
def ticket_handoff(
    *, ticket: Ticket, actor: Membership, assignee: Membership, note: str
) -> Message:
    """Reassign a ticket with the internal note the receiving agent reads first."""
    if not note.strip():
        raise DomainError("Write a handoff note for the next agent.", field="note")
    if not assignee.is_active or assignee.tenant_id != ticket.tenant_id:
        raise DomainError("No active member with this id.", field="assignee")
    if assignee.pk == ticket.assignee_id:
        raise DomainError(f"{assignee.display_name} already has this ticket.", field="assignee")
    message = message_record(
        ticket=ticket,
        direction=Direction.NOTE,
        body_text=note.strip(),
        author=actor,
        metadata={
            "handoff": {
                "from": ticket.assignee_id,
                "to": assignee.pk,
                "to_name": assignee.display_name,
            }
        },
    )
    ticket_update(ticket=ticket, actor=actor, assignee=assignee)
    note_mentions_publish(note=message, author=actor)
    return message


def ticket_bulk_update(
    *,
    tickets: Iterable[Ticket],
    actor: Membership,
    status: str | None = None,
    assignee: Membership | EllipsisType | None = ...,
) -> int:
    """Apply one change to many tickets; each publishes its own event. Returns how many."""
    count = 0
    for ticket in tickets:
        with transaction.atomic():
            ticket_update(ticket=ticket, actor=actor, status=status, assignee=assignee)
        count += 1
    return count
