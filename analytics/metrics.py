"""Metric formulas over rollup sums (the README's Analytics section quotes each one).

Each function takes a mapping of summed rollup columns (see ``rollup.COUNTERS``) and returns
the metric, or None when its denominator is zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

Sums = Mapping[str, int | float | None]


def _n(sums: Sums, key: str) -> float:
    return float(sums.get(key) or 0)


def _ratio(num: float, den: float, scale: float = 1.0, digits: int = 1) -> float | None:
    return round(num / den * scale, digits) if den else None


def frt_minutes(sums: Sums) -> float | None:
    """Mean first response time, calendar minutes: sum (first_response_at - first_touch) / n."""
    return _ratio(_n(sums, "frt_seconds"), _n(sums, "frt_count"), 1 / 60)


def frt_business_minutes(sums: Sums) -> float | None:
    """Mean first response time in the SLA policy calendar's open minutes."""
    return _ratio(_n(sums, "frt_business_seconds"), _n(sums, "frt_count"), 1 / 60)


def resolution_hours(sums: Sums) -> float | None:
    """Unified resolution time: sum (solved_at - first touch on any channel) / resolved, hours."""
    return _ratio(_n(sums, "resolution_seconds"), _n(sums, "resolved"), 1 / 3600, 2)


def fcr_rate(sums: Sums) -> float | None:
    return _ratio(_n(sums, "fcr"), _n(sums, "resolved"), 100)


def channel_switch_rate(sums: Sums) -> float | None:
    return _ratio(_n(sums, "switched"), _n(sums, "resolved"), 100)


def channel_transfer_rate(sums: Sums) -> float | None:
    return _ratio(_n(sums, "transferred"), _n(sums, "resolved"), 100)


def csat(sums: Sums) -> float | None:
    """CSAT: share of answers scoring 4 or 5, in percent."""
    return _ratio(_n(sums, "csat_satisfied"), _n(sums, "csat_count"), 100)


def csat_mean(sums: Sums) -> float | None:
    return _ratio(_n(sums, "csat_sum"), _n(sums, "csat_count"), 1, 2)


def ces(sums: Sums) -> float | None:
    """CES: mean answer to 'How easy was it to get your issue resolved?' (1-7)."""
    return _ratio(_n(sums, "ces_sum"), _n(sums, "ces_count"), 1, 2)


def sla_attainment(sums: Sums) -> float | None:
    return _ratio(_n(sums, "sla_met"), _n(sums, "sla_total"), 100)


def agent_load(load_seconds: float, period_seconds: float, agents: int) -> float | None:
    """Time-weighted open conversations per agent: sum  load seconds / (period * agents)."""
    return _ratio(load_seconds, period_seconds * agents, 1, 2) if agents else None


def cost_per_resolution(
    *, agent_days: int, hours_per_day: Decimal, cost_per_hour: Decimal, resolved: int
) -> float | None:
    """(agent-days * hours per agent-day * cost per agent hour) / resolved tickets."""
    if not resolved:
        return None
    return round(float(agent_days * hours_per_day * cost_per_hour) / resolved, 2)


def deflection_rate(*, deflected: int, tickets: int) -> float | None:
    """Self-service deflections / (deflections + tickets created), in percent."""
    return _ratio(deflected, deflected + tickets, 100)


HEADLINE = {
    "frt_minutes": frt_minutes,
    "frt_business_minutes": frt_business_minutes,
    "resolution_hours": resolution_hours,
    "fcr_rate": fcr_rate,
    "channel_switch_rate": channel_switch_rate,
    "channel_transfer_rate": channel_transfer_rate,
    "csat": csat,
    "csat_mean": csat_mean,
    "ces": ces,
    "sla_attainment": sla_attainment,
}

BREAKDOWN = ("resolved", "frt_minutes", "resolution_hours", "fcr_rate", "csat", "ces")
