"""WorkCalendar.end_of_working_day: "within n working days" as a deadline (the closing time of the
nth working day after the start's date): weekends, holidays, transferred working days, a start
outside working hours or on a day off, n = 0, and properties against an independent count."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.sla.calendar import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
WORKDAY = [["09:00", "13:00"], ["14:00", "18:00"]]
WEEK = {d: WORKDAY for d in ("mon", "tue", "wed", "thu", "fri")}


def moscow() -> WorkCalendar:
    # 4 Nov 2026 (Wednesday) is a holiday; Saturday 31 Oct 2026 is a transferred working day
    # (09:00–17:00); 3 Nov is shortened to 17:00.
    return WorkCalendar.from_dict(
        {
            "tz": "Europe/Moscow",
            "week": WEEK,
            "holidays": ["2026-11-04"],
            "overrides": {"2026-10-31": [["09:00", "17:00"]], "2026-11-03": [["09:00", "13:00"], ["14:00", "17:00"]]},
        }
    )


def at(*args, tz=MSK):
    return dt.datetime(*args, tzinfo=tz)


def test_five_working_days_from_a_monday_end_on_the_next_monday_evening():
    # Mon 9 Nov 2026 10:00 + 5 working days: Tue, Wed, Thu, Fri, Mon → Mon 16 Nov 18:00.
    assert moscow().end_of_working_day(at(2026, 11, 9, 10), 5) == at(2026, 11, 16, 18)


def test_the_start_day_never_counts_whatever_the_hour_or_kind_of_day():
    cal = moscow()
    friday_morning = cal.end_of_working_day(at(2026, 11, 13, 9, 30), 5)
    friday_night = cal.end_of_working_day(at(2026, 11, 13, 23, 59), 5)
    saturday = cal.end_of_working_day(at(2026, 11, 14, 12), 5)
    sunday = cal.end_of_working_day(at(2026, 11, 15, 12), 5)
    assert friday_morning == friday_night == saturday == sunday == at(2026, 11, 20, 18)


def test_a_holiday_and_a_shortened_day_and_a_transferred_working_day():
    cal = moscow()
    # Thu 29 Oct: Fri 30 (1), Sat 31 transferred working day (2), Mon 2 Nov (3), Tue 3 shortened (4),
    # Wed 4 holiday, Thu 5 (5).
    assert cal.end_of_working_day(at(2026, 10, 29, 15), 5) == at(2026, 11, 5, 18)
    # The 4th day is the shortened one: it closes at 17:00.
    assert cal.end_of_working_day(at(2026, 10, 29, 15), 4) == at(2026, 11, 3, 17)
    # The transferred Saturday closes at 17:00 too.
    assert cal.end_of_working_day(at(2026, 10, 29, 15), 2) == at(2026, 10, 31, 17)


def test_zero_is_the_end_of_today_or_of_the_next_working_day():
    cal = moscow()
    assert cal.end_of_working_day(at(2026, 11, 9, 10), 0) == at(2026, 11, 9, 18)
    assert cal.end_of_working_day(at(2026, 11, 9, 18), 0) == at(2026, 11, 9, 18)  # exactly at closing
    assert cal.end_of_working_day(at(2026, 11, 9, 19), 0) == at(2026, 11, 10, 18)  # after closing
    assert cal.end_of_working_day(at(2026, 11, 14, 12), 0) == at(2026, 11, 16, 18)  # Saturday
    assert cal.end_of_working_day(at(2026, 11, 4, 12), 0) == at(2026, 11, 5, 18)  # the holiday


def test_the_start_is_read_in_the_calendars_zone():
    # 21:30 UTC on Sunday 8 Nov is 00:30 Monday in Moscow: Monday is the start's date.
    start = dt.datetime(2026, 11, 8, 21, 30, tzinfo=dt.UTC)
    assert moscow().end_of_working_day(start, 1) == at(2026, 11, 10, 18)


def test_a_day_ending_at_midnight_closes_at_the_next_midnight():
    cal = WorkCalendar.from_dict({"tz": "UTC", "week": {"mon": [["20:00", "24:00"]]}})
    monday = dt.datetime(2026, 11, 9, 12, tzinfo=dt.UTC)
    assert cal.end_of_working_day(monday, 0) == dt.datetime(2026, 11, 10, tzinfo=dt.UTC)
    assert cal.end_of_working_day(monday, 1) == dt.datetime(2026, 11, 17, tzinfo=dt.UTC)


def test_bad_input_is_refused():
    cal = moscow()
    with pytest.raises(ValueError, match="negative"):
        cal.end_of_working_day(at(2026, 11, 9, 10), -1)
    with pytest.raises(TypeError, match="whole number"):
        cal.end_of_working_day(at(2026, 11, 9, 10), 1.5)
    with pytest.raises(TypeError, match="whole number"):
        cal.end_of_working_day(at(2026, 11, 9, 10), True)
    with pytest.raises(ValueError, match="no time zone"):
        cal.end_of_working_day(dt.datetime(2026, 11, 9, 10), 1)


def test_a_long_period_crosses_the_table_and_years():
    cal = moscow()
    # 600 working days of a five-day week with one holiday in range: far past the first table chunk.
    end = cal.end_of_working_day(at(2026, 11, 9, 10), 600)
    assert end > at(2029, 1, 1)
    assert end.astimezone(MSK).hour == 18


# --- properties, checked against a day-by-day count made with `elapsed` ------------------------
CALENDARS = [
    moscow(),
    WorkCalendar.from_dict(
        {
            "tz": "Europe/Berlin",
            "week": {**WEEK, "sat": [["10:00", "12:00"]]},
            "holidays": ["2026-12-25", "2027-01-01"],
            # The DST change of spring 2026: this Sunday works 01:00–05:00 on the wall clock.
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
days = st.integers(min_value=0, max_value=25)


def _midnight(cal: WorkCalendar, day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=cal.tz)


def _works(cal: WorkCalendar, day: dt.date) -> bool:
    return cal.elapsed(_midnight(cal, day), _midnight(cal, day + dt.timedelta(days=1))) > dt.timedelta(0)


def _closing_day(cal: WorkCalendar, end: dt.datetime) -> dt.date:
    # A day working until 24:00 closes at the next midnight: its date is that of the instant before.
    return (end - dt.timedelta(microseconds=1)).astimezone(cal.tz).date()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CALENDARS), instants, days)
def test_the_result_is_a_working_days_closing_time(cal, start, n):
    end = cal.end_of_working_day(start, n)
    day = _closing_day(cal, end)
    assert _works(cal, day)
    # Working right up to it, and not a moment after it that day.
    assert cal.elapsed(end - dt.timedelta(minutes=1), end) > dt.timedelta(0)
    assert cal.elapsed(end, _midnight(cal, day + dt.timedelta(days=1))) == dt.timedelta(0)
    assert end >= start


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CALENDARS), instants, days)
def test_exactly_n_working_days_follow_the_start_date(cal, start, n):
    end = cal.end_of_working_day(start, n)
    first = start.astimezone(cal.tz).date()
    last = _closing_day(cal, end)
    counted = sum(_works(cal, first + dt.timedelta(days=k)) for k in range(1, (last - first).days + 1))
    if n >= 1:
        assert counted == n
    else:
        # n = 0: today if it still has its closing time ahead, else the first working day after.
        assert counted == (0 if last == first else 1)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CALENDARS), instants, days)
def test_one_more_day_is_the_next_working_days_closing(cal, start, n):
    this, following = cal.end_of_working_day(start, n), cal.end_of_working_day(start, n + 1)
    if n == 0 and following == this:
        # Started on a day off (or after its closing): "by the end of the next working day" both.
        assert _closing_day(cal, this) != start.astimezone(cal.tz).date()
        return
    assert following > this
    between = _closing_day(cal, this) + dt.timedelta(days=1)
    # No working day lies strictly between the two closing days.
    while between < _closing_day(cal, following):
        assert not _works(cal, between)
        between += dt.timedelta(days=1)
