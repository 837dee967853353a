"""Ticket, Message, Attachment, Call and tags: the one model every channel writes into."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from customers.models import Customer
from helpdesk.models import Membership, TenantOwned
from routing.models import SlaPolicy, Team


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


ACTIVE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD)


class Priority(models.IntegerChoices):
    LOW = 1, "low"
    NORMAL = 2, "normal"
    HIGH = 3, "high"
    URGENT = 4, "urgent"


class ChannelKind(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    VOICE = "voice", "Voice"
    MESSENGER = "messenger", "Messenger"
    INSTAGRAM = "instagram", "Instagram"
    TELEGRAM = "telegram", "Telegram"
    CHAT = "chat", "Chat"
    API = "api", "API"


class Tag(TenantOwned):
    name = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


def _reply_token() -> str:
    return secrets.token_hex(8)


class Ticket(TenantOwned):
    """One customer issue, whatever channels it travels through."""

    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    customer = models.ForeignKey(Customer, on_delete=models.RESTRICT, related_name="tickets")
    assignee = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tags = models.ManyToManyField(Tag, through="TicketTag", related_name="tickets", blank=True)
    language = models.CharField(max_length=16, blank=True)
    channel_kinds = models.JSONField(default=list, help_text="Channel kinds touched, in order.")
    via_channel_id = models.BigIntegerField(null=True, blank=True)
    reply_token = models.CharField(max_length=32, default=_reply_token)

    # SLA clocks: due times are computed when events happen; sla_due_at is the earliest
    # running target, which the inbox sorts by and the breach sweeper scans.
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    # Per-target clock state (routing.sla): consumed time, met/breached/warned instants.
    sla_clock = models.JSONField(default=dict, blank=True)
    # The sweeper's next look: the earliest unbreached due time or warning time.
    sla_next_check_at = models.DateTimeField(null=True, blank=True)
    # Assignment: the channel kind whose capacity slot the assignee holds, the queue entry,
    # and what the rules require of an assignee ({"team": id, "skills": {id: level}}).
    routing_kind = models.CharField(max_length=16, blank=True)
    routing_queued_at = models.DateTimeField(null=True, blank=True)
    routing_requirements = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_unique_number"),
            models.UniqueConstraint(fields=["tenant", "reply_token"], name="ticket_unique_token"),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "sla_due_at", "-priority", "id"],
                name="ticket_active_queue",
                condition=Q(status__in=["new", "open", "pending", "on_hold"]),
            ),
            models.Index(fields=["tenant", "status", "last_activity_at"], name="ticket_status"),
            models.Index(fields=["tenant", "customer", "created_at"], name="ticket_customer"),
            models.Index(fields=["tenant", "assignee", "status"], name="ticket_assignee"),
            models.Index(fields=["tenant", "team", "status"], name="ticket_team"),
            # The breach sweeper serves every tenant from one range scan.
            models.Index(
                fields=["sla_next_check_at"],
                name="ticket_sla_check",
                condition=Q(sla_next_check_at__isnull=False),
            ),
            models.Index(
                fields=["tenant", "routing_queued_at"],
                name="ticket_routing_queue",
                condition=Q(routing_queued_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class TicketTag(TenantOwned):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ticket", "tag"], name="tickettag_unique")
        ]


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    NOTE = "note", "Internal note"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"


# Delivery status only moves forward; failed can follow anything but read.
STATUS_RANK = {
    DeliveryStatus.RECEIVED: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.FAILED: 3,
    DeliveryStatus.READ: 4,
}


class Message(TenantOwned):
    """A message on a ticket: inbound from the customer, outbound from an agent, or a note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    channel_kind = models.CharField(max_length=16, choices=ChannelKind.choices, blank=True)
    channel_id = models.BigIntegerField(null=True, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    author = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    status_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # Email threading headers (RFC 5322), kept for every message we send or receive.
    message_id_header = models.CharField(max_length=998, blank=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Provider's timestamp.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel_id", "external_id"],
                name="message_unique_external_id",
                condition=~Q(external_id=""),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "ticket", "created_at"], name="message_ticket"),
            models.Index(fields=["tenant", "customer", "created_at"], name="message_customer"),
            models.Index(
                fields=["tenant", "message_id_header"],
                name="message_rfc_id",
                condition=~Q(message_id_header=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.channel_kind} on ticket {self.ticket_id}"


class Attachment(TenantOwned):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=255, blank=True)
    is_inline = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["tenant", "message"], name="attachment_message")]


class Call(TenantOwned):
    """Voice detail of a message: the call behind it, its recording and transcript."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="call")
    direction = models.CharField(max_length=8, choices=Direction.choices[:2])
    from_number = models.CharField(max_length=32, blank=True)
    to_number = models.CharField(max_length=32, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    recording_url = models.URLField(max_length=500, blank=True)
    transcript = models.TextField(blank=True)
    sentiment = models.CharField(max_length=16, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)


class RoutingTrace(TenantOwned):
    """Why a ticket went where it went: the rules that matched and the agent chosen."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="routing_traces")
    trigger = models.CharField(max_length=16)
    matched = models.JSONField(default=list)
    decision = models.JSONField(default=dict)
    assignment = models.JSONField(default=dict)
    sla = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "ticket", "created_at"], name="routingtrace_ticket")
        ]


class Macro(TenantOwned):
    """A canned response with variables, optionally changing the ticket when applied."""

    name = models.CharField(max_length=100)
    body = models.TextField(blank=True, help_text="Text with {{ customer.first_name }} etc.")
    set_status = models.CharField(max_length=16, choices=TicketStatus.choices, blank=True)
    set_priority = models.PositiveSmallIntegerField(choices=Priority.choices, null=True, blank=True)
    add_tags = models.JSONField(default=list, blank=True)
    set_assignee = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="macro_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def changes_ticket(self) -> bool:
        return bool(self.set_status or self.set_priority or self.add_tags or self.set_assignee_id)
