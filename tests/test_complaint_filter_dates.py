"""The complaints' filing-date filters (`filed_from`, `filed_to`) take dates in the years 2000–2999:
outside them, or malformed, the API answers 422 with a message naming the field and the page says
it next to the field (showing the list without that filter); never a 500 (9999-12-31 + 1 day
overflows, 0001-01-01 falls before any zone's rules).

Ivan (initiator) filed one complaint; Elena (manager) lists them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.complaints.services import complaint_file
from otklik.testing.clock import set_now

OUT_OF_RANGE = ["0001-01-01", "1999-12-31", "3000-01-01", "9999-12-31"]
MALFORMED = ["garbage", "2026-02-30", "2026-13-01", "10000-01-01", "-2026-01-01", "2026-1-1x"]


@pytest.fixture(autouse=True)
def filed(personas, settings):
    User.objects.update(language="en")
    set_now(settings, datetime(2026, 5, 12, 10, tzinfo=ZoneInfo("Europe/Moscow")))
    return complaint_file(author=personas.initiator, body="Closed at 11:00", kind="regulation")


@pytest.mark.parametrize("name", ["filed_from", "filed_to"])
def test_the_api_refuses_dates_outside_the_years_and_malformed_ones(api, name, filed):
    manager = api("manager")
    for bad in OUT_OF_RANGE:
        r = manager.get("/complaints", **{name: bad})
        assert r.status_code == 422, bad
        body = r.json()
        assert body["code"] == "invalid" and "2000–2999" in body["detail"], bad
        assert body["errors"] == [
            {
                "field": name,
                "code": "out_of_range",
                "params": {"min": 2000, "max": 2999},
                "message": "a date in 2000–2999",
            }
        ]
    for bad in MALFORMED:
        r = manager.get("/complaints", **{name: bad})
        assert (r.status_code, r.json()["code"]) == (422, "invalid"), bad
    for good in ("2000-01-01", "2999-12-31"):
        r = manager.get("/complaints", **{name: good})
        assert r.status_code == 200, good
    assert [
        i["id"] for i in manager.get("/complaints", filed_from="2000-01-01", filed_to="2999-12-31").json()["items"]
    ] == [filed.pk]


@pytest.mark.parametrize("name", ["filed_from", "filed_to"])
def test_the_page_says_it_next_to_the_field(personas, name, filed):
    client = Client()
    client.force_login(personas.manager)
    for bad in OUT_OF_RANGE:
        r = client.get("/complaints", {name: bad})
        html = r.content.decode()
        assert r.status_code == 200, bad
        assert f'id="id_{name}-error">Choose a date in the years 2000–2999.' in html, bad
        assert filed.number in html  # the list without that filter
    for bad in MALFORMED:
        r = client.get("/complaints", {name: bad})
        assert r.status_code == 200 and f'id="id_{name}-error"' in r.content.decode(), bad
        fragment = client.get("/complaints/rows", {name: bad}, HTTP_HX_REQUEST="true")
        assert fragment.status_code == 200, bad
    r = client.get("/complaints", {"filed_from": "2000-01-01", "filed_to": "2999-12-31"})
    assert r.status_code == 200 and "-error" not in r.content.decode() and filed.number in r.content.decode()
