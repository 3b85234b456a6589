"""`otklik calendar fill-ru|import|show`: bad input is a CommandError naming the bad value."""

import datetime as dt
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from otklik.sla.models import Calendar, CalendarDay, DayKind

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def office():
    cal = Calendar.objects.create(code="head-office", name_ru="Головной офис", name_en="Head office")
    CalendarDay.objects.create(
        calendar=cal, date=D(2026, 12, 31), kind=DayKind.CUSTOM, intervals=[["09:00", "12:00"]], note_en="party"
    )
    return cal


def run(*args):
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_fill_ru_for_given_years_keeps_edited_dates(office):
    out = run("fill-ru", "head-office", "--years", "2025", "2026")
    added = office.days.count() - 1
    assert f"head-office: {added} dates of 2025–2026 added" in out
    assert set(office.days.values_list("date__year", flat=True)) == {2025, 2026}
    assert office.days.get(date=D(2026, 12, 31)).kind == DayKind.CUSTOM
    assert "head-office: 0 dates" in run("fill-ru", "head-office", "--years", "2026")


def test_fill_ru_overwrite(office):
    run("fill-ru", "head-office", "--years", "2026", "--overwrite")
    assert office.days.get(date=D(2026, 12, 31)).kind == DayKind.HOLIDAY


def test_fill_ru_defaults_to_this_year_and_the_next_two(office, settings):
    settings.OTKLIK_NOW = "2027-06-01T12:00:00+03:00"
    assert "of 2027–2029" in run("fill-ru", "head-office")
    assert set(office.days.exclude(date=D(2026, 12, 31)).values_list("date__year", flat=True)) == {2027, 2028, 2029}


def test_import_a_file(office, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("date,kind,intervals\n2026-12-31,holiday,\n2027-01-11,custom,10:00-14:00\n", encoding="utf-8")
    assert "head-office: 2 dates imported from dates.csv." in run("import", "head-office", str(path))
    assert office.days.get(date=D(2026, 12, 31)).kind == DayKind.HOLIDAY
    assert office.days.get(date=D(2027, 1, 11)).intervals == [["10:00", "14:00"]]


def test_import_a_bad_file_names_the_row_and_imports_nothing(office, tmp_path):
    path = tmp_path / "dates.json"
    path.write_text('["2027-01-11", "2026-02-30"]', encoding="utf-8")
    with pytest.raises(CommandError, match="item 2: bad date '2026-02-30'"):
        run("import", "head-office", str(path))
    assert office.days.count() == 1


def test_import_an_unreadable_file(office, tmp_path):
    with pytest.raises(CommandError, match=r"cannot read '.*missing\.csv': No such file"):
        run("import", "head-office", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="cannot read"):
        run("import", "head-office", str(tmp_path))  # a directory


def test_unknown_calendar_code(office):
    with pytest.raises(CommandError, match=r"no calendar with the code 'nowhere' \(calendars: head-office\)"):
        run("show", "nowhere")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fill-ru", "head-office", "--years", "next"), "invalid int value: 'next'"),
        (("fill-ru", "head-office", "--years", "1900"), "year 1900 is outside 1991–9998"),
        (("show", "head-office", "--year", "20x6"), "invalid int value: '20x6'"),
        (("erase", "head-office"), "invalid choice: 'erase'"),
    ],
)
def test_bad_arguments(office, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_show_prints_the_week_and_the_dates_of_a_year(office):
    run("fill-ru", "head-office", "--years", "2026", "2027")
    out = run("show", "head-office", "--year", "2026")
    lines = out.splitlines()
    assert lines[0] == "head-office: Головной офис / Head office, Europe/Moscow"
    assert "mon 09:00-13:00 14:00-18:00" in lines
    assert "2026-04-30  shortened  09:00-13:00 14:00-17:00  Предпраздничный день: на час короче" in out
    assert "2026-01-07  holiday    closed                   Рождество Христово / Christmas Day" in out
    assert "2026-12-31  custom     09:00-12:00              party" in out
    assert "2027-" not in out
    assert lines[-1].endswith("dated exceptions in 2026.")


def test_the_command_line_prints_no_traceback(tmp_path):
    """Run as an administrator would: a bad code is one line on stderr and exit status 1."""
    env = {"OTKLIK_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": ""}
    migrate = subprocess.run(
        [sys.executable, "-m", "otklik", "migrate", "-v", "0"], env=env, capture_output=True, text=True, check=False
    )
    assert migrate.returncode == 0, migrate.stderr
    result = subprocess.run(
        [sys.executable, "-m", "otklik", "calendar", "show", "nowhere"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no calendar with the code 'nowhere'" in result.stderr
