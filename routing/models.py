"""Teams, skills, business-hours calendars and SLA policies."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from helpdesk.models import Membership, TenantOwned


class Team(TenantOwned):
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class TeamMember(TenantOwned):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="teams")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "team", "membership"], name="teammember_unique"
            ),
        ]


class Skill(TenantOwned):
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="skill_unique_name")]

    def __str__(self) -> str:
        return self.name


class AgentSkill(TenantOwned):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agents")
    level = models.PositiveSmallIntegerField(default=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "membership", "skill"], name="agentskill_unique"
            ),
        ]


class BusinessHours(TenantOwned):
    """A calendar: time zone, weekly open intervals and holidays."""

    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="UTC")
    weekly = models.JSONField(default=dict)  # {"mon": [["09:00", "17:00"]], ...}
    holidays = models.JSONField(default=list)  # ["YYYY-MM-DD", ...]
    country = models.CharField(max_length=8, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="businesshours_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(TenantOwned):
    """Targets chosen by customer tier and ticket priority, never by channel."""

    name = models.CharField(max_length=100)
    tier = models.CharField(max_length=32, null=True, blank=True)
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    business_hours = models.ForeignKey(
        BusinessHours, null=True, blank=True, on_delete=models.RESTRICT, related_name="policies"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="slapolicy_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def targets(self) -> dict[str, Any]:
        return {
            "first_response": self.first_response_minutes,
            "next_response": self.next_response_minutes,
            "resolution": self.resolution_minutes,
        }
