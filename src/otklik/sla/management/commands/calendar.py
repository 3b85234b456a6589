"""`otklik calendar fill-ru|import|show`: working calendars from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from otklik.core.clock import now
from otklik.core.errors import Invalid
from otklik.sla.calendar_import import (
    MAX_IMPORT_BYTES,
    calendar_fill_ru,
    calendar_import,
    format_intervals,
    format_week,
)
from otklik.sla.models import Calendar

FIRST_YEAR = 1991  # the `holidays` package knows the Russian holidays from 1991


class Command(BaseCommand):
    help = "Working calendars: fill in the Russian production calendar, import dated exceptions, show them."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{fill-ru,import,show}")
        fill = actions.add_parser("fill-ru", help="add the Russian production calendar's dates")
        fill.add_argument("code", help="the calendar's code")
        fill.add_argument("--years", nargs="+", type=int, help="years to fill (default: this year and the next two)")
        fill.add_argument("--overwrite", action="store_true", help="replace dates the calendar already has")
        load = actions.add_parser("import", help="import dates from a CSV or JSON file")
        load.add_argument("code", help="the calendar's code")
        load.add_argument("file", help="a .csv or .json file")
        show = actions.add_parser("show", help="print the calendar's week and dated exceptions")
        show.add_argument("code", help="the calendar's code")
        show.add_argument("--year", type=int, help="only this year's dates")

    def handle(self, *args: Any, **options: Any) -> None:
        calendar = Calendar.objects.filter(code=options["code"]).first()
        if calendar is None:
            known = ", ".join(Calendar.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"no calendar with the code {options['code']!r} (calendars: {known})")
        try:
            if options["action"] == "fill-ru":
                self._fill(calendar, options["years"], overwrite=options["overwrite"])
            elif options["action"] == "import":
                self._import(calendar, options["file"])
            else:
                self._show(calendar, options["year"])
        except Invalid as exc:
            raise CommandError(exc.detail) from None

    def _fill(self, calendar: Calendar, years: list[int] | None, *, overwrite: bool) -> None:
        if not years:
            year = now().year
            years = [year, year + 1, year + 2]
        for year in years:
            if not FIRST_YEAR <= year <= 9998:
                raise CommandError(f"year {year} is outside {FIRST_YEAR}–9998")
        added = calendar_fill_ru(calendar=calendar, years=years, overwrite=overwrite)
        span = f"{min(years)}–{max(years)}" if len(set(years)) > 1 else str(years[0])
        verb = "written" if overwrite else "added (dates already there are kept)"
        self.stdout.write(self.style.SUCCESS(f"{calendar.code}: {added} dates of {span} {verb}."))

    def _import(self, calendar: Calendar, file: str) -> None:
        source = Path(file)
        try:
            with source.open("rb") as handle:
                data = handle.read(MAX_IMPORT_BYTES + 1)  # enough to tell "too large" without reading it all
        except OSError as exc:
            raise CommandError(f"cannot read {file!r}: {exc.strerror or exc}") from None
        count = calendar_import(calendar=calendar, data=data, filename=source.name)
        self.stdout.write(self.style.SUCCESS(f"{calendar.code}: {count} dates imported from {source.name}."))

    def _show(self, calendar: Calendar, year: int | None) -> None:
        self.stdout.write(f"{calendar.code}: {calendar.name_ru} / {calendar.name_en}, {calendar.time_zone}")
        self.stdout.write(format_week(calendar.week or {}) or "(no working days)")
        days = calendar.days.order_by("date")
        if year is not None:
            days = days.filter(date__year=year)
        count = 0
        for day in days:
            hours = format_intervals(day.intervals or []) or "closed"
            notes = " / ".join(n for n in (day.note_ru, day.note_en) if n)
            self.stdout.write(f"{day.date.isoformat()}  {day.kind:<9}  {hours:<23}  {notes}".rstrip())
            count += 1
        scope = f" in {year}" if year is not None else ""
        self.stdout.write(f"{count} dated exceptions{scope}.")
