"""The report's exports, read back: CSV (UTF-8 with a BOM, one table each) and XLSX (every table a
sheet) hold the figures of the scripted March; names that a spreadsheet would run as formulas are
written as text; the files are the viewer's own figures only."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from otklik.accounts.models import SupportGroup
from otklik.testing.client import browser

from .quality_month import build_month

pytestmark = pytest.mark.django_db
MARCH = "from=2026-03-01&to=2026-03-31"


@pytest.fixture
def month(settings):
    return build_month(settings)


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_of_groups_and_agents(month):
    response = browser(month.p.manager).get(f"/reports/quality.csv?{MARCH}")
    assert response["Content-Disposition"] == 'attachment; filename="quality-2026-03-01-2026-03-31-rows.csv"'
    rows = read_csv(response)
    total = rows[0]
    assert (total["Level"], total["Received"], total["Resolved"]) == ("Total", "4", "3")
    assert total["First reaction, median (working hours)"] == "2.25"
    assert total["Resolution, 90th percentile (working hours)"] == "24.8"  # 89,280 s
    assert total["All targets in time, %"] == "42.86"
    assert (total["Targets met"], total["Targets breached"]) == ("3", "4")
    assert (total["Score 2"], total["Score 5"], total["Response rate, %"]) == ("1", "1", "66.67")
    assert (total["Under a day"], total["7–30 days"], total["Quality score"]) == ("1", "1", "55.9")
    by_code = {(r["Level"], r["Code"]): r for r in rows}
    assert by_code["Group", "second-line"]["Resolved"] == "1"
    alexei = by_code["Agent", "agent"]
    assert (alexei["Name"], alexei["Reopen rate, %"]) == ("Алексей Смирнов", "100.0")
    assert alexei["Satisfaction, average"] == "2.0"
    assert by_code["Agent", "lead"]["Satisfaction, average"] == ""  # nothing to measure: empty, not 0


def test_csv_of_weeks_types_and_priorities(month):
    c = browser(month.p.manager)
    weeks = read_csv(c.get(f"/reports/quality.csv?{MARCH}&table=weeks"))
    assert [w["Week from"] for w in weeks][:2] == ["2026-02-23", "2026-03-02"]
    week16 = next(w for w in weeks if w["Week from"] == "2026-03-16")
    assert (week16["Received"], week16["Breaches"], week16["All targets in time, %"]) == ("2", "4", "0.0")
    types = read_csv(c.get(f"/reports/quality.csv?{MARCH}&table=types"))
    assert {t["Code"]: t["All targets in time, %"] for t in types} == {"error": "33.33", "request": "50.0"}
    priorities = read_csv(c.get(f"/reports/quality.csv?{MARCH}&table=priorities"))
    assert {p["Code"]: p["Targets breached"] for p in priorities} == {"high": "2", "normal": "2"}


def test_xlsx_holds_every_table(month):
    response = browser(month.p.manager).get(f"/reports/quality.xlsx?{MARCH}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Report", "Figures", "By week", "By type", "By priority"]
    about = {r[0]: r[1] if len(r) > 1 else None for r in book["Report"].iter_rows(values_only=True)}
    # The period's days are date cells (test_quality_exports_locale.py reads their formats).
    assert (about["From"], about["To"]) == (dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 31))
    assert about["Time zone"] == "Europe/Moscow"
    assert about["Weight: SLA compliance"] == 40
    figures = list(book["Figures"].iter_rows(values_only=True))
    head = figures[0]
    total = dict(zip(head, figures[1], strict=True))
    assert (total["Received"], total["Resolved"], total["Breaches"]) == (4, 3, 4)
    assert total["All targets in time, %"] == 42.86
    assert total["Satisfaction, average"] == 3.5
    assert total["Reopen rate, %"] == 33.33
    assert [(r[0], r[1]) for r in figures[2:4]] == [("Group", "first-line"), ("Group", "second-line")]
    assert {r[1] for r in figures if r[0] == "Agent"} == {"agent", "agent2", "lead"}
    weeks = list(book["By week"].iter_rows(values_only=True))
    assert weeks[0][0] == "Week from" and len(weeks) == 7
    assert weeks[1][0] == dt.datetime(2026, 2, 23)  # a date cell
    assert [r[0] for r in book["By type"].iter_rows(values_only=True)] == ["Code", "error", "request"]


def test_names_that_look_like_formulas_are_text(month):
    SupportGroup.objects.filter(code="first-line").update(name_en='=HYPERLINK("http://evil","x")')
    c = browser(month.p.manager)
    rows = read_csv(c.get(f"/reports/quality.csv?{MARCH}"))
    group = next(r for r in rows if r["Code"] == "first-line")
    assert group["Name"] == '\'=HYPERLINK("http://evil","x")'  # CSV: behind an apostrophe
    # XLSX: the text as typed, in a string cell with the quote prefix (not a formula, no apostrophe).
    book = load_workbook(io.BytesIO(c.get(f"/reports/quality.xlsx?{MARCH}").content))
    cell = next(r[2] for r in book["Figures"].iter_rows() if r[1].value == "first-line")
    assert (cell.value, cell.data_type, cell.quotePrefix) == ('=HYPERLINK("http://evil","x")', "s", True)


def test_control_characters_are_removed_and_do_not_hide_a_formula(month):
    # An agent's name with characters XLSX cannot hold (\x01, \x1f) and a formula behind one, and a
    # group's name starting with a tab: the export neither fails nor runs anything.
    p = month.p
    type(p.agent).objects.filter(pk=p.agent.pk).update(first_name="\x01@SUM(1+1)", last_name="\x1fСмирнов")
    SupportGroup.objects.filter(code="second-line").update(name_en="\t-2+3 Payroll")
    c = browser(p.manager)
    rows = {r["Code"]: r for r in read_csv(c.get(f"/reports/quality.csv?{MARCH}"))}
    assert rows["agent"]["Name"] == "'@SUM(1+1) Смирнов"  # cleaned first, then the formula caught
    assert rows["second-line"]["Name"] == "'\t-2+3 Payroll"  # a tab is legal: kept, behind the apostrophe
    response = c.get(f"/reports/quality.xlsx?{MARCH}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = {r[1].value: r[2] for r in book["Figures"].iter_rows()}
    assert (cells["agent"].value, cells["agent"].data_type, cells["agent"].quotePrefix) == (
        "@SUM(1+1) Смирнов",
        "s",
        True,
    )
    assert (cells["second-line"].value, cells["second-line"].quotePrefix) == ("\t-2+3 Payroll", True)
    assert cells["agent2"].quotePrefix is False  # plain names stay plain


def test_an_agent_exports_only_his_own_figures(month):
    rows = read_csv(browser(month.p.agent).get(f"/reports/quality.csv?{MARCH}"))
    assert [(r["Level"], r["Code"]) for r in rows if r["Level"] == "Agent"] == [("Agent", "agent")]
    # A and C came in with Sergei (received is his); Alexei resolved A.
    assert (rows[0]["Received"], rows[0]["Resolved"]) == ("0", "1")
    assert browser(month.p.agent).get(f"/reports/quality.xlsx?{MARCH}&agent=lead").status_code == 404
