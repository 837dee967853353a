"""The dashboard's period and filters, parsed and checked once for the page, API and CSV."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.utils import timezone

from customers.models import Customer, Organization
from helpdesk.errors import DomainError
from helpdesk.models import Membership
from inbox.models import ChannelKind
from routing.models import Team

MAX_DAYS = 731  # two years (one leap day included)
DEFAULT_DAYS = 30
FILTER_KEYS = ("channel", "team", "agent", "tier")


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(
            start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )


@dataclass(frozen=True)
class Filters:
    channel: str = ""
    team: int | None = None
    agent: int | None = None
    tier: str = ""

    def as_query(self) -> dict[str, str]:
        values = {
            "channel": self.channel,
            "team": self.team,
            "agent": self.agent,
            "tier": self.tier,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _date(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise DomainError("Use a date like 2026-01-31.", field=field) from exc


def period_parse(*, params: Mapping[str, str], today: date | None = None) -> Period:
    today = today or timezone.now().date()
    raw_from, raw_to = params.get("from", "").strip(), params.get("to", "").strip()
    end = _date(raw_to, "to") if raw_to else today
    start = _date(raw_from, "from") if raw_from else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise DomainError("The period starts after it ends: swap 'from' and 'to'.", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise DomainError(f"Choose a period of at most {MAX_DAYS} days.", field="to")
    return Period(start=start, end=end)


def _id(raw: str, field: str) -> int:
    if not raw.isdigit():
        raise DomainError(f"Unknown {field}: {raw[:50]!r}.", field=field)
    return int(raw)


def filters_parse(*, params: Mapping[str, str]) -> Filters:
    """Check every filter names something of this workspace; unknown names are refused."""
    filters = Filters()
    channel = params.get("channel", "").strip()
    if channel:
        if channel not in ChannelKind.values:
            raise DomainError(f"Unknown channel: {channel[:50]!r}.", field="channel")
        filters = replace(filters, channel=channel)
    team = params.get("team", "").strip()
    if team:
        team_id = _id(team, "team")
        if not Team.objects.filter(pk=team_id).exists():
            raise DomainError(f"Unknown team: {team!r}.", field="team")
        filters = replace(filters, team=team_id)
    agent = params.get("agent", "").strip()
    if agent:
        agent_id = _id(agent, "agent")
        if not Membership.objects.filter(pk=agent_id).exists():
            raise DomainError(f"Unknown agent: {agent!r}.", field="agent")
        filters = replace(filters, agent=agent_id)
    tier = params.get("tier", "").strip()
    if tier:
        if tier not in tiers_known():
            raise DomainError(f"Unknown tier: {tier[:50]!r}.", field="tier")
        filters = replace(filters, tier=tier)
    return filters


def tiers_known() -> list[str]:
    tiers = set(Organization.objects.exclude(tier="").values_list("tier", flat=True))
    tiers |= set(Customer.objects.exclude(tier="").values_list("tier", flat=True).distinct())
    return sorted(tiers)
