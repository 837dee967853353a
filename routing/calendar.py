"""Business-hours calendars and exact business-time arithmetic for SLA clocks.

Every datetime passed in must be timezone-aware; every datetime returned is aware UTC.
Local wall-clock time is used only inside the calculation.

Conventions:

* ``BusinessCalendar.weekly`` holds, per weekday (0 = Monday ... 6 = Sunday), sorted,
  non-overlapping ``(start, end)`` pairs of minutes since local midnight. ``end`` may be
  1440, meaning 24:00 (the next local midnight). Touching intervals are merged.
* Intervals are half-open: open at the opening minute, closed at the closing minute.
* Intervals are wall-clock local times. A wall time skipped by a DST jump maps to the
  instant of the jump, so an interval spanning the gap simply loses the skipped hour.
  A wall time repeated by a DST fall-back maps to its first occurrence (fold=0), so an
  interval spanning the repeated hour gains it.
* Holidays close the whole local date. They come from explicit dates and, optionally,
  a country (and subdivision) calendar of the ``holidays`` package, expanded per year
  on demand and cached.
* ``add_business_minutes(cal, start, 0)`` returns ``start`` if the calendar is open at
  ``start``, otherwise the next opening. ``next_opening`` follows the same rule.
* A ``None`` calendar means round-the-clock (24/7) time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# Longest run of consecutive closed days scanned before giving up (about 10 years).
MAX_CLOSED_DAYS = 3700

_HHMM = re.compile(r"([0-9]{2}):([0-9]{2})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ONE_SECOND = timedelta(seconds=1)

Interval = tuple[int, int]
DayIntervals = tuple[Interval, ...]


class CalendarError(ValueError):
    """An invalid calendar spec, or a calendar that never opens."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly open hours in a time zone, minus holidays. Build with ``from_spec``."""

    tz: ZoneInfo
    weekly: tuple[DayIntervals, ...]
    holidays: frozenset[date] = field(default_factory=frozenset)
    country: str | None = None
    subdivision: str | None = None

    def __post_init__(self) -> None:
        if len(self.weekly) != len(WEEKDAY_KEYS):
            raise CalendarError("weekly", "must have exactly 7 days (Monday first)")

    @classmethod
    def from_spec(
        cls,
        *,
        timezone: str,
        weekly: Mapping[str, Sequence[Sequence[str]]],
        holidays: Sequence[str] = (),
        country: str | None = None,
        subdivision: str | None = None,
    ) -> BusinessCalendar:
        """Validate a JSON-like spec and build a calendar; raises CalendarError."""
        country_code, subdivision_code = _parse_country(country, subdivision)
        return cls(
            tz=_parse_timezone(timezone),
            weekly=_parse_weekly(weekly),
            holidays=_parse_holidays(holidays),
            country=country_code,
            subdivision=subdivision_code,
        )

    def is_holiday(self, day: date) -> bool:
        """Whether the local date ``day`` is closed as a holiday."""
        if day in self.holidays:
            return True
        if self.country is None:
            return False
        return day in _country_holidays(self.country, self.subdivision, day.year)


# --- public arithmetic -------------------------------------------------------------


def add_business_minutes(
    calendar: BusinessCalendar | None, start: datetime, minutes: int
) -> datetime:
    """The instant at which ``minutes`` business minutes have elapsed after ``start``."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    return add_business_time(calendar, start, timedelta(minutes=minutes))


def add_business_time(
    calendar: BusinessCalendar | None, start: datetime, amount: timedelta
) -> datetime:
    """Like ``add_business_minutes`` for any non-negative duration (paused clocks resume
    with second precision)."""
    start = _as_utc(start, "start")
    if amount < timedelta():
        raise ValueError("amount must not be negative")
    if calendar is None:
        return start + amount
    remaining = amount
    for opens, closes in _open_intervals(calendar, start):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise AssertionError("unreachable: open intervals never run out")


def business_seconds_between(
    calendar: BusinessCalendar | None, start: datetime, end: datetime
) -> int:
    """Whole open seconds in ``[start, end)`` (floored); 0 if ``end <= start``."""
    start = _as_utc(start, "start")
    end = _as_utc(end, "end")
    if end <= start:
        return 0
    if calendar is None:
        return (end - start) // _ONE_SECOND
    total = timedelta()
    for opens, closes in _open_intervals(calendar, start, until=end):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total // _ONE_SECOND


def business_minutes_between(
    calendar: BusinessCalendar | None, start: datetime, end: datetime
) -> int:
    """Whole open minutes in ``[start, end)`` (floored)."""
    return business_seconds_between(calendar, start, end) // 60


def next_opening(calendar: BusinessCalendar | None, at: datetime) -> datetime:
    """The earliest instant ``>= at`` at which the calendar is open."""
    at = _as_utc(at, "at")
    if calendar is None:
        return at
    opens, _closes = next(_open_intervals(calendar, at))
    return opens


def is_open(calendar: BusinessCalendar | None, at: datetime) -> bool:
    """Whether the calendar is open at the instant ``at``."""
    return next_opening(calendar, at) == _as_utc(at, "at")


# --- interval iteration --------------------------------------------------------------


def _open_intervals(
    calendar: BusinessCalendar, start: datetime, until: datetime | None = None
) -> Iterator[tuple[datetime, datetime]]:
    """Open UTC intervals in time order, clipped to begin no earlier than ``start``.

    Stops after the local day of ``until`` when given. Raises CalendarError after
    ``MAX_CLOSED_DAYS`` consecutive closed days.
    """
    # Start a day early: with DST at midnight an instant's local date can lag its interval.
    day = start.astimezone(calendar.tz).date() - timedelta(days=1)
    last_day = None if until is None else until.astimezone(calendar.tz).date() + timedelta(days=1)
    closed_run = 0
    while last_day is None or day <= last_day:
        intervals = _day_intervals(calendar, day)
        closed_run = 0 if intervals else closed_run + 1
        if closed_run > MAX_CLOSED_DAYS:
            raise CalendarError("holidays", "no open time within 10 years")
        for opens, closes in intervals:
            if closes > start:
                yield max(opens, start), closes
        day += timedelta(days=1)


def _day_intervals(calendar: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """Non-empty open UTC intervals belonging to the local date ``day``."""
    if calendar.is_holiday(day):
        return []
    result = []
    for start_minute, end_minute in calendar.weekly[day.weekday()]:
        opens = _wall_to_utc(calendar.tz, day, start_minute)
        closes = _wall_to_utc(calendar.tz, day, end_minute)
        if closes > opens:
            result.append((opens, closes))
    return result


def _wall_to_utc(tz: ZoneInfo, day: date, minute: int) -> datetime:
    """UTC instant of a local wall time (skipped -> jump instant, repeated -> first)."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    return _gap_end(tz, wall)


def _gap_end(tz: ZoneInfo, wall: datetime) -> datetime:
    """The instant of the forward jump that skips the naive local time ``wall``."""
    # fold=0 and fold=1 use the offsets either side of the jump, so they bracket it.
    first = wall.replace(tzinfo=tz, fold=0).timestamp()
    second = wall.replace(tzinfo=tz, fold=1).timestamp()
    low, high = int(min(first, second)), int(max(first, second))
    low_offset = _offset_at(tz, low)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(tz, middle) == low_offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _offset_at(tz: ZoneInfo, timestamp: int) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, tz).utcoffset()


def _as_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC)


@lru_cache(maxsize=512)
def _country_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year))


# --- spec parsing --------------------------------------------------------------------


def _parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise CalendarError("timezone", f"unknown time zone {name!r}") from None


def _parse_weekly(weekly: Mapping[str, Sequence[Sequence[str]]]) -> tuple[DayIntervals, ...]:
    if not isinstance(weekly, Mapping):
        raise CalendarError("weekly", "must map weekday keys (mon..sun) to intervals")
    for key in weekly:
        if key not in WEEKDAY_KEYS:
            expected = ", ".join(WEEKDAY_KEYS)
            raise CalendarError(f"weekly.{key}", f"unknown weekday {key!r}; use {expected}")
    days = tuple(_parse_day(f"weekly.{key}", weekly.get(key, ())) for key in WEEKDAY_KEYS)
    if not any(days):
        raise CalendarError("weekly", "the calendar has no open hours in the week")
    return days


def _parse_day(field_name: str, raw: Sequence[Sequence[str]]) -> DayIntervals:
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        raise CalendarError(field_name, "must be a list of [start, end] pairs")
    intervals = sorted(_parse_interval(field_name, pair) for pair in raw)
    for (prev_start, prev_end), (next_start, next_end) in pairwise(intervals):
        if next_start < prev_end:
            first = _format_interval(prev_start, prev_end)
            second = _format_interval(next_start, next_end)
            raise CalendarError(field_name, f"intervals {first} and {second} overlap")
    return _merge_touching(intervals)


def _parse_interval(field_name: str, pair: Sequence[str]) -> Interval:
    if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise CalendarError(field_name, f"interval {pair!r} must be a [start, end] pair")
    start = _parse_hhmm(field_name, pair[0], allow_midnight_end=False)
    end = _parse_hhmm(field_name, pair[1], allow_midnight_end=True)
    text = f"{pair[0]}-{pair[1]}"
    if end < start:
        raise CalendarError(field_name, f"interval {text} ends before it starts")
    if end == start:
        raise CalendarError(field_name, f"interval {text} is empty")
    return start, end


def _parse_hhmm(field_name: str, text: object, *, allow_midnight_end: bool) -> int:
    match = _HHMM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(field_name, f"time {text!r} is not in HH:MM format")
    hours, minutes = int(match[1]), int(match[2])
    if text == "24:00":
        if not allow_midnight_end:
            raise CalendarError(field_name, "24:00 is only allowed as an end time")
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise CalendarError(field_name, f"time {text!r} is not a valid time of day")
    return hours * 60 + minutes


def _merge_touching(intervals: list[Interval]) -> DayIntervals:
    merged: list[Interval] = []
    for start, end in intervals:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _format_interval(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _parse_holidays(raw: Sequence[str]) -> frozenset[date]:
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        raise CalendarError("holidays", "must be a list of YYYY-MM-DD dates")
    return frozenset(_parse_date(f"holidays[{index}]", text) for index, text in enumerate(raw))


def _parse_date(field_name: str, text: object) -> date:
    if isinstance(text, str) and _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise CalendarError(field_name, f"{text!r} is not a valid YYYY-MM-DD date")


def _parse_country(country: str | None, subdivision: str | None) -> tuple[str | None, str | None]:
    if country is None:
        if subdivision is not None:
            raise CalendarError("subdivision", "a subdivision requires a country")
        return None, None
    code = country.upper() if isinstance(country, str) else ""
    if code not in holidays_lib.list_supported_countries():
        raise CalendarError("country", f"unknown holiday country code {country!r}")
    if subdivision is None:
        return code, None
    if not isinstance(subdivision, str):
        raise CalendarError("subdivision", f"unknown subdivision {subdivision!r} for {code}")
    for candidate in dict.fromkeys((subdivision, subdivision.upper())):
        try:
            holidays_lib.country_holidays(code, subdiv=candidate)
        except NotImplementedError:
            continue
        return code, candidate
    raise CalendarError("subdivision", f"unknown subdivision {subdivision!r} for {code}")
