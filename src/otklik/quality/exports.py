"""The report as files: CSV (one table: the figures side by side, or the weeks, the types, the
priorities) and XLSX (every table, one sheet each), headed in the viewer's language.

Times are working hours (two decimals); percentages 0–100; an empty cell where there is nothing
to measure. A CSV is written for the spreadsheet of a locale (CSV_FORMATS), as Excel reads a file it
opens with a double click: a Russian Excel splits on ";" and reads "2,5" as a number and
"23.02.2026" as a date; an English one splits on "," and reads "2.5" and "2026-02-23"; the UTF-8
byte order mark tells either the encoding. An XLSX holds real number and date cells (shown in the
reader's locale), its columns as wide as their contents and its header row frozen.

Text is made safe to open (OWASP's CSV injection advice): text that a spreadsheet would
take for a formula (starting with =, +, -, @, a tab or a carriage return) is written with a leading
apostrophe in CSV, and as a string cell with the "quote prefix" style in XLSX (shown as typed, never
run); control characters that XLSX cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, such as \x01) are
removed from both, before the formula check (so "\x01=…" is caught too).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeGuard

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from otklik.core.i18n import current_language
from otklik.core.jsonvalue import JsonValue

from . import definitions, kpi

# What a table holds: text, a count or a figure, a day or an instant (local), or nothing to measure.
CellValue = str | int | float | dt.date | dt.datetime | None
Column = tuple[str, Callable[[dict[str, JsonValue]], CellValue]]  # a heading, and its cell from a report row
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TABLES = ("rows", "weeks", "types", "priorities")
WIDTH_MIN, WIDTH_MAX = 8, 48  # an XLSX column's width, in characters


@dataclass(frozen=True)
class CsvFormat:
    """How a locale's spreadsheet reads a CSV it opens: the separator, the decimal mark, and a date
    format it takes for a date."""

    code: str
    delimiter: str
    decimal: str
    date: str  # strftime
    xlsx_date: str  # the same as an XLSX number format


CSV_FORMATS = {
    "ru": CsvFormat("ru", ";", ",", "%d.%m.%Y", "DD.MM.YYYY"),
    "en": CsvFormat("en", ",", ".", "%Y-%m-%d", "YYYY-MM-DD"),
}


def csv_format(code: str | None = None) -> CsvFormat:
    """The format named (ru, en), else the one of the active language. KeyError: no such format."""
    return CSV_FORMATS[code or current_language()]


def clean(value: CellValue) -> CellValue:
    """Text without the control characters XLSX cannot hold (other values as they are)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def is_formula_like(value: CellValue) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def safe(value: CellValue) -> CellValue:
    """A CSV cell: cleaned, and a formula-like text behind an apostrophe."""
    value = clean(value)
    return "'" + value if is_formula_like(value) else value


def csv_text(value: CellValue, fmt: CsvFormat) -> str:
    """A CSV cell as the locale's spreadsheet reads it: numbers with its decimal mark, dates in its
    format, text made safe (a negative number is a number, never taken for a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value) if abs(value) >= 1e-4 or value == 0 else f"{value:.10f}".rstrip("0")
        return text.replace(".", fmt.decimal)
    if isinstance(value, dt.datetime):
        return value.strftime(f"{fmt.date} %H:%M")
    if isinstance(value, dt.date):
        return value.strftime(fmt.date)
    return str(safe(value))


def xlsx_cell(sheet: WriteOnlyWorksheet, value: CellValue, *, fmt: CsvFormat | None = None) -> CellValue | Cell:
    """An XLSX cell: cleaned; a formula-like text a string cell with the quote prefix (openpyxl would
    otherwise store text starting with = as a formula); a day or an instant a date cell in the
    locale's date format."""
    value = clean(value)
    if isinstance(value, dt.date):
        date = (fmt or csv_format()).xlsx_date
        if isinstance(value, dt.datetime):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = f"{date} HH:MM"
        else:  # a day: midnight, shown as the day
            cell = WriteOnlyCell(sheet, value=dt.datetime.combine(value, dt.time()))
            cell.number_format = date
        return cell
    if not is_formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _width(value: CellValue) -> int:
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    return len(str(value)) if value is not None else 0


def _sheet(book: Workbook, title: str, head: list[str] | None, rows: list[list[CellValue]], fmt: CsvFormat) -> None:
    """A sheet with its columns as wide as their contents (within bounds), and its header row (when
    it has one: `head`) bold and frozen, the row names beside it too when the table has them."""
    sheet = book.create_sheet(title[:31])
    table = ([head] if head else []) + rows
    for col in range(max((len(r) for r in table), default=0)):
        widest = max((_width(r[col]) for r in table if col < len(r)), default=0)
        sheet.column_dimensions[get_column_letter(col + 1)].width = min(max(widest + 2, WIDTH_MIN), WIDTH_MAX)
    if head:
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        cells = []
        for value in head:
            made = xlsx_cell(sheet, value, fmt=fmt)
            cell = made if isinstance(made, Cell) else WriteOnlyCell(sheet, value=value)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    for row in rows:
        sheet.append([xlsx_cell(sheet, v, fmt=fmt) for v in row])


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _figure_columns() -> list[Column]:
    return [
        (_("Received"), lambda r: r["received"]),
        (_("Resolved"), lambda r: r["resolved"]),
        (_("First reaction, median (working hours)"), lambda r: _hours(r["first_reaction"]["median_seconds"])),
        (_("First reaction, 90th percentile (working hours)"), lambda r: _hours(r["first_reaction"]["p90_seconds"])),
        (_("Resolution, median (working hours)"), lambda r: _hours(r["resolution"]["median_seconds"])),
        (_("Resolution, 90th percentile (working hours)"), lambda r: _hours(r["resolution"]["p90_seconds"])),
        *_sla_columns(),
        (_("Breaches"), lambda r: r["breaches"]),
        (_("Satisfaction, average"), lambda r: r["satisfaction"]["average"]),
        (_("Surveys asked"), lambda r: r["satisfaction"]["asked"]),
        (_("Surveys answered"), lambda r: r["satisfaction"]["answered"]),
        (_("Response rate, %"), lambda r: r["satisfaction"]["response_rate_percent"]),
        *(
            (_("Score %(score)s") % {"score": s}, lambda r, s=s: r["satisfaction"]["distribution"][str(s)])
            for s in kpi.SCORES
        ),
        (_("Reopen rate, %"), lambda r: r["reopens"]["rate_percent"]),
        (_("Complaints filed"), lambda r: r["complaints"]["filed"]),
        (_("Complaints upheld"), lambda r: r["complaints"]["upheld"]),
        (_("Reassignments"), lambda r: r["reassignments"]["total"]),
        (_("Confirmed automatically"), lambda r: r["auto_confirmed"]["count"]),
        (_("Not closed at the end"), lambda r: r["backlog"]["total"]),
        *((backlog_label(b.code), lambda r, code=b.code: r["backlog"]["by_age"][code]) for b in kpi.BACKLOG_BUCKETS),
        (_("Quality score"), lambda r: r["quality_score"]["score"]),
    ]


def backlog_label(code: str) -> str:
    return {
        "lt_1d": _("Under a day"),
        "1_3d": _("1–3 days"),
        "3_7d": _("3–7 days"),
        "7_30d": _("7–30 days"),
        "ge_30d": _("30 days or more"),
    }[code]


def _sla_columns(
    sla: Callable[[dict[str, JsonValue]], dict[str, JsonValue]] = lambda r: r["sla"],
) -> list[Column]:
    """Compliance per target; `sla` finds the targets in a row (figure rows keep them under "sla")."""
    return [
        (_("First reaction in time, %"), lambda r: sla(r)["first_reaction"]["compliance_percent"]),
        (_("Resolution in time, %"), lambda r: sla(r)["resolution"]["compliance_percent"]),
        (_("Next reaction in time, %"), lambda r: sla(r)["next_reaction"]["compliance_percent"]),
        (_("All targets in time, %"), lambda r: sla(r)["overall"]["compliance_percent"]),
        (_("Targets met"), lambda r: sla(r)["overall"]["met"]),
        (_("Targets breached"), lambda r: sla(r)["overall"]["breached"]),
    ]


def table(data: dict[str, JsonValue], name: str) -> tuple[list[str], list[list[CellValue]]]:
    """(header, rows) of one of TABLES."""
    if name == "rows":
        columns = _figure_columns()
        head = [_("Level"), _("Code"), _("Name"), *(c for c, _f in columns)]
        rows = [[_("Total"), "", _("Everyone in the report"), *(f(data["figures"]) for _c, f in columns)]]
        rows += [[_("Group"), g["group"], g["name"], *(f(g) for _c, f in columns)] for g in data["groups"]]
        rows += [[_("Agent"), a["agent"], a["name"], *(f(a) for _c, f in columns)] for a in data["agents"]]
        return head, rows
    if name == "weeks":
        head = [
            _("Week from"),
            _("Received"),
            _("Resolved"),
            _("Breaches"),
            _("All targets in time, %"),
            _("Satisfaction, average"),
            _("Surveys answered"),
        ]
        keys = (
            "week",
            "received",
            "resolved",
            "breaches",
            "sla_compliance_percent",
            "satisfaction_average",
            "answered",
        )
        return head, [[dt.date.fromisoformat(w["week"]), *(w[k] for k in keys[1:])] for w in data["weeks"]]
    if name in ("types", "priorities"):
        key, label = ("type", _("Type")) if name == "types" else ("priority", _("Priority"))
        columns = _sla_columns(lambda r: r)
        head = [_("Code"), label, *(c for c, _f in columns)]
        return head, [[r[key], r["name"], *(f(r) for _c, f in columns)] for r in data[f"by_{key}"]]
    raise ValueError(f"unknown table {name!r}")


def to_csv(data: dict[str, JsonValue], name: str, fmt: CsvFormat | None = None) -> bytes:
    fmt = fmt or csv_format()
    head, rows = table(data, name)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=fmt.delimiter)
    writer.writerow([csv_text(v, fmt) for v in head])
    for row in rows:
        writer.writerow([csv_text(v, fmt) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: spreadsheets read it as UTF-8


def _local(text: str) -> dt.datetime:
    """An ISO instant of the report as the service's wall clock shows it (XLSX knows no zones)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=None)


def to_xlsx(data: dict[str, JsonValue], fmt: CsvFormat | None = None) -> bytes:
    fmt = fmt or csv_format()
    book = Workbook(write_only=True)
    period = data["period"]
    lines: list[list[CellValue]] = [
        [_("Quality report")],
        [_("From"), dt.date.fromisoformat(period["from"])],
        [_("To"), dt.date.fromisoformat(period["to"])],
        [_("Time zone"), period["time_zone"]],
        [_("Group"), data["scope"]["group"] or ""],
        [_("Agent"), data["scope"]["agent"] or ""],
        [_("Generated"), _local(data["generated_at"])],
        # kpi.FORMULA in the reader's language (the data keeps it for the API).
        [_("Score formula"), _("score = 100 × Σ(wᵢ × cᵢ) / Σ(wᵢ), over the components cᵢ that have data")],
    ]
    lang = current_language()
    names = {code: name[lang] for code, name, _text in definitions.COMPONENTS}
    for component, weight in data["weights"].items():
        lines.append([_("Weight: %(component)s") % {"component": names.get(component, component)}, weight])
    _sheet(book, _("Report"), None, lines, fmt)
    for name, title in (
        ("rows", _("Figures")),
        ("weeks", _("By week")),
        ("types", _("By type")),
        ("priorities", _("By priority")),
    ):
        head, rows = table(data, name)
        _sheet(book, title, head, rows, fmt)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
