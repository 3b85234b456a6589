"""The drill-down's week and dates out of range or malformed are a 400 with a message, never a 500
(a Monday at the end of the calendar used to overflow when its Sunday was computed; a cursor past
any id failed on SQLite)."""

from __future__ import annotations

import pytest

from otklik.testing.client import browser

pytestmark = pytest.mark.django_db
URL = "/reports/quality/requests"


@pytest.mark.parametrize(
    "week",
    [
        "9999-12-27",  # a Monday whose Sunday is past the calendar's end
        "0001-01-01",  # a Monday before any period may start
        "2999-12-31",  # in range but a Tuesday
        "2026-13-01",  # no such month
        "2026-03-02T00:00",  # not a date
        "99999-01-04",
        "-2026-03-02",
    ],
)
def test_a_bad_week_is_a_400_with_a_message(personas, week):
    response = browser(personas.manager).get(
        URL, {"from": "2026-03-01", "to": "2026-03-31", "measure": "received", "week": week}
    )
    assert response.status_code == 400, week
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "The week is the date of its Monday (YYYY-MM-DD) between the years 2000 and 2999" in body


def test_the_last_and_first_weeks_in_range_are_answered(personas):
    c = browser(personas.manager)
    # 3 January 2000 and 30 December 2999 are Mondays; the period clips the week (empty lists).
    for first, last, week in (("2000-01-01", "2000-01-31", "2000-01-03"), ("2999-12-01", "2999-12-31", "2999-12-30")):
        response = c.get(URL, {"from": first, "to": last, "measure": "received", "week": week})
        assert response.status_code == 200, week


@pytest.mark.parametrize(
    "query",
    [
        {"from": "9999-12-31"},
        {"from": "1999-12-31"},
        {"to": "3000-01-01"},
        {"from": "2026-02-30"},
        {"from": "2999-12-31", "to": "2999-12-31"},  # the last day: fine
    ],
)
def test_the_period_bounds_of_the_drill_down(personas, query):
    response = browser(personas.manager).get(URL, {**query, "measure": "received"})
    fine = query.get("from") == "2999-12-31" and query.get("to") == "2999-12-31"
    assert response.status_code == (200 if fine else 400), query
    if not fine:
        assert 'role="alert"' in response.content.decode()


def test_a_cursor_past_any_id_is_answered_not_a_500(personas):
    import base64
    import json

    huge = base64.urlsafe_b64encode(json.dumps({"id": 10**30}).encode()).decode().rstrip("=")
    response = browser(personas.manager).get(
        URL, {"from": "2026-03-01", "to": "2026-03-31", "measure": "received", "cursor": huge}
    )
    assert response.status_code == 400
    assert "This address names no figure of the report" in response.content.decode()
