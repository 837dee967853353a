"""Reads for the dashboard, the summary API and the CSV export: one function, one shape."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, Sum

from analytics import metrics
from analytics.facts import RESOLVED, TicketFacts, tickets_facts
from analytics.filters import Filters, Period
from analytics.grouping import cube_grouped, rollup_filtered, rollup_grouped
from analytics.models import RollupState, SearchRollup, SlaRollup, SurveyAnswer
from analytics.rollup import COUNTERS, day_bounds
from analytics.surveys import analytics_settings_get
from helpdesk.models import Membership, Tenant
from inbox.models import Ticket
from routing.models import SlaPolicy, Team

LOW_CHANNEL_POINTS = 10.0  # a channel this many CSAT points below the others is flagged
MULTI_DROP_POINTS = 5.0  # multi-channel CSAT this far below single-channel is flagged
MIN_ANSWERS = 5  # fewer answers than this never raise a flag


def _rollup_filters(filters: Filters) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if filters.channel:
        out["channel_kind"] = filters.channel
    if filters.team is not None:
        out["team_id"] = filters.team
    if filters.agent is not None:
        out["member_id"] = filters.agent
    if filters.tier:
        out["tier"] = filters.tier
    return out


def _headline(
    sums: dict[str, Any], *, agents: int, agent_days: int, period: Period, tenant: Tenant
) -> dict[str, Any]:
    config = analytics_settings_get(tenant=tenant)
    out: dict[str, Any] = {
        "tickets_created": int(sums.get("created") or 0),
        "tickets_resolved": int(sums.get("resolved") or 0),
        "survey_answers": int(sums.get("csat_count") or 0),
    }
    out |= {name: formula(sums) for name, formula in metrics.HEADLINE.items()}
    out["agent_load"] = metrics.agent_load(
        float(sums.get("load_seconds") or 0), period.days * 86400.0, agents
    )
    out["cost_per_resolution"] = metrics.cost_per_resolution(
        agent_days=agent_days,
        hours_per_day=config.agent_hours_per_day,
        cost_per_hour=config.cost_per_agent_hour,
        resolved=out["tickets_resolved"],
    )
    return out


def _change(now: Any, before: Any) -> float | None:
    if now is None or before is None:
        return None
    return round(float(now) - float(before), 2)


def _row_metrics(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "resolved": int(row.get("resolved") or 0),
        "created": int(row.get("created") or 0),
        "frt_minutes": metrics.frt_minutes(row),
        "resolution_hours": metrics.resolution_hours(row),
        "fcr_rate": metrics.fcr_rate(row),
        "csat": metrics.csat(row),
        "csat_answers": int(row.get("csat_count") or 0),
        "ces": metrics.ces(row),
        "load_seconds": int(row.get("load_seconds") or 0),
    }


def _labels(
    rows: list[dict[str, Any]], key: str, names: Callable[[set[Any]], dict[Any, str]]
) -> None:
    found = names({r[key] for r in rows})
    for r in rows:
        r["label"] = found.get(r[key], str(r[key]) if r[key] not in ("", 0, None) else "—")


def _team_names(ids: set[Any]) -> dict[Any, str]:
    names = dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {0: "No team", **names}


def _member_names(ids: set[Any]) -> dict[Any, str]:
    found = Membership.objects.filter(pk__in=ids).select_related("user")
    return {0: "Unassigned", **{m.pk: m.display_name for m in found}}


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    return day_bounds(period.start)[0], day_bounds(period.end)[1]


def _searches(period: Period) -> dict[str, Any]:
    """Help-center search counts and the top failed queries, from the search rollup."""
    window = SearchRollup.objects.filter(day__gte=period.start, day__lte=period.end)
    totals = window.filter(query="").aggregate(
        searches=Sum("searches"), failed=Sum("failed"), deflected=Sum("deflected")
    )
    top = (
        window.exclude(query="")
        .values("query")
        .annotate(count=Sum("failed"))
        .order_by("-count", "query")[:10]
    )
    return {
        "searches": totals["searches"] or 0,
        "failed_searches": totals["failed"] or 0,
        "deflected": totals["deflected"] or 0,
        "top_failed_searches": [{"query": r["query"], "count": r["count"]} for r in top],
    }


def _flags(
    by_channel: list[dict[str, Any]],
    by_multi: list[dict[str, Any]],
    previous_multi: dict[bool, float | None],
) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = []
    rated = [r for r in by_channel if r["csat"] is not None and r["csat_answers"] >= MIN_ANSWERS]
    for row in rated:
        others = [r for r in rated if r is not row]
        answers = sum(r["csat_answers"] for r in others)
        if not answers:
            continue
        others_csat = sum(r["csat"] * r["csat_answers"] for r in others) / answers
        if others_csat - row["csat"] >= LOW_CHANNEL_POINTS:
            flags.append(
                {
                    "kind": "channel_csat_low",
                    "channel": row["channel_kind"],
                    "message": f"CSAT on {row['label']} is {row['csat']:.1f}%, "
                    f"{others_csat - row['csat']:.1f} points below the other channels "
                    f"({others_csat:.1f}%).",
                }
            )
    multi = {r["multi_channel"]: r for r in by_multi}
    m, s = multi.get(True), multi.get(False)
    if (
        m
        and s
        and m["csat"] is not None
        and s["csat"] is not None
        and m["csat_answers"] >= MIN_ANSWERS
    ):
        gap = s["csat"] - m["csat"]
        if gap >= MULTI_DROP_POINTS:
            flags.append(
                {
                    "kind": "multi_channel_csat_drop",
                    "message": f"Customers who used several channels score {m['csat']:.1f}% CSAT, "
                    f"{gap:.1f} points below single-channel customers ({s['csat']:.1f}%).",
                }
            )
    before = previous_multi.get(True)
    if (
        m
        and m["csat"] is not None
        and before is not None
        and before - m["csat"] >= MULTI_DROP_POINTS
    ):
        flags.append(
            {
                "kind": "multi_channel_csat_fell",
                "message": f"Multi-channel CSAT fell from {before:.1f}% to {m['csat']:.1f}% "
                "against the previous period.",
            }
        )
    return flags


def summary_get(*, tenant: Tenant, period: Period, filters: Filters) -> dict[str, Any]:
    """Every number of the dashboard for a period and filters (from the daily rollup)."""
    where = _rollup_filters(filters)
    prev_period = period.previous()
    if where:
        grouped = rollup_grouped(rollup_filtered(start=period.start, end=period.end, filters=where))
        prev = rollup_grouped(
            rollup_filtered(start=prev_period.start, end=prev_period.end, filters=where),
            {
                "total": (),
                "agent": ("member_id",),
                "agent_day": ("day", "member_id"),
                "multi": ("multi_channel",),
            },
        )
    else:  # no filter: the per-dimension cube holds every grouping, already summed per day
        grouped = cube_grouped(start=period.start, end=period.end)
        prev = cube_grouped(start=prev_period.start, end=prev_period.end)

    def head(g: dict[str, list[dict[str, Any]]], p: Period) -> dict[str, Any]:
        agents = sum(1 for r in g["agent"] if r["member_id"] and (r["load_seconds"] or 0) > 0)
        agent_days = sum(1 for r in g["agent_day"] if r["member_id"] and (r["replies"] or 0) > 0)
        return _headline(
            g["total"][0], agents=agents, agent_days=agent_days, period=p, tenant=tenant
        )

    headline = head(grouped, period)
    previous = head(prev, prev_period)
    searches = _searches(period)
    headline["deflection_rate"] = metrics.deflection_rate(
        deflected=searches["deflected"], tickets=headline["tickets_created"]
    )
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for name, key in (
        ("channel", "channel_kind"),
        ("team", "team_id"),
        ("agent", "member_id"),
        ("tier", "tier"),
        ("multi", "multi_channel"),
    ):
        rows = [{key: r[key], **_row_metrics(r)} for r in grouped[name]]
        breakdowns[name] = rows
    _labels(breakdowns["channel"], "channel_kind", lambda ids: {})
    _labels(breakdowns["team"], "team_id", _team_names)
    _labels(breakdowns["agent"], "member_id", _member_names)
    _labels(breakdowns["tier"], "tier", lambda ids: {"": "No tier"})
    for r in breakdowns["multi"]:
        r["label"] = "Several channels" if r["multi_channel"] else "One channel"
    for r in breakdowns["agent"]:
        r["concurrent_load"] = metrics.agent_load(
            float(r["load_seconds"]), period.days * 86400.0, 1
        )
    previous_multi = {bool(r["multi_channel"]): metrics.csat(r) for r in prev["multi"]}
    state = RollupState.objects.filter(tenant=tenant).first()
    return {
        "period": {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "days": period.days,
        },
        "previous_period": {
            "from": prev_period.start.isoformat(),
            "to": prev_period.end.isoformat(),
        },
        "filters": filters.as_query(),
        "headline": headline,
        "previous": previous,
        "change": {k: _change(v, previous.get(k)) for k, v in headline.items() if k in previous},
        "series": _series(period, grouped["day"]),
        "breakdowns": breakdowns,
        "sla_by_policy": _sla_by_policy(period),
        "search": searches,
        "flags": _flags(breakdowns["channel"], breakdowns["multi"], previous_multi),
        "freshness": {
            "refreshed_at": state.refreshed_at.isoformat()
            if state and state.refreshed_at
            else None,
            "note": "Daily pre-aggregates, refreshed every few minutes.",
        },
    }


def _series(period: Period, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per day of the period; days without data count zero."""
    by_day = {r["day"]: r for r in rows}
    days = (period.start + timedelta(days=i) for i in range(period.days))
    return [{"day": d.isoformat(), **_row_metrics(by_day.get(d, {}))} for d in days]


def _sla_by_policy(period: Period) -> list[dict[str, Any]]:
    rows = (
        SlaRollup.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("policy_id")
        .annotate(total=Sum("total"), met=Sum("met"))
        .order_by("policy_id")
    )
    names = dict(SlaPolicy.objects.values_list("pk", "name"))
    return [
        {
            "policy": r["policy_id"],
            "name": names.get(r["policy_id"], f"Policy {r['policy_id']}"),
            "total": r["total"],
            "met": r["met"],
            "attainment": metrics.sla_attainment({"sla_met": r["met"], "sla_total": r["total"]}),
        }
        for r in rows
    ]


DRILLS: dict[str, Callable[[TicketFacts], bool]] = {
    "resolved": lambda f: True,
    "fcr": lambda f: f.fcr,
    "not_fcr": lambda f: not f.fcr,
    "switched": lambda f: f.switched,
    "transferred": lambda f: f.transferred,
    "sla_missed": lambda f: f.sla_met is False,
}


def _matches(f: TicketFacts, filters: Filters) -> bool:
    d = f.dims
    return (
        (not filters.channel or d.channel_kind == filters.channel)
        and (filters.team is None or d.team_id == filters.team)
        and (filters.agent is None or d.member_id == filters.agent)
        and (not filters.tier or d.tier == filters.tier)
    )


def drill_tickets(
    *, period: Period, filters: Filters, metric: str, limit: int = 100, scan: int = 5000
) -> Iterator[TicketFacts]:
    """The resolved tickets behind a number, newest first (same definitions as the rollup)."""
    start, end = period_bounds(period)
    if metric == "low_csat":
        ids = list(
            SurveyAnswer.objects.filter(answered_at__gte=start, answered_at__lt=end, csat__lte=3)
            .order_by("-answered_at")
            .values_list("ticket_id", flat=True)[:scan]
        )
        facts = sorted(tickets_facts(ticket_ids=ids), key=lambda f: ids.index(f.ticket_id))
        yield from [f for f in facts if _matches(f, filters)][:limit]
        return
    test = DRILLS[metric]
    base = Ticket.objects.filter(
        Q(status__in=RESOLVED), solved_at__gte=start, solved_at__lt=end
    ).order_by("-solved_at", "-id")
    found = 0
    for offset in range(0, scan, 500):
        ids = list(base.values_list("pk", flat=True)[offset : offset + 500])
        if not ids:
            return
        by_id = {f.ticket_id: f for f in tickets_facts(ticket_ids=ids)}
        for ticket_id in ids:
            f = by_id[ticket_id]
            if test(f) and _matches(f, filters):
                yield f
                found += 1
                if found >= limit:
                    return


SUMMARY_COUNTERS = COUNTERS
