"""API representations of tickets and messages (CONTRACT.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from helpdesk.api.serializers import StrictSerializer
from inbox.models import Message, Priority, Ticket, TicketStatus


class TicketSlaSerializer(serializers.Serializer):  # type: ignore[type-arg]
    policy = serializers.SerializerMethodField()
    first_response_due_at = serializers.DateTimeField()
    first_response_at = serializers.DateTimeField()
    next_response_due_at = serializers.DateTimeField()
    resolution_due_at = serializers.DateTimeField()
    breached = serializers.SerializerMethodField()
    paused = serializers.SerializerMethodField()
    breached_at = serializers.DateTimeField(source="sla_breached_at")
    targets = serializers.SerializerMethodField()

    @extend_schema_field({"type": "object"})
    def get_targets(self, ticket: Ticket) -> dict[str, Any]:
        """Per target: due, met and breached instants, and the time left while paused."""
        clocks = (ticket.sla_clock or {}).get("clocks") or {}
        out = {}
        for name, clock in clocks.items():
            paused = clock.get("segment_start") is None and clock.get("met_at") is None
            left = max(0, int(clock["target_seconds"]) - int(clock.get("consumed_seconds", 0)))
            out[name] = {
                "due_at": clock.get("due"),
                "met_at": clock.get("met_at"),
                "breached_at": clock.get("breached_at"),
                "remaining_seconds": left if paused else None,
            }
        return out

    @extend_schema_field({"type": "object", "nullable": True})
    def get_policy(self, ticket: Ticket) -> dict[str, Any] | None:
        policy = ticket.sla_policy
        return {"id": policy.pk, "name": policy.name} if policy else None

    def get_breached(self, ticket: Ticket) -> bool:
        return ticket.sla_breached_at is not None

    def get_paused(self, ticket: Ticket) -> bool:
        return ticket.sla_paused_at is not None


class TicketOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    priority = serializers.SerializerMethodField()
    channels = serializers.ListField(source="channel_kinds", child=serializers.CharField())
    tags = serializers.SerializerMethodField()
    sla = TicketSlaSerializer(source="*")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "subject",
            "status",
            "priority",
            "customer",
            "channels",
            "assignee",
            "team",
            "tags",
            "sla",
            "created_at",
            "updated_at",
        ]

    def get_priority(self, ticket: Ticket) -> str:
        return str(Priority(ticket.priority).label)

    def get_tags(self, ticket: Ticket) -> list[str]:
        return [tag.name for tag in ticket.tags.all()]


class TicketPatchInput(StrictSerializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
    priority = serializers.ChoiceField(choices=[p.label for p in Priority], required=False)
    assignee = serializers.IntegerField(allow_null=True, required=False, min_value=1)
    team = serializers.IntegerField(allow_null=True, required=False, min_value=1)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50
    )


class MessageOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    channel = serializers.CharField(source="channel_kind")
    author = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    call = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "channel",
            "channel_id",
            "author",
            "body_text",
            "body_html",
            "attachments",
            "status",
            "external_id",
            "created_at",
            "call",
        ]

    @extend_schema_field({"type": "object", "nullable": True})
    def get_author(self, message: Message) -> dict[str, Any] | None:
        if message.author_id and message.author:
            return {"type": "member", "id": message.author_id, "name": message.author.display_name}
        if message.customer_id and message.customer:
            return {"type": "customer", "id": message.customer_id, "name": message.customer.name}
        return None

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_attachments(self, message: Message) -> list[dict[str, Any]]:
        return [
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ]

    @extend_schema_field({"type": "object", "nullable": True})
    def get_call(self, message: Message) -> dict[str, Any] | None:
        call = getattr(message, "call", None)
        if call is None:
            return None
        return {
            "direction": call.direction,
            "duration_seconds": call.duration_seconds,
            "recording_url": call.recording_url,
            "transcript": call.transcript,
            "sentiment": call.sentiment,
        }
