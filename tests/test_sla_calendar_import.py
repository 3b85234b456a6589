"""Working calendars in the database (otklik.sla.calendar_import): the Russian production calendar,
imports from CSV and JSON (all or nothing, errors naming the row), the one default calendar."""

import datetime as dt
import json

import pytest

from otklik.core.errors import Invalid
from otklik.sla.calendar_import import (
    MAX_IMPORT_ROWS,
    calendar_fill_ru,
    calendar_import,
    calendar_make_default,
    format_week,
    parse_intervals,
    parse_week,
)
from otklik.sla.models import Calendar, CalendarDay, DayKind
from otklik.sla.reference import sla_reference

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def office():
    """The head office's calendar, Moscow five-day week, with one date the administrator set by hand."""
    cal = Calendar.objects.create(code="head-office", name_ru="Головной офис", name_en="Head office")
    CalendarDay.objects.create(
        calendar=cal, date=D(2026, 12, 31), kind=DayKind.CUSTOM, intervals=[["09:00", "12:00"]], note_en="party"
    )
    return cal


def dates(cal):
    return {d.date: d for d in cal.days.all()}


# --- the production calendar -----------------------------------------------------------------
def test_fill_ru_adds_the_year_and_keeps_an_edited_date(office):
    added = calendar_fill_ru(calendar=office, years=[2026])
    days = dates(office)
    assert added == len(days) - 1  # every production date but the one already there
    assert days[D(2026, 1, 9)].kind == DayKind.HOLIDAY
    assert days[D(2026, 1, 9)].note_ru.startswith("Выходной")
    assert days[D(2026, 4, 30)].kind == DayKind.SHORTENED
    assert days[D(2026, 4, 30)].intervals == [["09:00", "13:00"], ["14:00", "17:00"]]
    kept = days[D(2026, 12, 31)]
    assert (kept.kind, kept.intervals, kept.note_en) == (DayKind.CUSTOM, [["09:00", "12:00"]], "party")


def test_fill_ru_twice_adds_nothing_the_second_time(office):
    assert calendar_fill_ru(calendar=office, years=range(2025, 2027)) > 0
    before = office.days.count()
    assert calendar_fill_ru(calendar=office, years=range(2025, 2027)) == 0
    assert office.days.count() == before


def test_fill_ru_overwrite_replaces_edited_dates(office):
    written = calendar_fill_ru(calendar=office, years=[2026], overwrite=True)
    assert written == office.days.count()
    assert dates(office)[D(2026, 12, 31)].kind == DayKind.HOLIDAY


def test_fill_ru_uses_the_calendars_own_week(office):
    office.week = {"mon": [["08:00", "17:00"]], "tue": [["08:00", "17:00"]], "wed": [["08:00", "17:00"]]}
    office.save()
    calendar_fill_ru(calendar=office, years=[2025])
    days = dates(office)
    assert days[D(2025, 11, 1)].intervals == [["08:00", "16:00"]]  # Monday's hours, an hour shorter
    assert D(2025, 3, 7) not in days  # a Friday: closed in this week, nothing to shorten


def test_filled_calendar_is_what_the_sla_snapshot_counts_by(office):
    sla_reference()  # built before the fill; the fill must drop it
    calendar_fill_ru(calendar=office, years=[2026])
    engine = sla_reference().calendars[office.pk]
    msk = engine.tz
    # Thursday 30 April 2026, 16:30: half an hour left that day (shortened), then 4 May.
    due = engine.add(dt.datetime(2026, 4, 30, 16, 30, tzinfo=msk), dt.timedelta(hours=1))
    assert due == dt.datetime(2026, 5, 4, 9, 30, tzinfo=msk)


# --- CSV ------------------------------------------------------------------------------------
GOOD_CSV = (
    "date,kind,intervals,note_ru,note_en\n"
    "2026-12-31,holiday,,Канун,New Year's Eve\n"
    "2026-12-30,shortened,09:00-13:00 14:00-16:00,,\n"
    "2026-12-26,working,09:00 - 13:00,Рабочая суббота,\n"
    "2026-12-25,custom,,Закрыто,\n"
    "2026-12-24,,,,\n"
)


def test_csv_import_replaces_the_same_date_and_returns_the_count(office):
    assert calendar_import(calendar=office, data=GOOD_CSV.encode(), filename="dates.csv") == 5
    days = dates(office)
    assert days[D(2026, 12, 31)].kind == DayKind.HOLIDAY  # the import replaced the hand-made row
    assert days[D(2026, 12, 31)].note_en == "New Year's Eve"
    assert days[D(2026, 12, 30)].intervals == [["09:00", "13:00"], ["14:00", "16:00"]]
    assert days[D(2026, 12, 26)].intervals == [["09:00", "13:00"]]
    assert (days[D(2026, 12, 25)].kind, days[D(2026, 12, 25)].intervals) == (DayKind.CUSTOM, [])
    assert days[D(2026, 12, 24)].kind == DayKind.HOLIDAY


def test_csv_with_a_byte_order_mark_and_only_some_columns(office):
    data = "\ufeffDate,Note_EN\r\n2026-03-10,Spring cleaning\r\n".encode()
    assert calendar_import(calendar=office, data=data, filename="x.CSV") == 1
    assert dates(office)[D(2026, 3, 10)].note_en == "Spring cleaning"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2026-02-30,holiday,,,", "row 3: bad date '2026-02-30'"),
        ("20260210,holiday,,,", "row 3: bad date '20260210'"),
        ("2026-02-10,vacation,,,", "row 3: bad kind 'vacation'"),
        ("2026-02-10,custom,09:00-13:00 12:00-14:00,,", "row 3: bad intervals '09:00-13:00 12:00-14:00'"),
        ("2026-02-10,custom,9-13,,", "row 3: bad intervals '9-13'"),
        ("2026-02-10,custom,18:00-09:00,,", "row 3: bad intervals '18:00-09:00'"),
        ("2026-02-10,shortened,,,", "row 3: a shortened date needs its working intervals"),
        ("2026-02-10,holiday,09:00-10:00,,", "row 3: a holiday is closed"),
        ("2026-02-10,holiday,,,,extra", "row 3: 6 values for 5 columns"),
        ("2026-02-09,holiday,,,", "row 3: date 2026-02-09 is already given (row 2)"),
    ],
)
def test_a_bad_csv_row_is_named_and_nothing_is_imported(office, line, message):
    data = f"date,kind,intervals,note_ru,note_en\n2026-02-09,holiday,,,\n{line}\n".encode()
    with pytest.raises(Invalid) as err:
        calendar_import(calendar=office, data=data, filename="dates.csv")
    assert message in err.value.detail
    assert set(dates(office)) == {D(2026, 12, 31)}


def test_csv_without_a_header_or_with_an_unknown_column(office):
    with pytest.raises(Invalid, match="row 1: the first row must be the header"):
        calendar_import(calendar=office, data=b"2026-02-09,holiday\n", filename="d.csv")
    with pytest.raises(Invalid, match="row 1: unknown column 'hours'"):
        calendar_import(calendar=office, data=b"date,hours\n2026-02-09,8\n", filename="d.csv")


def test_a_long_note_is_refused(office):
    data = f"date,note_en\n2026-02-09,{'x' * 201}\n".encode()
    with pytest.raises(Invalid, match="row 2: bad note_en"):
        calendar_import(calendar=office, data=data, filename="d.csv")


# --- JSON -----------------------------------------------------------------------------------
def test_json_list_of_dates_are_holidays(office):
    data = json.dumps(["2026-02-09", "2026-02-10"]).encode()
    assert calendar_import(calendar=office, data=data, filename="days.json") == 2
    assert {d.kind for d in office.days.filter(date__month=2)} == {DayKind.HOLIDAY}


def test_json_objects_with_list_or_text_intervals(office):
    data = json.dumps(
        [
            {"date": "2026-02-09", "kind": "custom", "intervals": [["10:00", "12:00"]], "note_ru": "Учения"},
            {"date": "2026-02-10", "kind": "shortened", "intervals": "09:00-13:00 14:00-17:00"},
            "2026-02-11",
        ]
    ).encode()
    assert calendar_import(calendar=office, data=data, filename="days.json") == 3
    days = dates(office)
    assert days[D(2026, 2, 9)].intervals == [["10:00", "12:00"]]
    assert days[D(2026, 2, 9)].note_ru == "Учения"
    assert days[D(2026, 2, 10)].intervals == [["09:00", "13:00"], ["14:00", "17:00"]]
    assert days[D(2026, 2, 11)].kind == DayKind.HOLIDAY


def test_json_in_the_contract_shape_without_an_extension(office):
    data = json.dumps(
        {
            "tz": "Europe/Moscow",
            "holidays": ["2026-02-09"],
            "overrides": {"2026-02-10": [["09:00", "12:00"]], "2026-02-11": []},
        }
    ).encode()
    assert calendar_import(calendar=office, data=data, filename="upload") == 3
    days = dates(office)
    assert days[D(2026, 2, 9)].kind == DayKind.HOLIDAY
    assert (days[D(2026, 2, 10)].kind, days[D(2026, 2, 10)].intervals) == (DayKind.CUSTOM, [["09:00", "12:00"]])
    assert (days[D(2026, 2, 11)].kind, days[D(2026, 2, 11)].intervals) == (DayKind.CUSTOM, [])


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (["2026-02-09", "2026-13-01"], "item 2: bad date '2026-13-01'"),
        ([{"date": "2026-02-09", "hours": 8}], "item 1: unknown key 'hours'"),
        ([{"date": "2026-02-09", "kind": "custom", "intervals": [["09:00"]]}], "item 1: bad intervals"),
        ([{"date": "2026-02-09", "kind": "custom", "intervals": 8}], "item 1: bad intervals 8"),
        ([42], "item 1: 42 is neither a date nor an object"),
        ({"holidays": ["2026-02-09", "tomorrow"]}, "holidays item 2: bad date 'tomorrow'"),
        ({"overrides": {"2026-02-10": [["25:00", "26:00"]]}}, "overrides '2026-02-10': bad intervals"),
        ({"days": []}, "unknown key 'days'"),
        ("2026-02-09", "the JSON must be a list"),
    ],
)
def test_a_bad_json_item_is_named_and_nothing_is_imported(office, doc, message):
    with pytest.raises(Invalid) as err:
        calendar_import(calendar=office, data=json.dumps(doc).encode(), filename="days.json")
    assert message in err.value.detail
    assert office.days.count() == 1


def test_broken_json_and_non_utf8_text(office):
    with pytest.raises(Invalid, match=r"not valid JSON: .*line 1"):
        calendar_import(calendar=office, data=b'["2026-02-09",', filename="days.json")
    with pytest.raises(Invalid, match="not UTF-8"):
        calendar_import(calendar=office, data="date\n2026-02-09\n".encode("utf-16"), filename="days.csv")
    with pytest.raises(Invalid, match="no dates"):
        calendar_import(calendar=office, data=b"date,kind\n", filename="days.csv")


# --- limits ---------------------------------------------------------------------------------
def test_more_than_a_megabyte_is_refused(office):
    data = b"date\n" + b"2026-02-09\n" * 100_000
    with pytest.raises(Invalid, match="limit is 1,000,000"):
        calendar_import(calendar=office, data=data, filename="days.csv")


def test_more_than_5000_rows_is_refused(office):
    start = D(2030, 1, 1)
    rows = [(start + dt.timedelta(days=i)).isoformat() for i in range(MAX_IMPORT_ROWS + 1)]
    with pytest.raises(Invalid, match="5,001 rows; the limit is 5,000"):
        calendar_import(calendar=office, data=("date\n" + "\n".join(rows)).encode(), filename="days.csv")
    with pytest.raises(Invalid, match="5,001 rows; the limit is 5,000"):
        calendar_import(calendar=office, data=json.dumps(rows).encode(), filename="days.json")
    assert calendar_import(calendar=office, data=json.dumps(rows[:-1]).encode(), filename="days.json") == 5000


# --- the default calendar and the text forms ---------------------------------------------------
def test_only_one_calendar_is_the_default(office):
    branch = Calendar.objects.create(code="branch", name_ru="Филиал", name_en="Branch", is_default=True)
    calendar_make_default(calendar=office)
    assert list(Calendar.objects.filter(is_default=True)) == [office]
    branch.refresh_from_db()
    assert not branch.is_default


def test_week_text_round_trip_and_errors_name_the_line():
    week = parse_week("mon 09:00-13:00 14:00-18:00\n\nTue:\t9:00-17:00\nsat\n")
    assert week == {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "tue": [["09:00", "17:00"]]}
    assert format_week(week) == "mon 09:00-13:00 14:00-18:00\ntue 09:00-17:00"
    with pytest.raises(ValueError, match=r"line 2 \('fri 09:00-13:00 12:00-14:00'\): .*overlap"):
        parse_week("mon 09:00-18:00\nfri 09:00-13:00 12:00-14:00")
    with pytest.raises(ValueError, match=r"line 1 .*'monday' is not a day"):
        parse_week("monday 09:00-18:00")
    with pytest.raises(ValueError, match=r"line 2 .*mon is given twice"):
        parse_week("mon 09:00-18:00\nmon 10:00-11:00")
    assert parse_intervals("09:00–13:00, 14:00-18:00") == [["09:00", "13:00"], ["14:00", "18:00"]]
