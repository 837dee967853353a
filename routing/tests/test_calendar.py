"""Exact business-time arithmetic: weekends, holidays, split shifts and DST."""

from __future__ import annotations

import pickle
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from routing.calendar import (
    BusinessCalendar,
    CalendarError,
    add_business_minutes,
    business_minutes_between,
    business_seconds_between,
    is_open,
    next_opening,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = (*WEEKDAYS, "sat", "sun")
HOUR = 3600


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=UTC)


def local(zone: str, y: int, mo: int, d: int, h: int = 0) -> datetime:
    """A local wall time (fold=0) as a UTC instant."""
    return datetime(y, mo, d, h, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def weekly(days: Sequence[str], *intervals: tuple[str, str]) -> dict[str, list[list[str]]]:
    return {day: [list(interval) for interval in intervals] for day in days}


def calendar(
    zone: str, days: Sequence[str], *intervals: tuple[str, str], **extra: Any
) -> BusinessCalendar:
    return BusinessCalendar.from_spec(timezone=zone, weekly=weekly(days, *intervals), **extra)


NY_9_5 = calendar("America/New_York", WEEKDAYS, ("09:00", "17:00"))
NY_24 = calendar("America/New_York", ALL_DAYS, ("00:00", "24:00"))
NY_SPLIT = calendar("America/New_York", WEEKDAYS, ("09:00", "12:00"), ("13:00", "17:00"))
BERLIN_9_5 = calendar("Europe/Berlin", WEEKDAYS, ("09:00", "17:00"))
BERLIN_24 = calendar("Europe/Berlin", ALL_DAYS, ("00:00", "24:00"))
DE_9_5 = calendar("Europe/Berlin", WEEKDAYS, ("09:00", "17:00"), country="DE")
BY_9_5 = calendar("Europe/Berlin", WEEKDAYS, ("09:00", "17:00"), country="DE", subdivision="by")


# --- weekends ---------------------------------------------------------------------


def test_friday_afternoon_plus_two_hours_is_monday_ten() -> None:
    # Fri 2026-02-06 16:00 EST (21:00Z): 60 min left Friday, 60 more from Mon 09:00.
    start = local("America/New_York", 2026, 2, 6, 16)
    assert start == utc(2026, 2, 6, 21)
    due = add_business_minutes(NY_9_5, start, 120)
    assert due == utc(2026, 2, 9, 15)  # Mon 10:00 EST
    assert due.tzinfo is UTC


def test_friday_afternoon_to_monday_morning() -> None:
    # Fri 15:30 -> 17:00 is 90 min; Mon 09:00 -> 09:45 is 45 min.
    start = utc(2026, 2, 6, 20, 30)  # Fri 15:30 EST
    end = utc(2026, 2, 9, 14, 45)  # Mon 09:45 EST
    assert business_seconds_between(NY_9_5, start, end) == 135 * 60
    assert business_minutes_between(NY_9_5, start, end) == 135
    assert business_seconds_between(NY_9_5, end, start) == 0


def test_weekend_alone_has_no_business_time() -> None:
    assert business_seconds_between(NY_9_5, utc(2026, 2, 7), utc(2026, 2, 9, 5)) == 0


def test_accepts_non_utc_aware_input_and_returns_utc() -> None:
    start = datetime(2026, 2, 6, 16, tzinfo=ZoneInfo("America/New_York"))
    due = add_business_minutes(NY_9_5, start, 120)
    assert due == utc(2026, 2, 9, 15)
    assert due.utcoffset() == timedelta(0)
    assert due.tzinfo is UTC


def test_ten_thousand_minutes_across_us_dst() -> None:
    # Mon 2026-02-09 09:00 EST: 20 full days (9,600 min) end Fri 03-06 17:00 EST;
    # the last 400 min run from Mon 03-09 09:00 EDT to 15:40 EDT (19:40Z).
    due = add_business_minutes(NY_9_5, utc(2026, 2, 9, 14), 10_000)
    assert due == utc(2026, 3, 9, 19, 40)


def test_whole_year_measurement() -> None:
    # 2026 starts on a Thursday: 52 weeks + one Thursday = 261 weekdays of 8 hours.
    start = local("America/New_York", 2026, 1, 1)
    end = local("America/New_York", 2027, 1, 1)
    assert business_seconds_between(NY_9_5, start, end) == 261 * 8 * HOUR


# --- US spring forward: 2026-03-08, 02:00 EST -> 03:00 EDT ---------------------------


def test_us_spring_forward_day_has_23_hours_on_24h_calendar() -> None:
    start = local("America/New_York", 2026, 3, 8)
    end = local("America/New_York", 2026, 3, 9)
    assert (start, end) == (utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))
    assert business_seconds_between(NY_24, start, end) == 23 * HOUR
    # 24 business hours from local midnight end at 01:00 EDT the next day.
    assert add_business_minutes(NY_24, start, 24 * 60) == utc(2026, 3, 9, 5)


def test_us_spring_forward_week_on_24h_calendar() -> None:
    # Mon 03-02 00:00 EST (05:00Z) -> Mon 03-09 00:00 EDT (04:00Z): 7 * 24 - 1 hours.
    start = local("America/New_York", 2026, 3, 2)
    end = local("America/New_York", 2026, 3, 9)
    assert business_seconds_between(NY_24, start, end) == 167 * HOUR


def test_us_spring_forward_week_on_9_to_5_calendar() -> None:
    start = local("America/New_York", 2026, 3, 2)
    end = local("America/New_York", 2026, 3, 9)
    assert business_seconds_between(NY_9_5, start, end) == 40 * HOUR
    # Fri 16:00 EST (21:00Z) + 120 -> Mon 10:00 EDT (14:00Z): still two hours.
    friday = utc(2026, 3, 6, 21)
    due = add_business_minutes(NY_9_5, friday, 120)
    assert due == utc(2026, 3, 9, 14)
    assert business_seconds_between(NY_9_5, friday, due) == 2 * HOUR


def test_us_gap_inside_an_interval_is_skipped() -> None:
    # Sunday 01:00 EST (06:00Z) -> 05:00 EDT (09:00Z): the skipped hour is not counted.
    cal = calendar("America/New_York", ["sun"], ("01:00", "05:00"))
    day_start, day_end = utc(2026, 3, 8, 5), utc(2026, 3, 9, 4)
    assert business_seconds_between(cal, day_start, day_end) == 3 * HOUR
    assert add_business_minutes(cal, day_start, 180) == utc(2026, 3, 8, 9)


def test_us_interval_opening_in_the_gap_opens_at_the_jump() -> None:
    # 02:30 does not exist on 03-08; the clock opens at 03:00 EDT (07:00Z).
    cal = calendar("America/New_York", ["sun"], ("02:30", "04:00"))
    assert next_opening(cal, utc(2026, 3, 8, 6, 30)) == utc(2026, 3, 8, 7)
    assert business_seconds_between(cal, utc(2026, 3, 8), utc(2026, 3, 9)) == 1 * HOUR
    assert not is_open(cal, utc(2026, 3, 8, 6, 59))
    assert is_open(cal, utc(2026, 3, 8, 7))


def test_us_interval_entirely_in_the_gap_is_empty() -> None:
    # 02:00-03:00 on 03-08 collapses to nothing; the next opening is the next Sunday.
    cal = calendar("America/New_York", ["sun"], ("02:00", "03:00"))
    assert business_seconds_between(cal, utc(2026, 3, 8), utc(2026, 3, 9)) == 0
    assert next_opening(cal, utc(2026, 3, 8)) == utc(2026, 3, 15, 6)  # 02:00 EDT


# --- EU fall back: 2026-10-25, 03:00 CEST -> 02:00 CET -------------------------------


def test_eu_fall_back_day_has_25_hours_on_24h_calendar() -> None:
    start = local("Europe/Berlin", 2026, 10, 25)
    end = local("Europe/Berlin", 2026, 10, 26)
    assert (start, end) == (utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))
    assert business_seconds_between(BERLIN_24, start, end) == 25 * HOUR
    assert add_business_minutes(BERLIN_24, start, 25 * 60) == end


def test_eu_spring_forward_day_has_23_hours_on_24h_calendar() -> None:
    start = local("Europe/Berlin", 2026, 3, 29)
    end = local("Europe/Berlin", 2026, 3, 30)
    assert business_seconds_between(BERLIN_24, start, end) == 23 * HOUR


def test_eu_fall_back_week_on_24h_calendar() -> None:
    # Mon 10-19 00:00 CEST (10-18 22:00Z) -> Mon 10-26 00:00 CET (10-25 23:00Z).
    start = local("Europe/Berlin", 2026, 10, 19)
    end = local("Europe/Berlin", 2026, 10, 26)
    assert business_seconds_between(BERLIN_24, start, end) == 169 * HOUR


def test_eu_fall_back_week_on_9_to_5_calendar() -> None:
    start = local("Europe/Berlin", 2026, 10, 19)
    end = local("Europe/Berlin", 2026, 10, 26)
    assert business_seconds_between(BERLIN_9_5, start, end) == 40 * HOUR
    # Fri 16:00 CEST (14:00Z) + 120 -> Mon 10:00 CET (09:00Z).
    assert add_business_minutes(BERLIN_9_5, utc(2026, 10, 23, 14), 120) == utc(2026, 10, 26, 9)


def test_eu_dst_sundays_keep_8_hour_days_when_the_change_is_outside_hours() -> None:
    cal = calendar("Europe/Berlin", ["sun"], ("09:00", "17:00"))
    spring = business_seconds_between(cal, utc(2026, 3, 29), utc(2026, 3, 30))
    autumn = business_seconds_between(cal, utc(2026, 10, 25), utc(2026, 10, 26))
    assert spring == autumn == 8 * HOUR
    assert next_opening(cal, utc(2026, 10, 25)) == utc(2026, 10, 25, 8)  # 09:00 CET


def test_eu_repeated_hour_maps_wall_times_to_first_occurrence() -> None:
    # 02:00 first occurs at 00:00Z (CEST); 03:00 CET is 02:00Z: the interval lasts 2h.
    cal = calendar("Europe/Berlin", ["sun"], ("02:00", "03:00"))
    assert business_seconds_between(cal, utc(2026, 10, 25), utc(2026, 10, 26)) == 2 * HOUR
    assert is_open(cal, utc(2026, 10, 25, 1, 30))  # 02:30 CET, second pass


def test_eu_interval_closing_in_the_repeated_hour_closes_on_first_pass() -> None:
    # 01:00 CEST (10-24 23:00Z) to the first 02:30 (00:30Z): 90 minutes.
    cal = calendar("Europe/Berlin", ["sun"], ("01:00", "02:30"))
    assert business_seconds_between(cal, utc(2026, 10, 24), utc(2026, 10, 26)) == 90 * 60
    assert is_open(cal, utc(2026, 10, 25, 0, 15))  # 02:15 CEST
    assert not is_open(cal, utc(2026, 10, 25, 1, 15))  # 02:15 CET, second pass


def test_dst_changes_at_local_midnight() -> None:
    # America/Santiago: 2026-04-05 00:00 -03 falls back to 04-04 23:00 -04, so 04-04
    # repeats its last hour (25h); 2026-09-06 00:00 -04 does not exist (23h day).
    cal = calendar("America/Santiago", ALL_DAYS, ("00:00", "24:00"))
    assert business_seconds_between(cal, utc(2026, 4, 4, 3), utc(2026, 4, 5, 4)) == 25 * HOUR
    assert business_seconds_between(cal, utc(2026, 9, 6, 4), utc(2026, 9, 7, 3)) == 23 * HOUR
    sunday = calendar("America/Santiago", ["sun"], ("00:00", "02:00"))
    # 09-06 opens at the jump (04:00Z, 01:00 -03) and closes at 02:00 -03 (05:00Z).
    assert next_opening(sunday, utc(2026, 9, 5, 12)) == utc(2026, 9, 6, 4)
    assert add_business_minutes(sunday, utc(2026, 9, 5, 12), 60) == utc(2026, 9, 6, 5)


# --- holidays ----------------------------------------------------------------------


def test_explicit_holiday_is_skipped() -> None:
    cal = calendar("America/New_York", WEEKDAYS, ("09:00", "17:00"), holidays=["2026-02-09"])
    # Fri 16:00 EST + 120: 60 on Friday, Monday is a holiday, 60 on Tuesday.
    assert add_business_minutes(cal, utc(2026, 2, 6, 21), 120) == utc(2026, 2, 10, 15)
    # Fri 02-06 through Tue 02-10: Friday and Tuesday only.
    start = local("America/New_York", 2026, 2, 6)
    end = local("America/New_York", 2026, 2, 11)
    assert business_seconds_between(cal, start, end) == 16 * HOUR


def test_start_on_a_holiday() -> None:
    cal = calendar("America/New_York", WEEKDAYS, ("09:00", "17:00"), holidays=["2026-02-09"])
    holiday_morning = utc(2026, 2, 9, 15)  # Mon 10:00 EST
    assert not is_open(cal, holiday_morning)
    assert next_opening(cal, holiday_morning) == utc(2026, 2, 10, 14)  # Tue 09:00
    assert add_business_minutes(cal, holiday_morning, 30) == utc(2026, 2, 10, 14, 30)


def test_country_holidays_christmas_and_new_year() -> None:
    assert DE_9_5.is_holiday(date(2026, 12, 25))
    assert DE_9_5.is_holiday(date(2026, 12, 26))
    assert DE_9_5.is_holiday(date(2027, 1, 1))
    assert not DE_9_5.is_holiday(date(2026, 12, 24))
    # Thu 12-24 16:00 CET (15:00Z) + 120: Fri 12-25 is Christmas -> Mon 12-28 10:00 CET.
    assert add_business_minutes(DE_9_5, utc(2026, 12, 24, 15), 120) == utc(2026, 12, 28, 9)
    # Thu 12-31 16:00 CET + 120: Fri 2027-01-01 is New Year -> Mon 01-04 10:00 CET.
    assert add_business_minutes(DE_9_5, utc(2026, 12, 31, 15), 120) == utc(2027, 1, 4, 9)


def test_country_holidays_over_two_weeks() -> None:
    # Mon 12-21 .. Sun 2027-01-03: 10 weekdays minus 12-25 and 01-01 = 8 days of 8h.
    start = local("Europe/Berlin", 2026, 12, 21)
    end = local("Europe/Berlin", 2027, 1, 4)
    assert business_seconds_between(DE_9_5, start, end) == 64 * HOUR
    assert business_seconds_between(BERLIN_9_5, start, end) == 80 * HOUR


def test_subdivision_holidays() -> None:
    # Epiphany (Tue 2026-01-06) is a holiday in Bavaria, not nationwide.
    epiphany_morning = utc(2026, 1, 6, 9)  # 10:00 CET
    assert BY_9_5.subdivision == "BY"
    assert not is_open(BY_9_5, epiphany_morning)
    assert is_open(DE_9_5, epiphany_morning)


# --- split shifts ------------------------------------------------------------------


def test_split_shift_skips_lunch() -> None:
    # Mon 11:30 EST + 60: 30 until 12:00, lunch, 30 from 13:00 -> 13:30 EST (18:30Z).
    assert add_business_minutes(NY_SPLIT, utc(2026, 2, 9, 16, 30), 60) == utc(2026, 2, 9, 18, 30)
    # 11:00 -> 14:00 EST is 60 + 60 minutes.
    assert business_minutes_between(NY_SPLIT, utc(2026, 2, 9, 16), utc(2026, 2, 9, 19)) == 120
    # A full split day is 420 minutes and ends at 17:00 EST the same day.
    assert add_business_minutes(NY_SPLIT, utc(2026, 2, 9, 14), 420) == utc(2026, 2, 9, 22)


def test_start_inside_the_lunch_gap() -> None:
    lunch = utc(2026, 2, 9, 17, 30)  # 12:30 EST
    assert not is_open(NY_SPLIT, lunch)
    assert not is_open(NY_SPLIT, utc(2026, 2, 9, 17))  # 12:00 closes
    assert next_opening(NY_SPLIT, lunch) == utc(2026, 2, 9, 18)
    assert add_business_minutes(NY_SPLIT, lunch, 30) == utc(2026, 2, 9, 18, 30)
    assert add_business_minutes(NY_SPLIT, lunch, 0) == utc(2026, 2, 9, 18)


def test_touching_intervals_are_merged() -> None:
    cal = calendar("UTC", ["mon"], ("12:00", "17:00"), ("09:00", "12:00"))
    assert cal.weekly[0] == ((9 * 60, 17 * 60),)
    assert cal.weekly[1:] == ((),) * 6


# --- boundaries --------------------------------------------------------------------


def test_start_exactly_at_close() -> None:
    close = utc(2026, 2, 6, 22)  # Fri 17:00 EST
    assert not is_open(NY_9_5, close)
    assert is_open(NY_9_5, close - timedelta(seconds=1))
    assert next_opening(NY_9_5, close) == utc(2026, 2, 9, 14)
    assert add_business_minutes(NY_9_5, close, 0) == utc(2026, 2, 9, 14)
    assert add_business_minutes(NY_9_5, close, 1) == utc(2026, 2, 9, 14, 1)


def test_start_exactly_at_open() -> None:
    opening = utc(2026, 2, 9, 14)  # Mon 09:00 EST
    assert is_open(NY_9_5, opening)
    assert not is_open(NY_9_5, opening - timedelta(microseconds=1))
    assert next_opening(NY_9_5, opening) == opening
    assert add_business_minutes(NY_9_5, opening, 0) == opening
    # A full day ends at 17:00 the same day, not at Tuesday's opening.
    assert add_business_minutes(NY_9_5, opening, 480) == utc(2026, 2, 9, 22)
    assert add_business_minutes(NY_9_5, opening, 481) == utc(2026, 2, 10, 14, 1)


def test_zero_minutes_while_open_returns_start_unchanged() -> None:
    start = utc(2026, 2, 9, 15, 7, 3, 250)
    assert add_business_minutes(NY_9_5, start, 0) == start


def test_seconds_are_exact_and_floored() -> None:
    start = utc(2026, 2, 9, 14, 0, 0, 500_000)  # 09:00:00.5 EST
    assert business_seconds_between(NY_9_5, start, utc(2026, 2, 9, 14, 0, 2)) == 1
    assert business_minutes_between(NY_9_5, utc(2026, 2, 9, 14), utc(2026, 2, 9, 14, 1, 59)) == 1
    # 30 seconds left on Friday, the rest from Monday 09:00.
    assert add_business_minutes(NY_9_5, utc(2026, 2, 6, 21, 59, 30), 1) == utc(
        2026, 2, 9, 14, 0, 30
    )


def test_none_calendar_is_round_the_clock() -> None:
    start = utc(2026, 3, 8, 6, 30)
    assert add_business_minutes(None, start, 90) == utc(2026, 3, 8, 8)
    assert business_seconds_between(None, start, utc(2026, 3, 9, 6, 30)) == 24 * HOUR
    assert business_minutes_between(None, start, start + timedelta(seconds=119)) == 1
    assert business_seconds_between(None, start, start - timedelta(hours=1)) == 0
    assert is_open(None, start)
    assert next_opening(None, start) == start


def test_naive_datetimes_and_negative_minutes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_minutes(NY_9_5, datetime(2026, 2, 9, 9), 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_seconds_between(None, utc(2026, 2, 9), datetime(2026, 2, 10))
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(NY_9_5, utc(2026, 2, 9), -1)


# --- properties --------------------------------------------------------------------

ODD_BERLIN = calendar(
    "Europe/Berlin",
    ["sun"],
    ("01:00", "04:00"),  # spans both DST changes
    ("22:00", "24:00"),
    country="DE",
    holidays=["2026-05-31"],
)
SANTIAGO_NIGHTS = calendar("America/Santiago", ALL_DAYS, ("00:00", "01:00"), ("23:00", "24:00"))
PROPERTY_CALENDARS = [NY_9_5, NY_24, NY_SPLIT, DE_9_5, BERLIN_24, ODD_BERLIN, SANTIAGO_NIGHTS]


@pytest.mark.parametrize("cal", PROPERTY_CALENDARS)
def test_round_trip_add_then_measure(cal: BusinessCalendar) -> None:
    rng = random.Random(20260308)
    base = utc(2026, 1, 1)
    for _ in range(150):
        start = base + timedelta(seconds=rng.randrange(400 * 24 * HOUR))
        minutes = rng.choice([0, 1, 59, 60, 480, rng.randrange(10_000)])
        due = add_business_minutes(cal, start, minutes)
        assert business_seconds_between(cal, start, due) == minutes * 60
        assert due >= start


@pytest.mark.parametrize("cal", PROPERTY_CALENDARS)
def test_measurement_is_additive(cal: BusinessCalendar) -> None:
    rng = random.Random(1025)
    base = utc(2026, 1, 1)
    for _ in range(50):
        a, b, c = sorted(base + timedelta(seconds=rng.randrange(400 * 24 * HOUR)) for _ in "abc")
        whole = business_seconds_between(cal, a, c)
        parts = business_seconds_between(cal, a, b) + business_seconds_between(cal, b, c)
        assert whole == parts


# --- validation --------------------------------------------------------------------

VALID: dict[str, Any] = {"timezone": "UTC", "weekly": {"mon": [["09:00", "17:00"]]}}


def mon(*intervals: Any) -> dict[str, Any]:
    return {"weekly": {"mon": list(intervals)}}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
        ({"timezone": ""}, "timezone", "unknown time zone ''"),
        ({"timezone": "../etc/passwd"}, "timezone", "unknown time zone '../etc/passwd'"),
        (
            {"weekly": {"mon": [["09:00", "17:00"]], "funday": []}},
            "weekly.funday",
            "unknown weekday 'funday'; use mon, tue, wed, thu, fri, sat, sun",
        ),
        (mon(["9:00", "17:00"]), "weekly.mon", "time '9:00' is not in HH:MM format"),
        (mon(["09:00", "5pm"]), "weekly.mon", "time '5pm' is not in HH:MM format"),
        (mon(["09:00:00", "17:00"]), "weekly.mon", "time '09:00:00' is not in HH:MM format"),
        (mon([9, "17:00"]), "weekly.mon", "time 9 is not in HH:MM format"),
        (mon(["25:00", "26:00"]), "weekly.mon", "time '25:00' is not a valid time of day"),
        (mon(["09:60", "10:00"]), "weekly.mon", "time '09:60' is not a valid time of day"),
        (mon(["23:00", "24:30"]), "weekly.mon", "time '24:30' is not a valid time of day"),
        (mon(["24:00", "24:00"]), "weekly.mon", "24:00 is only allowed as an end time"),
        (mon(["17:00", "09:00"]), "weekly.mon", "interval 17:00-09:00 ends before it starts"),
        (mon(["09:00", "09:00"]), "weekly.mon", "interval 09:00-09:00 is empty"),
        (mon(["09:00"]), "weekly.mon", "interval ['09:00'] must be a [start, end] pair"),
        (mon("09:00-17:00"), "weekly.mon", "interval '09:00-17:00' must be a [start, end] pair"),
        ({"weekly": {"mon": "09:00-17:00"}}, "weekly.mon", "must be a list of [start, end] pairs"),
        (
            {"weekly": {"tue": [["13:00", "17:00"], ["09:00", "12:00"], ["11:00", "13:00"]]}},
            "weekly.tue",
            "intervals 09:00-12:00 and 11:00-13:00 overlap",
        ),
        ({"weekly": {}}, "weekly", "the calendar has no open hours in the week"),
        (
            {"weekly": {"mon": [], "sun": []}},
            "weekly",
            "the calendar has no open hours in the week",
        ),
        (
            {"holidays": ["2026-12-25", "2026-02-30"]},
            "holidays[1]",
            "'2026-02-30' is not a valid YYYY-MM-DD date",
        ),
        (
            {"holidays": ["not-a-date"]},
            "holidays[0]",
            "'not-a-date' is not a valid YYYY-MM-DD date",
        ),
        ({"holidays": ["20261225"]}, "holidays[0]", "'20261225' is not a valid YYYY-MM-DD date"),
        ({"holidays": "2026-12-25"}, "holidays", "must be a list of YYYY-MM-DD dates"),
        ({"country": "XX"}, "country", "unknown holiday country code 'XX'"),
        (
            {"country": "DE", "subdivision": "ZZ"},
            "subdivision",
            "unknown subdivision 'ZZ' for DE",
        ),
        ({"subdivision": "BY"}, "subdivision", "a subdivision requires a country"),
    ],
)
def test_invalid_specs_raise_calendar_error(
    overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.from_spec(**{**VALID, **overrides})
    assert caught.value.field == field
    assert caught.value.message == message
    assert str(caught.value) == f"{field}: {message}"
    assert isinstance(caught.value, ValueError)


def test_calendar_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(CalendarError("weekly.mon", "interval 09:00-09:00 is empty")))
    assert (error.field, error.message) == ("weekly.mon", "interval 09:00-09:00 is empty")


def test_direct_construction_needs_seven_days() -> None:
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar(tz=ZoneInfo("UTC"), weekly=(((540, 1020),),))
    assert caught.value.field == "weekly"


def test_valid_spec_is_normalised() -> None:
    cal = BusinessCalendar.from_spec(
        timezone="Europe/Berlin",
        weekly={"fri": [["13:00", "24:00"], ["08:00", "12:00"]]},
        holidays=["2026-12-24"],
        country="de",
    )
    assert cal.tz == ZoneInfo("Europe/Berlin")
    assert cal.weekly[4] == ((8 * 60, 12 * 60), (13 * 60, 24 * 60))
    assert cal.holidays == frozenset({date(2026, 12, 24)})
    assert cal.country == "DE"
    assert cal.subdivision is None


def test_no_open_time_within_ten_years() -> None:
    # Open only on Mondays, and every Monday for eleven years is a holiday.
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(11 * 53)]
    cal = calendar("UTC", ["mon"], ("09:00", "17:00"), holidays=[d.isoformat() for d in mondays])
    with pytest.raises(CalendarError) as caught:
        add_business_minutes(cal, utc(2026, 1, 1), 1)
    assert caught.value.field == "holidays"
    assert caught.value.message == "no open time within 10 years"
    with pytest.raises(CalendarError):
        next_opening(cal, utc(2026, 1, 1))
    # A bounded measurement never needs to look that far.
    assert business_seconds_between(cal, utc(2026, 1, 1), utc(2026, 6, 1)) == 0
