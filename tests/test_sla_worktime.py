"""Working time as people type it (sla/worktime.py, pure): Russian and English units, hours:minutes,
bare minutes; anything else refused with the part at fault named."""

import pytest

from otklik.sla.worktime import MINUTES_PER_DAY, WorkTimeError, format_minutes, parse_minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        # the examples
        ("30 минут", 30),
        ("1 ч 30 мин", 90),
        ("2 часа", 120),
        ("1 д", MINUTES_PER_DAY),
        ("30 min", 30),
        ("1h 30m", 90),
        ("1:30", 90),
        # more of the same
        ("90", 90),
        ("0", 0),
        ("4h", 240),
        ("1h30m", 90),
        ("1h30", 90),
        ("45m", 45),
        ("45 min", 45),
        ("1.5h", 90),
        ("2,5h", 150),
        ("4ч 30м", 270),
        ("1 час", 60),
        ("5 часов 15 минут", 315),
        ("1 минута", 1),
        ("2 минуты", 2),
        ("1 день", 480),
        ("2 дня", 960),
        ("5 дней", 2400),
        ("1 дн. 2 ч.", 600),
        ("1 мин.", 1),
        ("1d 4h", 720),
        ("2 days", 960),
        ("1 hour 30 minutes", 90),
        ("3 hrs", 180),
        ("0,5 д", 240),
        ("  2   Ч  ", 120),
        ("1 Час 30 Минут", 90),
        ("10:05", 605),
        ("0:45", 45),
        ("1 : 30", 90),
        ("30m 1h", 90),  # the order does not matter, each unit once
    ],
)
def test_working_time_as_people_type_it(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize(
    ("text", "reason", "value"),
    [
        ("", "empty", ""),
        ("   ", "empty", "   "),
        ("soon", "format", "soon"),
        ("h", "format", "h"),
        ("-5", "format", "-5"),
        ("4 hours later", "format", "4 hours later"),
        ("1.01h", "fraction", "1.01h"),
        ("1.5 min", "fraction", "1.5 min"),
        ("1:75", "clock", "1:75"),
        ("1:3", "clock", "1:3"),
        ("1:30:00", "clock", "1:30:00"),
        ("3 сутки", "unit", "сутки"),
        ("2 weeks", "unit", "weeks"),
        ("1 ч 2 часа", "repeated", "2 часа"),
        ("30 15", "format", "30 15"),
        ("30 мин 15", "format", "30 мин 15"),
        ("99999999 д", "too_long", "99999999 д"),
        ("2 ч и 30 мин", "format", "2 ч и 30 мин"),
        # Digits int() or float() would choke on: a ValueError or OverflowError was a 500 in the admin.
        ("²", "format", "²"),
        ("1² h", "unit", "²"),
        ("١٢ h", "format", "١٢ h"),
        ("1:٣٠", "clock", "1:٣٠"),
        ("5" * 5000, "too_long", "5" * 5000),
        ("1" * 400 + " h", "too_long", "1" * 400 + " h"),
        ("1" * 13 + " мин", "too_long", "1" * 13 + " мин"),
        ("1." + "9" * 5000 + " h", "too_long", "1." + "9" * 5000 + " h"),
        ("1.999999999999 h", "fraction", "1.999999999999 h"),  # exact: not rounded to two hours
    ],
)
def test_what_is_not_working_time_is_refused_naming_the_part_at_fault(text, reason, value):
    with pytest.raises(WorkTimeError) as caught:
        parse_minutes(text)
    assert (caught.value.reason, caught.value.value) == (reason, value)
    assert isinstance(caught.value, ValueError)


def test_working_time_is_shown_in_hours_and_minutes_in_either_language():
    assert [format_minutes(m) for m in (240, 90, 45, 0, None)] == ["4h", "1h 30m", "45m", "0", ""]
    assert [format_minutes(m, "ru") for m in (240, 90, 45, 2400)] == ["4 ч", "1 ч 30 мин", "45 мин", "40 ч"]


@pytest.mark.parametrize("minutes", [0, 1, 59, 60, 61, 90, 479, 480, 2400, 100_000])
def test_what_is_shown_reads_back_as_the_same_time(minutes):
    assert parse_minutes(format_minutes(minutes)) == minutes
    assert parse_minutes(format_minutes(minutes, "ru")) == minutes


def test_the_parser_imports_no_django():
    import ast
    from pathlib import Path

    import otklik.sla.worktime as module

    tree = ast.parse(Path(module.__file__).read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.startswith("django")]
