"""Exports a Russian Excel opens (issue 14): a CSV in the reader's locale — ";" and the decimal comma
with dates as 31.12.2026 for Russian, "," and the decimal point with dates as 2026-12-31 for
English — chosen by the page's language, with a switch to choose the other; UTF-8 with a byte order
mark. An XLSX with real number and date cells, columns as wide as their contents and the header row
frozen. Each file is read back as a spreadsheet would read it: the csv module with the locale's
dialect, openpyxl for the workbook."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from otklik.testing.client import browser

from .quality_month import build_month

pytestmark = pytest.mark.django_db
MARCH = "from=2026-03-01&to=2026-03-31"
RU_NUMBER = re.compile(r"^-?\d+(,\d+)?$")
EN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@pytest.fixture
def month(settings):
    return build_month(settings)


def rows_of(response, delimiter: str) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def english_head(month) -> list[str]:
    """The columns' English names: the Russian file's columns are the same, in the same order."""
    return rows_of(browser(month.p.admin).get(f"/reports/quality.csv?{MARCH}"), ",")[0]


def test_a_russian_reader_gets_semicolons_decimal_commas_and_russian_dates(month):
    english = english_head(month)
    ru = browser(month.p.manager, language="ru")
    figures = rows_of(ru.get(f"/reports/quality.csv?{MARCH}"), ";")
    head, total = figures[0], figures[1]
    assert head[0] == "Уровень" and len(head) == len(total) == len(english) > 30
    cells = dict(zip(english, total, strict=True))
    assert cells["Received"] == "4"
    assert cells["First reaction, median (working hours)"] == "2,25"
    assert cells["All targets in time, %"] == "42,86"
    numbers = [v for v in total[3:] if v]
    assert numbers and all(RU_NUMBER.match(v) for v in numbers), numbers
    weeks = rows_of(ru.get(f"/reports/quality.csv?{MARCH}&table=weeks"), ";")
    assert [w[0] for w in weeks[1:3]] == ["23.02.2026", "02.03.2026"]  # a date a Russian Excel takes
    assert all(len(w) == len(weeks[0]) for w in weeks)


def test_an_english_reader_gets_commas_decimal_points_and_iso_dates(month):
    en = browser(month.p.manager)
    figures = rows_of(en.get(f"/reports/quality.csv?{MARCH}"), ",")
    cells = dict(zip(figures[0], figures[1], strict=True))
    assert (cells["Level"], cells["All targets in time, %"]) == ("Total", "42.86")
    assert all(EN_NUMBER.match(v) for v in figures[1][3:] if v)
    weeks = rows_of(en.get(f"/reports/quality.csv?{MARCH}&table=weeks"), ",")
    assert [w[0] for w in weeks[1:3]] == ["2026-02-23", "2026-03-02"]


def test_the_switch_chooses_the_other_format(month):
    ru = browser(month.p.manager, language="ru")
    # Russian words, English separators: a Russian reader whose spreadsheet is set up in English.
    english = english_head(month)
    figures = rows_of(ru.get(f"/reports/quality.csv?{MARCH}&csv=en"), ",")
    assert figures[0][0] == "Уровень" and dict(zip(english, figures[1], strict=True))["Received"] == "4"
    assert "42.86" in figures[1]
    en = browser(month.p.admin)
    assert "42,86" in rows_of(en.get(f"/reports/quality.csv?{MARCH}&csv=ru"), ";")[1]
    r = en.get(f"/reports/quality.csv?{MARCH}&csv=fr")
    assert r.status_code == 400 and b"unknown format 'fr'" in r.content
    # The page offers the switch; its export links carry the format chosen (the language's first).
    page = ru.get(f"/reports/quality?{MARCH}").content.decode()
    assert "csv=ru" in re.search(r'href="(/reports/quality\.csv\?[^"]*table=weeks[^"]*)"', page).group(1)
    assert re.search(r'<a href="/reports/quality\?[^"]*csv=ru#q-exports" aria-current="true">', page)
    page = ru.get(f"/reports/quality?{MARCH}&csv=en").content.decode()
    assert "csv=en" in re.search(r'href="(/reports/quality\.csv\?[^"]*table=weeks[^"]*)"', page).group(1)
    assert re.search(r'<a href="/reports/quality\?[^"]*csv=en#q-exports" aria-current="true">', page)


@pytest.mark.parametrize(("language", "date_format"), [("ru", "DD.MM.YYYY"), ("en", "YYYY-MM-DD")])
def test_the_workbook_holds_dates_and_numbers_with_widths_and_a_frozen_header(month, language, date_format):
    response = browser(month.p.manager, language=language).get(f"/reports/quality.xlsx?{MARCH}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    about = book.worksheets[0]
    dates = [row[1] for row in about.iter_rows(min_row=2, max_row=3)]
    assert [c.value for c in dates] == [dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 31)]
    assert all(c.is_date and c.number_format == date_format for c in dates)
    generated = about.cell(row=7, column=2)
    assert generated.is_date and generated.number_format == f"{date_format} HH:MM"
    assert about.freeze_panes is None  # a list of facts, no header row
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(c.font.b for c in sheet[1]), sheet.title
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
        assert all(8 <= w <= 48 for w in widths), (sheet.title, widths)
    figures = book.worksheets[1]
    total = dict(zip(english_head(month), figures[2], strict=True))
    received, share = total["Received"], total["All targets in time, %"]
    assert (received.value, received.data_type) == (4, "n")
    assert (share.value, share.data_type) == (42.86, "n")
    name = figures.column_dimensions["C"].width  # "Everyone in the report" and the people's names
    assert name >= len("Алексей Смирнов") + 2
    weeks = book.worksheets[2]
    first = weeks.cell(row=2, column=1)
    assert first.is_date and first.value == dt.datetime(2026, 2, 23) and first.number_format == date_format
