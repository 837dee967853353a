"""Summing rollup rows by several groupings at once.

On PostgreSQL one scan with ``GROUPING SETS``; elsewhere (the embedded SQLite) one query per
grouping. Both return the same shape: ``{grouping name: [row dict, ...]}``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet, Sum

from analytics.models import CubeDim, DailyCube, DailyRollup
from analytics.rollup import COUNTERS

GROUPINGS: dict[str, tuple[str, ...]] = {
    "total": (),
    "day": ("day",),
    "channel": ("channel_kind",),
    "team": ("team_id",),
    "agent": ("member_id",),
    "tier": ("tier",),
    "multi": ("multi_channel",),
    "agent_day": ("day", "member_id"),
}
DIMENSIONS = ("day", "channel_kind", "team_id", "member_id", "tier", "multi_channel")


def rollup_filtered(*, start: date, end: date, filters: dict[str, Any]) -> QuerySet[DailyRollup]:
    return DailyRollup.objects.filter(day__gte=start, day__lte=end, **filters)


def _orm(
    qs: QuerySet[DailyRollup], groupings: dict[str, tuple[str, ...]]
) -> dict[str, list[dict[str, Any]]]:
    sums = {name: Sum(name) for name in COUNTERS}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, keys in groupings.items():
        if keys:
            out[name] = list(qs.values(*keys).annotate(**sums).order_by(*keys))
        else:
            out[name] = [qs.aggregate(**sums)]
    return out


def _postgres(
    qs: QuerySet[DailyRollup], groupings: dict[str, tuple[str, ...]]
) -> dict[str, list[dict[str, Any]]]:
    used = [d for d in DIMENSIONS if any(d in keys for keys in groupings.values())]
    inner_sql, params = qs.values(*used, *COUNTERS).query.sql_with_params()
    dims = ", ".join(used)
    sets = ", ".join("(" + ", ".join(keys) + ")" for keys in groupings.values())
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNTERS)
    sql = (
        f"SELECT GROUPING({dims}) AS g, {dims}, {sums} "  # noqa: S608 - names are constants
        f"FROM ({inner_sql}) AS r GROUP BY GROUPING SETS ({sets})"
    )
    masks = {}
    for name, keys in groupings.items():
        mask = 0
        for i, dim in enumerate(used):
            if dim not in keys:
                mask |= 1 << (len(used) - 1 - i)
        masks[mask] = name
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in groupings}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(columns, values, strict=True))
            name = masks[row.pop("g")]
            out[name].append(
                {k: v for k, v in row.items() if k in COUNTERS or k in groupings[name]}
            )
    for name, keys in groupings.items():
        out[name].sort(key=lambda r, keys=keys: tuple(r[k] for k in keys))  # type: ignore[misc]
        if not keys and not out[name]:
            out[name] = [dict.fromkeys(COUNTERS)]
    return out


def rollup_grouped(
    qs: QuerySet[DailyRollup], groupings: dict[str, tuple[str, ...]] = GROUPINGS
) -> dict[str, list[dict[str, Any]]]:
    if connection.vendor == "postgresql":
        return _postgres(qs, groupings)
    return _orm(qs, groupings)


def _multi(key: str) -> bool:
    return key == "1"


_CUBE_KEYS: dict[str, tuple[str, str, Callable[[str], Any]]] = {
    CubeDim.CHANNEL: ("channel", "channel_kind", str),
    CubeDim.TEAM: ("team", "team_id", int),
    CubeDim.AGENT: ("agent", "member_id", int),
    CubeDim.TIER: ("tier", "tier", str),
    CubeDim.MULTI: ("multi", "multi_channel", _multi),
}


def cube_grouped(*, start: date, end: date) -> dict[str, list[dict[str, Any]]]:
    """The unfiltered groupings of ``rollup_grouped``, from the per-dimension cube."""
    window = DailyCube.objects.filter(day__gte=start, day__lte=end)
    sums = {name: Sum(name) for name in COUNTERS}
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in GROUPINGS}
    for found in window.values("dim", "key").annotate(**sums).order_by("dim", "key"):
        row: dict[str, Any] = dict(found)
        dim, key = row.pop("dim"), row.pop("key")
        if dim == CubeDim.ALL:
            out["total"].append(row)
            continue
        name, column, convert = _CUBE_KEYS[dim]
        out[name].append({column: convert(key), **row})
    if not out["total"]:
        out["total"] = [dict.fromkeys(COUNTERS)]
    out["day"] = list(window.filter(dim=CubeDim.ALL).values("day", *COUNTERS).order_by("day"))
    out["agent_day"] = [
        {"day": r["day"], "member_id": int(r["key"]), "replies": r["replies"]}
        for r in window.filter(dim=CubeDim.AGENT, replies__gt=0)
        .exclude(key="0")
        .values("day", "key", "replies")
    ]
    for name, keys in GROUPINGS.items():
        if keys and name not in ("day", "agent_day"):
            out[name].sort(key=lambda r, keys=keys: tuple(r[k] for k in keys))  # type: ignore[misc]
    return out
