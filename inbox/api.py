"""Ticket and message endpoints: thin translation around selectors and services."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.serializers import StrictSerializer
from helpdesk.api.views import TenantAPIView, TenantViewSet
from helpdesk.models import Membership
from inbox.models import Priority, RoutingTrace, Ticket
from inbox.selectors import (
    TICKET_NULLABLE_ORDERING,
    TICKET_ORDERING,
    TicketFilters,
    ticket_list,
    ticket_messages,
)
from inbox.serializers import MessageOutput, TicketOutput, TicketPatchInput
from inbox.services import message_reply, ticket_update
from routing.models import Team


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise ValidationError({name: "Use a numeric id."})
    return int(raw)


@extend_schema(tags=["tickets"])
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = TicketOutput
    ordering = TICKET_ORDERING
    nullable_ordering = TICKET_NULLABLE_ORDERING

    def get_queryset(self) -> Any:
        if self.action != "list":
            return ticket_list(filters=TicketFilters())
        params = self.request.query_params
        statuses = tuple(s for s in params.get("status", "").split(",") if s)
        assignee = params.get("assignee", "")
        filters = TicketFilters(
            statuses=statuses,
            customer_id=_int_param(self.request, "customer"),
            channel=params.get("channel") or None,
            assignee_id=self.membership.pk
            if assignee == "me"
            else (None if assignee in ("", "none") else _int_param(self.request, "assignee")),
            unassigned=assignee == "none",
            team_id=_int_param(self.request, "team"),
            q=params.get("q", "")[:200],
        )
        return ticket_list(filters=filters)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="Comma-separated statuses."),
            OpenApiParameter("customer", int),
            OpenApiParameter("channel", str, description="A channel kind or a channel id."),
            OpenApiParameter("assignee", str, description="A member id, 'me' or 'none'."),
            OpenApiParameter("team", int),
            OpenApiParameter("q", str),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=TicketPatchInput, responses=TicketOutput)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        data = TicketPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        changes: dict[str, Any] = {}
        if "status" in values:
            changes["status"] = values["status"]
        if "priority" in values:
            changes["priority"] = {p.label: p.value for p in Priority}[values["priority"]]
        if "assignee" in values:
            changes["assignee"] = self._member(values["assignee"])
        if "team" in values:
            changes["team"] = self._team(values["team"])
        if "tags" in values:
            changes["tags"] = values["tags"]
        ticket_update(ticket=ticket, actor=self.membership, **changes)
        return Response(TicketOutput(ticket_list(filters=TicketFilters()).get(pk=ticket.pk)).data)

    def _member(self, member_id: int | None) -> Membership | None:
        if member_id is None:
            return None
        member = Membership.objects.filter(pk=member_id, is_active=True).first()
        if member is None:
            raise ValidationError({"assignee": "No active member with this id."})
        return member

    def _team(self, team_id: int | None) -> Team | None:
        if team_id is None:
            return None
        team = Team.objects.filter(pk=team_id).first()
        if team is None:
            raise ValidationError({"team": "No team with this id."})
        return team


class ReplyInput(StrictSerializer):
    body = serializers.CharField(max_length=100_000, trim_whitespace=False)
    internal = serializers.BooleanField(required=False, default=False)
    channel_id = serializers.IntegerField(required=False, min_value=1)


@extend_schema(tags=["tickets"])
class TicketMessagesView(TenantAPIView):
    """Every message of one ticket, oldest first; POST replies or adds an internal note."""

    serializer_class = MessageOutput
    ordering = ("created_at", "id")

    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = get_object_or_404(Ticket.objects.all(), pk=ticket_id)
        page = self.paginate_queryset(ticket_messages(ticket=ticket))
        return self.get_paginated_response(MessageOutput(page, many=True).data)

    @extend_schema(request=ReplyInput, responses={201: MessageOutput})
    def post(self, request: Request, ticket_id: int) -> Response:
        ticket = get_object_or_404(Ticket.objects.all(), pk=ticket_id)
        data = ReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        message = message_reply(
            ticket=ticket,
            author=self.membership,
            body_text=values["body"],
            internal=values["internal"],
            channel_id=values.get("channel_id"),
        )
        saved = ticket_messages(ticket=ticket).get(pk=message.pk)
        return Response(MessageOutput(saved).data, status=status.HTTP_201_CREATED)


class RoutingTraceOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    trigger = serializers.CharField()
    matched_rules = serializers.JSONField()
    decision = serializers.JSONField()
    assignment = serializers.JSONField()
    sla = serializers.JSONField()
    created_at = serializers.DateTimeField()


@extend_schema(tags=["tickets"])
class TicketRoutingTraceView(TenantAPIView):
    """Why a ticket went where it went: matched rules, decisions, the agent chosen and why."""

    serializer_class = RoutingTraceOutput
    ordering = ("created_at", "id")

    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = get_object_or_404(Ticket.objects.all(), pk=ticket_id)
        page = self.paginate_queryset(RoutingTrace.objects.filter(ticket=ticket))
        return self.get_paginated_response(
            [
                {
                    "id": entry.pk,
                    "trigger": entry.trigger,
                    "matched_rules": entry.matched,
                    "decision": entry.decision,
                    "assignment": entry.assignment,
                    "sla": entry.sla,
                    "created_at": entry.created_at.isoformat(),
                }
                for entry in page or []
            ]
        )
