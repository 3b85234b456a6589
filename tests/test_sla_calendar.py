"""The working calendar (otklik.sla.calendar): conventions, DST, invalid input, and properties."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.sla.calendar import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
H = dt.timedelta(hours=1)
WORKDAY = [["09:00", "13:00"], ["14:00", "18:00"]]
WEEK = {d: WORKDAY for d in ("mon", "tue", "wed", "thu", "fri")}


def moscow() -> WorkCalendar:
    return WorkCalendar.from_dict(
        {
            "tz": "Europe/Moscow",
            "week": WEEK,
            "holidays": ["2026-11-04"],
            "overrides": {"2026-12-31": [["09:00", "17:00"]]},
        }
    )


def at(*args, tz=MSK):
    return dt.datetime(*args, tzinfo=tz)


def test_work_that_fits_today_is_due_at_closing_time():
    assert moscow().add(at(2026, 11, 3, 17), H) == at(2026, 11, 3, 18)


def test_lunch_break_and_holiday_are_skipped():
    cal = moscow()
    # Tue 17:00 + 2 h: 1 h today, Wed 4 Nov is a holiday, 1 h on Thursday morning.
    assert cal.add(at(2026, 11, 3, 17), 2 * H) == at(2026, 11, 5, 10)
    # Thu 12:00 + 2 h: 1 h before lunch, 1 h after.
    assert cal.add(at(2026, 11, 5, 12), 2 * H) == at(2026, 11, 5, 15)
    assert cal.elapsed(at(2026, 11, 3, 17), at(2026, 11, 5, 10)) == 2 * H


def test_work_started_outside_hours_begins_at_the_next_opening():
    cal = moscow()
    assert cal.add(at(2026, 11, 7, 12), 5 * H) == at(2026, 11, 9, 15)  # Saturday → Monday
    assert cal.add(at(2026, 11, 5, 13, 30), dt.timedelta(minutes=1)) == at(2026, 11, 5, 14, 1)  # lunch


def test_an_override_shortens_a_day():
    cal = moscow()
    assert cal.elapsed(at(2026, 12, 31, 0), at(2027, 1, 1, 0)) == 8 * H  # 09:00–17:00, no lunch
    assert cal.add(at(2026, 12, 31, 16), H) == at(2026, 12, 31, 17)


def test_zero_returns_the_start_and_negative_is_refused():
    cal = moscow()
    start = at(2026, 11, 7, 3, 14)
    assert cal.add(start, dt.timedelta(0)) == start
    with pytest.raises(ValueError, match="negative"):
        cal.add(start, -H)


def test_elapsed_is_antisymmetric_and_zero_outside_hours():
    cal = moscow()
    a, b = at(2026, 11, 2, 10), at(2026, 11, 10, 16)
    assert cal.elapsed(a, b) == -cal.elapsed(b, a)
    assert cal.elapsed(at(2026, 11, 7, 0), at(2026, 11, 9, 9)) == dt.timedelta(0)


def test_24_00_ends_and_a_24x7_calendar():
    cal = WorkCalendar.from_dict(
        {"tz": "UTC", "week": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    )
    start = dt.datetime(2026, 11, 25, 22, 30, tzinfo=dt.UTC)
    assert cal.add(start, 30 * H) == start + 30 * H
    assert cal.elapsed(start, start + dt.timedelta(days=9)) == dt.timedelta(days=9)


def test_dst_days_count_as_the_wall_clock_says():
    cal = WorkCalendar.from_dict(
        {
            "tz": "Europe/Berlin",
            "week": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        }
    )
    # 29 March 2026: clocks go 02:00 → 03:00, the day has 23 hours; 25 October 2026: 25 hours.
    assert cal.elapsed(at(2026, 3, 29, tz=BERLIN), at(2026, 3, 30, tz=BERLIN)) == 23 * H
    assert cal.elapsed(at(2026, 10, 25, tz=BERLIN), at(2026, 10, 26, tz=BERLIN)) == 25 * H
    office = WorkCalendar.from_dict({"tz": "Europe/Berlin", "week": {"sun": [["01:00", "04:00"]]}})
    # 01:00–04:00 on the spring-forward Sunday is 2 real hours; on the fall-back Sunday, 4.
    assert office.elapsed(at(2026, 3, 29, tz=BERLIN), at(2026, 3, 30, tz=BERLIN)) == 2 * H
    assert office.elapsed(at(2026, 10, 25, tz=BERLIN), at(2026, 10, 26, tz=BERLIN)) == 4 * H
    # A nonexistent wall time (02:30) resolves later by the gap, as zoneinfo does with fold=0.
    gap = WorkCalendar.from_dict({"tz": "Europe/Berlin", "week": {"sun": [["02:30", "05:00"]]}})
    start = at(2026, 3, 29, tz=BERLIN)
    assert gap.add(start, dt.timedelta(minutes=1)) == dt.datetime(2026, 3, 29, 1, 31, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"tz": "Mars/Olympus", "week": WEEK}, "unknown time zone 'Mars/Olympus'"),
        ({"tz": "UTC", "week": {"mon": [["09:00", "13:00"], ["12:00", "14:00"]]}}, r"week.mon: intervals overlap"),
        ({"tz": "UTC", "week": {"mon": [["9:00", "13:00"]]}}, r"week.mon: '9:00' is not a time as HH:MM"),
        ({"tz": "UTC", "week": {"mon": [["22:00", "02:00"]]}}, "may not cross midnight"),
        ({"tz": "UTC", "week": {"mon": [["09:00", "25:00"]]}}, "not a time of day"),
        ({"tz": "UTC", "week": {"monday": WORKDAY}}, "unknown day names monday"),
        ({"tz": "UTC", "week": {}}, "no working time at all"),
        ({"tz": "UTC", "week": WEEK, "holidays": ["2026-13-01"]}, "holidays: '2026-13-01' is not a date"),
        ({"tz": "UTC", "week": WEEK, "overrides": {"2026-12-31": [["18:00", "17:00"]]}}, "overrides.2026-12-31"),
        ({"week": WEEK}, "tz: the calendar needs a time zone"),
        ({"tz": "UTC", "week": WEEK, "holiday": []}, "unknown calendar keys: holiday"),
    ],
)
def test_invalid_calendars_name_the_bad_part(spec, message):
    with pytest.raises(ValueError, match=message):
        WorkCalendar.from_dict(spec)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="no time zone"):
        moscow().add(dt.datetime(2026, 11, 3, 10), H)
    with pytest.raises(ValueError, match="no time zone"):
        moscow().elapsed(at(2026, 11, 3, 10), dt.datetime(2026, 11, 4, 10))


# --- properties --------------------------------------------------------------------------
CALENDARS = [
    moscow(),
    WorkCalendar.from_dict(
        {
            "tz": "Europe/Berlin",
            "week": {**WEEK, "sat": [["10:00", "12:00"]]},
            "holidays": ["2026-12-25", "2027-01-01"],
            "overrides": {"2026-03-29": [["01:00", "05:00"]]},
        }
    ),
    WorkCalendar.from_dict(
        {"tz": "America/New_York", "week": {"mon": [["00:00", "24:00"]], "thu": [["08:30", "17:45"]]}}
    ),
]
instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(dt.UTC)
)
amounts = st.integers(min_value=0, max_value=400 * 3600 * 1_000_000).map(lambda us: dt.timedelta(microseconds=us))
calendars = st.sampled_from(CALENDARS)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, amounts)
def test_elapsed_undoes_add(cal, start, amount):
    end = cal.add(start, amount)
    assert end >= start
    assert cal.elapsed(start, end) == amount


@settings(max_examples=300, deadline=None)
@given(calendars, instants, amounts)
def test_add_is_the_earliest_such_instant(cal, start, amount):
    end = cal.add(start, amount)
    if amount > dt.timedelta(0):
        assert cal.elapsed(start, end - dt.timedelta(microseconds=1)) < amount


@settings(max_examples=300, deadline=None)
@given(calendars, instants, amounts, amounts)
def test_add_is_additive(cal, start, a, b):
    if a > dt.timedelta(0) and b > dt.timedelta(0):
        assert cal.add(cal.add(start, a), b) == cal.add(start, a + b)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, instants, instants)
def test_elapsed_is_monotone_and_additive(cal, a, b, c):
    a, b, c = sorted((a, b, c))
    assert cal.elapsed(a, b) >= dt.timedelta(0)
    assert cal.elapsed(a, c) == cal.elapsed(a, b) + cal.elapsed(b, c)
