"""Routing endpoints: business hours, SLA policies, teams, skills, routing rules.

Reads for every member, writes for admins. Views only translate; services validate and
refuse (``DomainError`` -> 4xx envelope) before writing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.serializers import StrictSerializer
from helpdesk.api.views import TenantViewSet
from helpdesk.models import Membership, Role
from routing.engine import PRIORITY_LABELS, PRIORITY_NAMES
from routing.models import (
    AgentProfile,
    AgentSkill,
    BusinessHours,
    RoutingRule,
    RuleTrigger,
    Skill,
    SlaPolicy,
    Team,
    TeamMember,
)
from routing.services import (
    agent_settings_update,
    business_hours_delete,
    business_hours_save,
    routing_rule_delete,
    routing_rule_save,
    skill_delete,
    skill_save,
    sla_policy_delete,
    sla_policy_save,
    team_delete,
    team_save,
)

PRIORITY_CHOICES = list(PRIORITY_LABELS)


class _AdminViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    write_role = Role.ADMIN
    ordering: tuple[str, ...] = ("id",)
    input_class: type[StrictSerializer]
    output: Callable[[Any], dict[str, Any]]

    def _input(self, partial: bool) -> dict[str, Any]:
        data = self.input_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([type(self).output(o) for o in page or []])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(type(self).output(self.get_object()))

    # Each viewset says how to save (create when ``obj`` is None) and how to remove.
    def save(self, obj: Any | None, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def remove(self, obj: Any) -> None:
        raise NotImplementedError

    def create(self, request: Request) -> Response:
        saved = self.save(None, self._input(partial=False))
        return Response(type(self).output(saved), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        return Response(type(self).output(self.save(obj, self._input(partial=True))))

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        self.remove(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- output shapes (for the OpenAPI schema; the views build the same dicts) -----------


class BusinessHoursOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    timezone = serializers.CharField()
    weekly = serializers.JSONField()
    holidays = serializers.ListField(child=serializers.CharField())
    country = serializers.CharField(allow_null=True)
    subdivision = serializers.CharField(allow_null=True)


class SlaPolicyOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField(allow_null=True)
    priority = serializers.CharField(allow_null=True)
    first_response_minutes = serializers.IntegerField(allow_null=True)
    next_response_minutes = serializers.IntegerField(allow_null=True)
    resolution_minutes = serializers.IntegerField(allow_null=True)
    business_hours = serializers.IntegerField(allow_null=True)
    warning_minutes = serializers.IntegerField()
    escalation = serializers.JSONField()
    is_active = serializers.BooleanField()


class TeamOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.ListField(child=serializers.IntegerField())


class SkillOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()


class RoutingRuleOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    enabled = serializers.BooleanField()
    trigger = serializers.CharField()
    match = serializers.CharField()
    conditions = serializers.JSONField()
    actions = serializers.JSONField()


# --- business hours ------------------------------------------------------------------


class BusinessHoursInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    timezone = serializers.CharField(max_length=64)
    weekly = serializers.JSONField()
    holidays = serializers.JSONField(required=False)
    country = serializers.CharField(max_length=8, required=False, allow_blank=True)
    subdivision = serializers.CharField(max_length=16, required=False, allow_blank=True)


def hours_output(hours: BusinessHours) -> dict[str, Any]:
    return {
        "id": hours.pk,
        "name": hours.name,
        "timezone": hours.timezone,
        "weekly": hours.weekly,
        "holidays": hours.holidays,
        "country": hours.country or None,
        "subdivision": hours.subdivision or None,
    }


@extend_schema(tags=["routing"], request=BusinessHoursInput)
class BusinessHoursViewSet(_AdminViewSet):
    serializer_class = BusinessHoursOutput
    input_class = BusinessHoursInput
    output = staticmethod(hours_output)

    def get_queryset(self) -> Any:
        return BusinessHours.objects.all()

    def save(self, hours: BusinessHours | None, values: dict[str, Any]) -> BusinessHours:
        return business_hours_save(
            tenant=self.tenant,
            hours=hours,
            name=values.get("name"),
            timezone_name=values.get("timezone"),
            weekly=values.get("weekly"),
            holidays=values.get("holidays", [] if hours is None else None),
            country=values.get("country"),
            subdivision=values.get("subdivision"),
        )

    def remove(self, hours: BusinessHours) -> None:
        business_hours_delete(hours=hours)


# --- SLA policies --------------------------------------------------------------------


class SlaPolicyInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    tier = serializers.CharField(max_length=32, allow_null=True, allow_blank=True, required=False)
    priority = serializers.ChoiceField(choices=PRIORITY_CHOICES, allow_null=True, required=False)
    first_response_minutes = serializers.IntegerField(
        min_value=1, max_value=525600, allow_null=True, required=False
    )
    next_response_minutes = serializers.IntegerField(
        min_value=1, max_value=525600, allow_null=True, required=False
    )
    resolution_minutes = serializers.IntegerField(
        min_value=1, max_value=525600, allow_null=True, required=False
    )
    business_hours = serializers.IntegerField(min_value=1, allow_null=True, required=False)
    warning_minutes = serializers.IntegerField(min_value=0, max_value=10080, required=False)
    escalation = serializers.JSONField(required=False)
    is_active = serializers.BooleanField(required=False)


def policy_output(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "id": policy.pk,
        "name": policy.name,
        "tier": policy.tier,
        "priority": PRIORITY_NAMES.get(policy.priority) if policy.priority else None,
        "first_response_minutes": policy.first_response_minutes,
        "next_response_minutes": policy.next_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
        "business_hours": policy.business_hours_id,
        "warning_minutes": policy.warning_minutes,
        "escalation": policy.escalation,
        "is_active": policy.is_active,
    }


@extend_schema(tags=["routing"], request=SlaPolicyInput)
class SlaPolicyViewSet(_AdminViewSet):
    serializer_class = SlaPolicyOutput
    input_class = SlaPolicyInput
    output = staticmethod(policy_output)

    def get_queryset(self) -> Any:
        return SlaPolicy.objects.all()

    def save(self, policy: SlaPolicy | None, values: dict[str, Any]) -> SlaPolicy:
        return sla_policy_save(tenant=self.tenant, policy=policy, values=values)

    def remove(self, policy: SlaPolicy) -> None:
        sla_policy_delete(policy=policy)


# --- teams and skills ----------------------------------------------------------------


class TeamInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    members = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=1000
    )


def team_output(team: Team) -> dict[str, Any]:
    members = TeamMember.objects.filter(team=team).order_by("membership_id")
    return {
        "id": team.pk,
        "name": team.name,
        "members": list(members.values_list("membership_id", flat=True)),
    }


@extend_schema(tags=["routing"], request=TeamInput)
class TeamViewSet(_AdminViewSet):
    serializer_class = TeamOutput
    input_class = TeamInput
    output = staticmethod(team_output)

    def get_queryset(self) -> Any:
        return Team.objects.all()

    def save(self, team: Team | None, values: dict[str, Any]) -> Team:
        members = values.get("members", [] if team is None else None)
        return team_save(tenant=self.tenant, team=team, name=values.get("name"), members=members)

    def remove(self, team: Team) -> None:
        team_delete(team=team)


class SkillInput(StrictSerializer):
    name = serializers.CharField(max_length=100)


def skill_output(skill: Skill) -> dict[str, Any]:
    return {"id": skill.pk, "name": skill.name}


@extend_schema(tags=["routing"], request=SkillInput)
class SkillViewSet(_AdminViewSet):
    serializer_class = SkillOutput
    input_class = SkillInput
    output = staticmethod(skill_output)

    def get_queryset(self) -> Any:
        return Skill.objects.all()

    def save(self, skill: Skill | None, values: dict[str, Any]) -> Skill:
        if skill is not None and "name" not in values:
            return skill
        return skill_save(tenant=self.tenant, skill=skill, name=values["name"])

    def remove(self, skill: Skill) -> None:
        skill_delete(skill=skill)


# --- routing rules -------------------------------------------------------------------


class RoutingRuleInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    position = serializers.IntegerField(required=False, min_value=-100000, max_value=100000)
    enabled = serializers.BooleanField(required=False)
    trigger = serializers.ChoiceField(choices=RuleTrigger.values, required=False)
    match = serializers.ChoiceField(choices=["all", "any"], required=False)
    conditions = serializers.JSONField(required=False)
    actions = serializers.JSONField()


def rule_output(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "position": rule.position,
        "enabled": rule.enabled,
        "trigger": rule.trigger,
        "match": rule.match,
        "conditions": rule.conditions,
        "actions": rule.actions,
    }


@extend_schema(tags=["routing"], request=RoutingRuleInput)
class RoutingRuleViewSet(_AdminViewSet):
    serializer_class = RoutingRuleOutput
    input_class = RoutingRuleInput
    output = staticmethod(rule_output)
    ordering = ("position", "id")

    def get_queryset(self) -> Any:
        return RoutingRule.objects.all()

    def save(self, rule: RoutingRule | None, values: dict[str, Any]) -> RoutingRule:
        return routing_rule_save(tenant=self.tenant, rule=rule, values=values)

    def remove(self, rule: RoutingRule) -> None:
        routing_rule_delete(rule=rule)


# --- the members API extension (registered in RoutingConfig.ready) -------------------


def member_input_fields() -> dict[str, serializers.Field]:  # type: ignore[type-arg]
    return {
        "skills": serializers.JSONField(required=False),
        "capacity": serializers.JSONField(required=False),
        "presence": serializers.ChoiceField(choices=["online", "away", "offline"], required=False),
    }


def member_represent(members: Sequence[Membership]) -> dict[int, dict[str, Any]]:
    ids = [m.pk for m in members]
    out: dict[int, dict[str, Any]] = {
        i: {"skills": [], "capacity": {"*": 5}, "presence": "offline"} for i in ids
    }
    for row in AgentSkill.objects.filter(membership_id__in=ids).order_by("skill_id"):
        out[row.membership_id]["skills"].append({"skill": row.skill_id, "level": row.level})
    for profile in AgentProfile.objects.filter(membership_id__in=ids):
        capacity = profile.capacity or {"*": 5}
        out[profile.membership_id]["capacity"] = (
            capacity["*"] if list(capacity) == ["*"] else capacity
        )
        out[profile.membership_id]["presence"] = profile.presence
    for values in out.values():
        if values["capacity"] == {"*": 5}:
            values["capacity"] = 5
    return out


def member_apply(membership: Membership, values: dict[str, Any]) -> None:
    agent_settings_update(
        membership=membership,
        skills=values.get("skills"),
        capacity=values.get("capacity"),
        presence=values.get("presence"),
    )
