"""Macros and canned responses: CRUD for managers, apply for every agent."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.serializers import StrictSerializer
from helpdesk.api.views import TenantAPIView, TenantViewSet
from helpdesk.models import Membership, Role
from inbox.macro_selectors import macro_list
from inbox.macro_services import macro_apply, macro_create, macro_delete, macro_update
from inbox.models import Macro, Priority, Ticket, TicketStatus

PRIORITY_BY_LABEL = {p.label: p.value for p in Priority}


class MacroOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    set_status = serializers.CharField(help_text="A ticket status, or empty.")
    set_priority = serializers.SerializerMethodField()

    class Meta:
        model = Macro
        fields = [
            "id",
            "name",
            "body",
            "set_status",
            "set_priority",
            "add_tags",
            "set_assignee",
            "is_active",
            "created_at",
        ]

    def get_set_priority(self, macro: Macro) -> str | None:
        return str(Priority(macro.set_priority).label) if macro.set_priority else None


class MacroInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=20_000, allow_blank=True, required=False, default="")
    # Plain strings checked below: the ticket's own enums already name these choice sets.
    set_status = serializers.CharField(allow_blank=True, required=False, default="")
    set_priority = serializers.CharField(allow_null=True, required=False, default=None)
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=20, required=False, default=list
    )
    set_assignee = serializers.IntegerField(allow_null=True, required=False, default=None)
    is_active = serializers.BooleanField(required=False, default=True)

    def validate_set_status(self, value: str) -> str:
        if value and value not in TicketStatus.values:
            raise serializers.ValidationError(f"Use one of {', '.join(TicketStatus.values)}.")
        return value

    def validate_set_priority(self, value: str | None) -> str | None:
        if value and value not in PRIORITY_BY_LABEL:
            raise serializers.ValidationError(f"Use one of {', '.join(PRIORITY_BY_LABEL)}.")
        return value or None


class MacroPatchInput(MacroInput):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


def _values(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    if "set_priority" in values:
        label = values["set_priority"]
        values["set_priority"] = PRIORITY_BY_LABEL[label] if label else None
    if "set_assignee" in values:
        member_id = values["set_assignee"]
        member = None
        if member_id is not None:
            member = Membership.objects.filter(pk=member_id, is_active=True).first()
            if member is None:
                raise serializers.ValidationError(
                    {"set_assignee": "No active member with this id."}
                )
        values["set_assignee"] = member
    return values


@extend_schema(tags=["macros"])
class MacroViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    TenantViewSet,
):
    serializer_class = MacroOutput
    write_role = Role.MANAGER
    ordering = ("id",)

    def get_queryset(self) -> Any:
        return macro_list()

    @extend_schema(request=MacroInput, responses={201: MacroOutput})
    def create(self, request: Request) -> Response:
        data = MacroInput(data=request.data)
        data.is_valid(raise_exception=True)
        macro = macro_create(tenant=self.tenant, **_values(data.validated_data))
        return Response(MacroOutput(macro).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MacroPatchInput, responses=MacroOutput)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        macro = self.get_object()
        data = MacroPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        macro = macro_update(macro=macro, **_values(data.validated_data))
        return Response(MacroOutput(macro).data)

    def perform_destroy(self, instance: Macro) -> None:
        macro_delete(macro=instance)


class MacroAppliedOutput(serializers.Serializer):  # type: ignore[type-arg]
    body = serializers.CharField()
    changed = serializers.ListField(child=serializers.CharField())


@extend_schema(tags=["macros"])
class MacroApplyView(TenantAPIView):
    """Apply a macro to a ticket: its changes happen now, its text comes back for the reply."""

    serializer_class = MacroAppliedOutput

    @extend_schema(request=None, responses=MacroAppliedOutput)
    def post(self, request: Request, ticket_id: int, macro_id: int) -> Response:
        ticket = get_object_or_404(Ticket.objects.select_related("customer"), pk=ticket_id)
        macro = get_object_or_404(macro_list(), pk=macro_id)
        applied = macro_apply(macro=macro, ticket=ticket, actor=self.membership)
        return Response({"body": applied.body, "changed": applied.changed})
