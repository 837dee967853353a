"""The managers' dashboard, its drill-down and CSV export (server-rendered; charts vendored)."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from analytics.filters import Filters, Period, filters_parse, period_parse
from analytics.models import RollupState
from analytics.rollup import rollup_refresh
from analytics.selectors import DRILLS, drill_tickets, summary_get
from analytics.tasks import rollup_refresh_tenant
from customers.models import Organization
from helpdesk.errors import DomainError
from helpdesk.models import Membership, Role
from helpdesk.tasks import safe_delay
from inbox.models import ChannelKind
from routing.models import Team

HEADLINE_LABELS = [
    ("tickets_created", "Tickets created", ""),
    ("tickets_resolved", "Resolved", ""),
    ("frt_minutes", "First response", "min"),
    ("frt_business_minutes", "First response (business)", "min"),
    ("resolution_hours", "Unified resolution", "h"),
    ("fcr_rate", "First contact resolution", "%"),
    ("channel_switch_rate", "Channel switch rate", "%"),
    ("channel_transfer_rate", "Channel transfer rate", "%"),
    ("csat", "CSAT (4-5 of 5)", "%"),
    ("ces", "CES (1-7)", ""),
    ("sla_attainment", "SLA attainment", "%"),
    ("agent_load", "Concurrent load / agent", ""),
    ("cost_per_resolution", "Cost per resolution", ""),
    ("deflection_rate", "Deflection rate", "%"),
]


def _refuse_non_managers(request: HttpRequest) -> HttpResponse | None:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if not membership.has_role(Role.MANAGER):
        return HttpResponse(
            "The analytics dashboard is for managers and admins.",
            status=403,
            content_type="text/plain",
        )
    return None


def _refresh_if_stale(request: HttpRequest) -> None:
    state = RollupState.objects.filter(tenant=request.tenant).first()  # type: ignore[attr-defined]
    max_age = timedelta(seconds=settings.ANALYTICS_ROLLUP_SECONDS * 2)
    if state is None or state.refreshed_at is None or timezone.now() - state.refreshed_at > max_age:
        if settings.CELERY_TASK_ALWAYS_EAGER:  # the embedded set-up has no beat: catch up now
            rollup_refresh(tenant=request.tenant)  # type: ignore[attr-defined]
        else:  # the worker catches up; this page shows the numbers as of refreshed_at
            safe_delay(rollup_refresh_tenant, request.tenant.pk)  # type: ignore[attr-defined]


def _parse(request: HttpRequest) -> tuple[Period, Filters]:
    return period_parse(params=request.GET), filters_parse(params=request.GET)


def _choices() -> dict[str, Any]:
    return {
        "channels": ChannelKind.choices,
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "agents": [
            (m.pk, m.display_name)
            for m in Membership.objects.filter(is_active=True).select_related("user").order_by("pk")
        ],
        "tiers": sorted(set(Organization.objects.exclude(tier="").values_list("tier", flat=True))),
    }


def dashboard_page(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    refused = _refuse_non_managers(request)
    if refused:
        return refused
    context: dict[str, Any] = {
        "tenant": request.tenant,  # type: ignore[attr-defined]
        "params": request.GET,
        "from_value": request.GET.get("from", ""),
        "to_value": request.GET.get("to", ""),
        **_choices(),
    }
    try:
        period, filters = _parse(request)
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "analytics/dashboard.html", context, status=400)
    _refresh_if_stale(request)
    summary = summary_get(tenant=request.tenant, period=period, filters=filters)  # type: ignore[attr-defined]
    headline = summary["headline"]
    context["tiers"] = sorted(
        set(context["tiers"]) | {r["tier"] for r in summary["breakdowns"]["tier"] if r["tier"]}
    )
    context |= {
        "summary": summary,
        "period": period,
        "refreshed_at": parse_datetime(summary["freshness"]["refreshed_at"] or ""),
        "from_value": period.start.isoformat(),
        "to_value": period.end.isoformat(),
        "filters": filters,
        "query": urlencode({"from": period.start, "to": period.end, **filters.as_query()}),
        "cards": [
            {
                "key": key,
                "label": label,
                "unit": unit,
                "value": headline.get(key),
                "change": summary["change"].get(key),
                "currency": key == "cost_per_resolution",
            }
            for key, label, unit in HEADLINE_LABELS
        ],
    }
    return render(request, "analytics/dashboard.html", context)


def drill_page(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    refused = _refuse_non_managers(request)
    if refused:
        return refused
    context: dict[str, Any] = {"tenant": request.tenant}  # type: ignore[attr-defined]
    metric = request.GET.get("metric", "resolved")
    try:
        period, filters = _parse(request)
        if metric not in DRILLS and metric != "low_csat":
            raise DomainError(f"Unknown metric: {metric[:50]!r}.", field="metric")
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "analytics/drill.html", context, status=400)
    context |= {
        "metric": metric,
        "period": period,
        "filters": filters,
        "tickets": list(drill_tickets(period=period, filters=filters, metric=metric)),
    }
    return render(request, "analytics/drill.html", context)


def export_csv(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    refused = _refuse_non_managers(request)
    if refused:
        return refused
    try:
        period, filters = _parse(request)
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    summary = summary_get(tenant=request.tenant, period=period, filters=filters)  # type: ignore[attr-defined]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="analytics-{period.start}-{period.end}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["section", "key", "metric", "value", "previous", "change"])
    for key, value in summary["headline"].items():
        writer.writerow(
            ["headline", "", key, value, summary["previous"].get(key), summary["change"].get(key)]
        )
    for name, rows in summary["breakdowns"].items():
        for row in rows:
            for metric in (
                "created",
                "resolved",
                "frt_minutes",
                "resolution_hours",
                "fcr_rate",
                "csat",
                "csat_answers",
                "ces",
            ):
                writer.writerow([f"by_{name}", row["label"], metric, row[metric], "", ""])
    for row in summary["series"]:
        for metric in ("created", "resolved", "frt_minutes", "csat", "ces"):
            writer.writerow(["day", row["day"], metric, row[metric], "", ""])
    return response
