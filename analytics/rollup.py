"""Daily pre-aggregates: recompute whole days from the source rows, incrementally.

``rollup_refresh`` reads the event log past its watermark, works out which days those events
can have changed (the event's day, and every day the touched tickets count on), recomputes
them, and always recomputes today and yesterday (open-conversation load grows with the clock).
A beat task runs it every ``ANALYTICS_ROLLUP_SECONDS``; the dashboard shows ``refreshed_at``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from analytics.eventlog import writer
from analytics.facts import RESOLVED, Dims, TicketFacts, day_of, tickets_facts
from analytics.models import (
    AnalyticsEvent,
    CubeDim,
    DailyCube,
    DailyRollup,
    RollupState,
    SearchRollup,
    SlaRollup,
    SurveyAnswer,
)
from helpdesk.models import Tenant
from inbox.models import ACTIVE_STATUSES, Direction, Message, Ticket

COUNTERS = (
    "created",
    "resolved",
    "frt_count",
    "frt_seconds",
    "frt_business_seconds",
    "resolution_seconds",
    "fcr",
    "switched",
    "transferred",
    "sla_total",
    "sla_met",
    "csat_count",
    "csat_satisfied",
    "csat_sum",
    "ces_count",
    "ces_sum",
    "load_seconds",
    "replies",
)
STATE_EVENTS = ("ticket.created", "ticket.updated")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _in_day(value: datetime | None, start: datetime, end: datetime) -> bool:
    return value is not None and start <= value < end


class _Sums:
    def __init__(self) -> None:
        self.rows: dict[Dims, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
        self.sla: dict[int, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, dims: Dims, **values: int) -> None:
        row = self.rows[dims]
        for key, value in values.items():
            row[key] += value


def _day_ticket_ids(start: datetime, end: datetime) -> set[int]:
    window = Q(created_at__gte=start, created_at__lt=end)
    window |= Q(first_response_at__gte=start, first_response_at__lt=end)
    window |= Q(solved_at__gte=start, solved_at__lt=end, status__in=RESOLVED)
    return set(Ticket.objects.filter(window).values_list("pk", flat=True))


def _add_ticket_facts(
    sums: _Sums, facts: Iterable[TicketFacts], start: datetime, end: datetime
) -> None:
    for f in facts:
        if _in_day(f.created_at, start, end):
            sums.add(f.dims, created=1)
        if f.frt_seconds is not None and _in_day(f.first_response_at, start, end):
            sums.add(
                f.dims,
                frt_count=1,
                frt_seconds=f.frt_seconds,
                frt_business_seconds=f.frt_business_seconds or 0,
            )
        if f.resolution_seconds is not None and _in_day(f.solved_at, start, end):
            sums.add(
                f.dims,
                resolved=1,
                resolution_seconds=f.resolution_seconds,
                fcr=int(f.fcr),
                switched=int(f.switched),
                transferred=int(f.transferred),
                sla_total=int(f.sla_met is not None),
                sla_met=int(bool(f.sla_met)),
            )
            if f.sla_policy_id and f.sla_met is not None:
                sums.sla[f.sla_policy_id][0] += 1
                sums.sla[f.sla_policy_id][1] += int(f.sla_met)


def _add_answers(sums: _Sums, start: datetime, end: datetime) -> None:
    for a in SurveyAnswer.objects.filter(answered_at__gte=start, answered_at__lt=end):
        dims = Dims(a.channel_kind, a.team_id or 0, a.member_id or 0, a.tier, a.multi_channel)
        sums.add(
            dims,
            csat_count=1,
            csat_satisfied=int(a.csat >= 4),
            csat_sum=a.csat,
            ces_count=int(a.ces is not None),
            ces_sum=a.ces or 0,
        )


def _add_replies(sums: _Sums, start: datetime, end: datetime, dims_of: dict[int, Dims]) -> None:
    rows = Message.objects.filter(
        created_at__gte=start, created_at__lt=end, direction=Direction.OUTBOUND
    ).exclude(author=None)
    for ticket_id, author_id in rows.values_list("ticket_id", "author_id"):
        base = dims_of.get(ticket_id)
        if base is not None:
            sums.add(
                Dims(base.channel_kind, base.team_id, author_id, base.tier, base.multi_channel),
                replies=1,
            )


def _add_load(sums: _Sums, start: datetime, end: datetime, dims_of: dict[int, Dims]) -> None:
    """Seconds each ticket spent active and assigned to a member within the day, from the log."""
    open_ids = set(dims_of)
    last_before = (
        AnalyticsEvent.objects.filter(
            ticket_id__in=open_ids, name__in=STATE_EVENTS, occurred_at__lt=start
        )
        .values("ticket_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    state: dict[int, tuple[datetime, int | None, bool]] = {}
    for ev in AnalyticsEvent.objects.filter(pk__in=list(last_before)):
        state[ev.ticket_id or 0] = (start, ev.member_id, ev.label in ACTIVE_STATUSES)
    changes = AnalyticsEvent.objects.filter(
        ticket_id__in=open_ids, name__in=STATE_EVENTS, occurred_at__gte=start, occurred_at__lt=end
    ).order_by("occurred_at", "id")

    def close(ticket_id: int, until: datetime) -> None:
        since, member, active = state[ticket_id]
        if member and active and until > since:
            base = dims_of[ticket_id]
            dims = Dims(base.channel_kind, base.team_id, member, base.tier, base.multi_channel)
            sums.add(dims, load_seconds=int((until - since).total_seconds()))

    for ev in changes:
        ticket_id = ev.ticket_id or 0
        if ticket_id in state:
            close(ticket_id, ev.occurred_at)
        state[ticket_id] = (ev.occurred_at, ev.member_id, ev.label in ACTIVE_STATUSES)
    until = min(end, timezone.now())
    for ticket_id in list(state):
        close(ticket_id, until)


SEARCH_EVENTS = ("kb.search", "kb.search_failed", "kb.deflected")


def _search_rows(tenant: Tenant, day: date, start: datetime, end: datetime) -> list[SearchRollup]:
    totals = SearchRollup(tenant=tenant, day=day, query="")
    failed: Counter[str] = Counter()
    rows = AnalyticsEvent.objects.filter(
        name__in=SEARCH_EVENTS, occurred_at__gte=start, occurred_at__lt=end
    ).values_list("name", "payload")
    for name, payload in rows:
        if name == "kb.deflected":
            totals.deflected += 1
            continue
        totals.searches += 1
        if name == "kb.search_failed":
            totals.failed += 1
            query = " ".join(str((payload or {}).get("query", "")).lower().split())[:200]
            if query:
                failed[query] += 1
    out = [SearchRollup(tenant=tenant, day=day, query=q, failed=n) for q, n in failed.items()]
    return [totals, *out] if totals.searches or totals.deflected else out


def rollup_day(*, tenant: Tenant, day: date) -> int:
    """Recompute one day's rollup rows; returns how many rows it wrote."""
    start, end = day_bounds(day)
    if start > timezone.now():
        return 0
    ids = _day_ticket_ids(start, end)
    # Tickets that were open at some point of the day (load) or got an agent reply.
    open_ids = set(
        Ticket.objects.filter(created_at__lt=end)
        .filter(Q(status__in=ACTIVE_STATUSES) | Q(solved_at__gte=start) | Q(closed_at__gte=start))
        .values_list("pk", flat=True)
    )
    reply_ids = set(
        Message.objects.filter(
            created_at__gte=start, created_at__lt=end, direction=Direction.OUTBOUND
        )
        .exclude(author=None)
        .values_list("ticket_id", flat=True)
    )
    facts = tickets_facts(ticket_ids=ids | open_ids | reply_ids)
    dims_of = {f.ticket_id: f.dims for f in facts}
    sums = _Sums()
    _add_ticket_facts(sums, (f for f in facts if f.ticket_id in ids), start, end)
    _add_answers(sums, start, end)
    _add_replies(sums, start, end, dims_of)
    _add_load(sums, start, end, {k: v for k, v in dims_of.items() if k in open_ids})
    rows = [
        DailyRollup(tenant=tenant, day=day, **asdict(dims), **values)
        for dims, values in sums.rows.items()
        if any(values.values())
    ]
    cube: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for dims, values in sums.rows.items():
        for key in (
            (CubeDim.ALL, ""),
            (CubeDim.CHANNEL, dims.channel_kind),
            (CubeDim.TEAM, str(dims.team_id)),
            (CubeDim.AGENT, str(dims.member_id)),
            (CubeDim.TIER, dims.tier),
            (CubeDim.MULTI, "1" if dims.multi_channel else "0"),
        ):
            total = cube[key]
            for name, value in values.items():
                total[name] += value
    with transaction.atomic():
        DailyCube.objects.filter(day=day).delete()
        DailyCube.objects.bulk_create(
            DailyCube(tenant=tenant, day=day, dim=dim, key=key, **values)
            for (dim, key), values in cube.items()
            if any(values.values())
        )
        DailyRollup.objects.filter(day=day).delete()
        SlaRollup.objects.filter(day=day).delete()
        SearchRollup.objects.filter(day=day).delete()
        DailyRollup.objects.bulk_create(rows)
        SearchRollup.objects.bulk_create(_search_rows(tenant, day, start, end))
        SlaRollup.objects.bulk_create(
            SlaRollup(tenant=tenant, day=day, policy_id=policy, total=total, met=met)
            for policy, (total, met) in sums.sla.items()
        )
    return len(rows)


def _days_touched(new_events: list[AnalyticsEvent]) -> set[date]:
    days = {e.occurred_at.date() for e in new_events}
    ticket_ids = {e.ticket_id for e in new_events if e.ticket_id}
    for created, responded, solved in Ticket.objects.filter(pk__in=ticket_ids).values_list(
        "created_at", "first_response_at", "solved_at"
    ):
        days |= {d for d in (day_of(created), day_of(responded), day_of(solved)) if d}
    # Earlier days the ticket counted on (a reopened ticket leaves its old solved day).
    days |= {
        d.date()
        for d in AnalyticsEvent.objects.filter(ticket_id__in=ticket_ids).values_list(
            "occurred_at", flat=True
        )
    }
    # Answers are reported on their own day, which the survey.answered event carries.
    return days


def rollup_refresh(*, tenant: Tenant, max_events: int = 50_000) -> dict[str, Any]:
    """Bring the tenant's rollup up to date with its event log. Idempotent."""
    writer.flush()  # this process's pending log rows first
    state, _ = RollupState.objects.get_or_create(tenant=tenant)
    new_events = list(
        AnalyticsEvent.objects.filter(pk__gt=state.last_event_id).order_by("pk")[:max_events]
    )
    today = timezone.now().date()
    days = _days_touched(new_events) | {today, today - timedelta(days=1)}
    for day in sorted(days):
        rollup_day(tenant=tenant, day=day)
    if new_events:
        state.last_event_id = new_events[-1].pk
    state.refreshed_at = timezone.now()
    state.save()
    return {"days": len(days), "events": len(new_events), "more": len(new_events) == max_events}
