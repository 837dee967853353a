"""Surveys, the append-only analytics event log, daily pre-aggregates and tenant settings.

Analytics writes only these tables; everything else it reads. Ids of other rooms' rows are
plain integers here (no foreign keys), so the log outlives deletions and merges.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone

from helpdesk.models import TenantOwned


class AnalyticsSettings(TenantOwned):
    """Per-tenant knobs: cost model and survey cadence."""

    cost_per_agent_hour = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal(30))
    currency = models.CharField(max_length=3, default="EUR")
    agent_hours_per_day = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal(8))
    surveys_enabled = models.BooleanField(default=True)
    survey_throttle_days = models.PositiveSmallIntegerField(default=7)
    survey_link_days = models.PositiveSmallIntegerField(default=14)
    ask_nps = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="analyticssettings_one_per_tenant"),
        ]


class SurveyKind(models.TextChoices):
    CSAT = "csat", "Customer satisfaction (1-5)"
    CES = "ces", "Customer effort (1-7)"
    NPS = "nps", "Net promoter (0-10)"


SCORE_RANGES = {SurveyKind.CSAT: (1, 5), SurveyKind.CES: (1, 7), SurveyKind.NPS: (0, 10)}


class Survey(TenantOwned):
    """What we ask after a resolution: which questions, in which words."""

    name = models.CharField(max_length=100, default="After resolution")
    csat_question = models.CharField(
        max_length=200, default="How satisfied are you with the help you received?"
    )
    ces_question = models.CharField(
        max_length=200, default="How easy was it to get your issue resolved?"
    )
    nps_question = models.CharField(
        max_length=200, default="How likely are you to recommend us to a friend?"
    )
    ask_ces = models.BooleanField(default=True)
    ask_comment = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="survey_unique_name"),
        ]


class SurveyRequestStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ANSWERED = "answered", "Answered"
    SKIPPED = "skipped", "Skipped"  # throttled or nowhere to send


class SurveyRequest(TenantOwned):
    """One invitation per ticket, with the context its answers are reported under."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="requests")
    ticket_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    channel_id = models.BigIntegerField(null=True, blank=True)
    channel_kind = models.CharField(max_length=16, blank=True)
    member_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    tier = models.CharField(max_length=32, blank=True)
    multi_channel = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=SurveyRequestStatus.choices, default=SurveyRequestStatus.SENT
    )
    skip_reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Once per ticket, enforced by the database.
            models.UniqueConstraint(fields=["tenant", "ticket_id"], name="surveyrequest_once"),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "customer_id", "created_at"], name="surveyrequest_customer"
            ),
        ]


class SurveyAnswer(TenantOwned):
    """The customer's answer; one per request. Context is copied so reports need no joins."""

    request = models.OneToOneField(SurveyRequest, on_delete=models.CASCADE, related_name="answer")
    ticket_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()  # as answered; reports follow Customer.merged_into
    channel_kind = models.CharField(max_length=16, blank=True)
    member_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    tier = models.CharField(max_length=32, blank=True)
    multi_channel = models.BooleanField(default=False)
    csat = models.PositiveSmallIntegerField()
    ces = models.PositiveSmallIntegerField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "answered_at"], name="surveyanswer_when"),
            models.Index(fields=["tenant", "customer_id"], name="surveyanswer_customer"),
        ]


class AnalyticsEvent(TenantOwned):
    """Append-only: one row per committed domain event. Never updated, never deleted."""

    name = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    seq = models.BigIntegerField(default=0)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    channel_kind = models.CharField(max_length=16, blank=True)
    member_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    label = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "occurred_at"], name="aevent_when"),
            models.Index(fields=["tenant", "name", "occurred_at"], name="aevent_name_when"),
            models.Index(fields=["tenant", "ticket_id", "occurred_at"], name="aevent_ticket"),
        ]


class DailyRollup(TenantOwned):
    """Pre-aggregated sums for one day and one combination of dimensions.

    Every column is additive, so any period and any filter is a SUM over rows. ``channel_kind``
    is the channel the customer used last on the ticket (where the issue ended and where the
    survey went); ``member_id``/``team_id`` the ticket's assignee and team; ``tier`` the
    customer's tier; ``multi_channel`` whether the ticket touched two or more channels.
    """

    day = models.DateField()
    channel_kind = models.CharField(max_length=16, blank=True)
    team_id = models.BigIntegerField(default=0)  # 0: none
    member_id = models.BigIntegerField(default=0)  # 0: unassigned
    tier = models.CharField(max_length=32, blank=True)
    multi_channel = models.BooleanField(default=False)

    created = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    frt_count = models.IntegerField(default=0)
    frt_seconds = models.BigIntegerField(default=0)
    frt_business_seconds = models.BigIntegerField(default=0)
    resolution_seconds = models.BigIntegerField(default=0)
    fcr = models.IntegerField(default=0)
    switched = models.IntegerField(default=0)
    transferred = models.IntegerField(default=0)
    sla_total = models.IntegerField(default=0)
    sla_met = models.IntegerField(default=0)
    csat_count = models.IntegerField(default=0)
    csat_satisfied = models.IntegerField(default=0)
    csat_sum = models.IntegerField(default=0)
    ces_count = models.IntegerField(default=0)
    ces_sum = models.IntegerField(default=0)
    load_seconds = models.BigIntegerField(default=0)
    replies = models.IntegerField(default=0)  # agent replies; member_id is their author

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="rollup_day")]


class CubeDim(models.TextChoices):
    ALL = "all", "All"
    CHANNEL = "channel", "Channel"
    TEAM = "team", "Team"
    AGENT = "agent", "Agent"
    TIER = "tier", "Tier"
    MULTI = "multi", "One or several channels"


class DailyCube(TenantOwned):
    """The day's rollup summed along one dimension at a time (``key`` is its value as text).

    Unfiltered dashboards read these ~100 rows a day instead of every combination.
    """

    day = models.DateField()
    dim = models.CharField(max_length=8, choices=CubeDim.choices)
    key = models.CharField(max_length=64, blank=True)
    created = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    frt_count = models.IntegerField(default=0)
    frt_seconds = models.BigIntegerField(default=0)
    frt_business_seconds = models.BigIntegerField(default=0)
    resolution_seconds = models.BigIntegerField(default=0)
    fcr = models.IntegerField(default=0)
    switched = models.IntegerField(default=0)
    transferred = models.IntegerField(default=0)
    sla_total = models.IntegerField(default=0)
    sla_met = models.IntegerField(default=0)
    csat_count = models.IntegerField(default=0)
    csat_satisfied = models.IntegerField(default=0)
    csat_sum = models.IntegerField(default=0)
    ces_count = models.IntegerField(default=0)
    ces_sum = models.IntegerField(default=0)
    load_seconds = models.BigIntegerField(default=0)
    replies = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "day", "dim"], name="cube_day_dim")]


class SlaRollup(TenantOwned):
    """Per-day SLA attainment by policy (resolved tickets with a policy)."""

    day = models.DateField()
    policy_id = models.BigIntegerField()
    total = models.IntegerField(default=0)
    met = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="slarollup_day")]


class SearchRollup(TenantOwned):
    """Per-day help-center search counts from ``kb.*`` events; ``query=""`` holds the day's
    totals, other rows count failed searches per normalized query."""

    day = models.DateField()
    query = models.CharField(max_length=200, blank=True)
    searches = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    deflected = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "day"], name="searchrollup_day")]


class RollupState(TenantOwned):
    """How far the rollup has read the event log, and when."""

    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="rollupstate_one_per_tenant"),
        ]
