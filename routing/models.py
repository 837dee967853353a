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
    subdivision = models.CharField(max_length=16, blank=True)

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
    # Calendar minutes before a due time at which a warning fires (0: no warning).
    warning_minutes = models.PositiveIntegerField(default=0)
    # [{"when": "warning"|"breach", "type": "set_priority"|"assign"|"set_team"|"notify_team", ...}]
    escalation = models.JSONField(default=list, blank=True)

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


# Capacity is counted per channel kind (chat, email, voice...); routing never chooses by it.
CHANNEL_KINDS = (
    "email",
    "sms",
    "whatsapp",
    "voice",
    "messenger",
    "instagram",
    "telegram",
    "chat",
    "api",
)
DEFAULT_CAPACITY = 5


class Presence(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"


class AgentProfile(TenantOwned):
    """A member's routing settings: presence and capacity per channel kind."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="routing_profile"
    )
    presence = models.CharField(max_length=8, choices=Presence.choices, default=Presence.OFFLINE)
    # A number for every kind ({"*": n}) or per kind ({"chat": 5, "email": 20}).
    capacity = models.JSONField(default=dict)
    presence_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["tenant", "presence"], name="agentprofile_presence")]

    def capacity_for(self, kind: str) -> int:
        return capacity_for(self.capacity, kind)


def capacity_for(capacity: dict[str, int], kind: str) -> int:
    if kind in capacity:
        return int(capacity[kind])
    return int(capacity.get("*", DEFAULT_CAPACITY))


class AgentLoad(TenantOwned):
    """Open assignments of one member on one channel kind, against their capacity.

    Claimed with one conditional UPDATE (``active < capacity``), so concurrent workers
    never assign past capacity; ``last_assigned_at`` gives round robin among equals.
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    channel_kind = models.CharField(max_length=16)
    active = models.IntegerField(default=0)
    capacity = models.IntegerField(default=DEFAULT_CAPACITY)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "membership", "channel_kind"], name="agentload_unique"
            ),
        ]
        # PostgreSQL also has agentload_pick (migration 0003): the candidates' order, so the
        # choice walks to the first fitting agents instead of sorting all of the kind.
        indexes = [
            models.Index(fields=["tenant", "channel_kind", "active"], name="agentload_kind"),
        ]


class RuleTrigger(models.TextChoices):
    CREATED = "created", "A ticket is created"
    MESSAGE = "message", "Every inbound message"
    SLA_WARNING = "sla_warning", "An SLA target is about to breach"
    SLA_BREACHED = "sla_breached", "An SLA target breached"


class RoutingRule(TenantOwned):
    """Conditions over the request and actions on the ticket, evaluated by position."""

    name = models.CharField(max_length=100)
    position = models.IntegerField(default=0)
    enabled = models.BooleanField(default=True)
    trigger = models.CharField(
        max_length=16, choices=RuleTrigger.choices, default=RuleTrigger.CREATED
    )
    match = models.CharField(max_length=3, default="all")  # all | any
    conditions = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="routingrule_unique_name"),
        ]
        indexes = [models.Index(fields=["tenant", "position", "id"], name="routingrule_order")]

    def __str__(self) -> str:
        return self.name


class RoutingVersion(TenantOwned):
    """A token that changes on every write to rules, policies or calendars.

    Compiled rules and policies are cached per process under it, so a message costs one
    indexed read instead of reloading and recompiling the configuration.
    """

    token = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="routingversion_unique")]
