"""The Russian production calendar (otklik.sla.production), pinned against the official calendars.

2025: Government decree No. 1335 of 4 Oct 2024 — 247 working days, 1972 hours at 40 h a week;
shortened days 7 Mar, 30 Apr, 11 Jun and Saturday 1 Nov (the working Saturday whose day off
moved to Monday 3 Nov, the eve of Unity Day). 2026: 247 working days, 1972 hours; shortened
30 Apr, 8 May, 11 Jun, 3 Nov; no working Saturday."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from otklik.sla.calendar import WorkCalendar
from otklik.sla.production import ru_production_days, shorten

WORKDAY = [["09:00", "13:00"], ["14:00", "18:00"]]
FIVE_DAYS = {d: WORKDAY for d in ("mon", "tue", "wed", "thu", "fri")}
D = dt.date


def by_date(year, week=FIVE_DAYS):
    return {d.date: d for d in ru_production_days([year], week)}


def kinds(year, kind, week=FIVE_DAYS):
    return {d.date for d in ru_production_days([year], week) if d.kind == kind}


def year_totals(year, week=FIVE_DAYS):
    """(working days, working hours) of the year for a calendar filled with the production days."""
    days = ru_production_days([year], week)
    spec = {
        "tz": "Europe/Moscow",
        "week": week,
        "holidays": [d.date.isoformat() for d in days if d.kind == "holiday"],
        "overrides": {d.date.isoformat(): d.intervals for d in days if d.kind != "holiday"},
    }
    cal = WorkCalendar.from_dict(spec)
    msk = ZoneInfo("Europe/Moscow")
    hours = cal.elapsed(dt.datetime(year, 1, 1, tzinfo=msk), dt.datetime(year + 1, 1, 1, tzinfo=msk))
    working = 0
    day = D(year, 1, 1)
    while day.year == year:
        start = dt.datetime(day.year, day.month, day.day, tzinfo=msk)
        if cal.elapsed(start, start + dt.timedelta(days=1)):
            working += 1
        day += dt.timedelta(days=1)
    return working, hours / dt.timedelta(hours=1)


def test_2025_shortened_days_are_the_official_ones():
    assert kinds(2025, "shortened") == {D(2025, 3, 7), D(2025, 4, 30), D(2025, 6, 11), D(2025, 11, 1)}


def test_2026_shortened_days_are_the_official_ones():
    assert kinds(2026, "shortened") == {D(2026, 4, 30), D(2026, 5, 8), D(2026, 6, 11), D(2026, 11, 3)}


def test_a_shortened_day_ends_an_hour_early():
    day = by_date(2026)[D(2026, 4, 30)]
    assert day.intervals == [["09:00", "13:00"], ["14:00", "17:00"]]
    assert "на час короче" in day.note_ru and "one hour shorter" in day.note_en


def test_2025_working_saturday_is_1_november_and_shortened():
    day = by_date(2025)[D(2025, 11, 1)]
    assert day.kind == "shortened"
    assert day.intervals == [["09:00", "13:00"], ["14:00", "17:00"]]
    assert "03.11.2025" in day.note_ru and "3 Nov 2025" in day.note_en
    weekend_working = {d for d in kinds(2025, "working") | kinds(2025, "shortened") if d.weekday() >= 5}
    assert weekend_working == {D(2025, 11, 1)}


def test_2026_has_no_working_weekend_day():
    assert not {d for d in kinds(2026, "working") | kinds(2026, "shortened") if d.weekday() >= 5}


@pytest.mark.parametrize(
    "date",
    [D(2025, 5, 2), D(2025, 5, 8), D(2025, 6, 13), D(2025, 11, 3), D(2025, 12, 31)],
)
def test_2025_days_off(date):
    assert by_date(2025)[date].kind == "holiday"


@pytest.mark.parametrize("date", [D(2026, 1, 9), D(2026, 3, 9), D(2026, 5, 11), D(2026, 12, 31)])
def test_2026_days_off(date):
    assert by_date(2026)[date].kind == "holiday"


@pytest.mark.parametrize(
    "date",
    [
        D(2025, 5, 7),  # before 8 May 2025, a day off moved from 23 Feb: not a public holiday
        D(2025, 12, 30),  # before 31 Dec 2025, a day off moved from 5 Jan
        D(2026, 3, 6),  # Friday; 8 Mar is a Sunday and its day off moved to Monday 9 Mar
        D(2026, 12, 30),  # before 31 Dec 2026, a day off moved from 4 Jan
    ],
)
def test_the_eve_of_a_day_off_that_is_no_public_holiday_is_a_full_day(date):
    assert date not in by_date(date.year)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_year_has_247_working_days_and_1972_hours(year):
    assert year_totals(year) == (247, 1972)


def test_2024_is_the_official_248_days_and_1979_hours():
    # Saturdays 27 Apr and 28 Dec 2024 were full days: their days off (29 Apr, 30 Dec) were no eves.
    assert year_totals(2024) == (248, 1979)
    assert by_date(2024)[D(2024, 11, 2)].kind == "shortened"
    assert by_date(2024)[D(2024, 4, 27)].kind == "working"


def test_31_december_before_new_year_is_shortened_without_asking_for_next_year():
    assert by_date(2019)[D(2019, 12, 31)].kind == "shortened"


def test_notes_in_russian_and_english():
    days = by_date(2025)
    assert (days[D(2025, 1, 7)].note_ru, days[D(2025, 1, 7)].note_en) == ("Рождество Христово", "Christmas Day")
    expected_ru = {
        D(2025, 1, 1): "Новогодние каникулы",
        D(2025, 2, 23): "День защитника Отечества",
        D(2025, 3, 8): "Международный женский день",
        D(2025, 5, 1): "Праздник Весны и Труда",
        D(2025, 5, 9): "День Победы",
        D(2025, 6, 12): "День России",
        D(2025, 11, 4): "День народного единства",
    }
    assert {d: days[d].note_ru for d in expected_ru} == expected_ru
    assert days[D(2025, 12, 31)].note_ru.startswith("Выходной (перенесён с 05.01.2025")
    assert days[D(2025, 12, 31)].note_en.startswith("Day off")
    assert days[D(2025, 2, 23)].note_en == "Defender of the Fatherland Day"


def test_holidays_on_a_weekend_are_listed_too():
    assert by_date(2026)[D(2026, 1, 3)].kind == "holiday"
    assert by_date(2026)[D(2026, 1, 3)].intervals == []


def test_only_the_years_asked_for_sorted():
    days = ru_production_days([2026, 2025, 2026], FIVE_DAYS)
    assert [d.date for d in days] == sorted(d.date for d in days)
    assert {d.date.year for d in days} == {2025, 2026}
    assert ru_production_days([], FIVE_DAYS) == []


def test_six_day_week_saturday_before_a_holiday_is_shortened():
    week = {**FIVE_DAYS, "sat": [["10:00", "15:00"]]}
    day = by_date(2026, week)[D(2026, 3, 7)]  # Saturday before Sunday 8 March
    assert (day.kind, day.intervals) == ("shortened", [["10:00", "14:00"]])


def test_a_transferred_working_day_takes_the_first_working_weekday_when_monday_is_closed():
    week = {d: [["08:00", "16:00"]] for d in ("tue", "wed", "thu", "fri")}
    day = by_date(2025, week)[D(2025, 11, 1)]
    # 3 Nov is a Monday, closed in this week anyway: no eve to inherit, a plain working Saturday.
    assert (day.kind, day.intervals) == ("working", [["08:00", "16:00"]])


def test_a_week_without_working_time_is_refused():
    with pytest.raises(ValueError, match="no working day"):
        ru_production_days([2025], {})


def test_shorten_cuts_across_intervals():
    assert shorten([["09:00", "13:00"], ["14:00", "14:30"]]) == [["09:00", "12:30"]]
    assert shorten([["09:00", "13:00"], ["14:00", "15:00"]]) == [["09:00", "13:00"]]
    assert shorten([["22:00", "24:00"]]) == [["22:00", "23:00"]]
    assert shorten([["09:00", "09:30"]]) == []


def test_a_day_of_an_hour_before_a_holiday_becomes_closed():
    week = {**FIVE_DAYS, "thu": [["09:00", "10:00"]]}
    day = by_date(2026, week)[D(2026, 6, 11)]
    assert (day.kind, day.intervals) == ("holiday", [])
