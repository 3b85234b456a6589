"""The SLA through the API: each target in the request's detail, the `breached` and `at_risk` list
filters, SLA records in the activity, and GET /api/v1/sla/preview.

Tuesday 10 March 2026, 11:30 Moscow; calendar Mon–Fri 09:00–13:00, 14:00–18:00. Demo policy
"errors": high → first reaction 1 h, resolution 8 h; normal → 4 h and 24 h; warnings at 80 %.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils.dateparse import parse_datetime

from otklik.sla.timers import sla_timers_pass
from otklik.testing.factories import file_error

MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=MSK)


@pytest.fixture
def filed(personas, settings):
    settings.OTKLIK_NOW = at(10, 11, 30).isoformat()
    p = personas
    return {
        "high": file_error(p.initiator, subject="Payroll is down", priority_code="high"),
        "normal": file_error(p.initiator, subject="A report is slow"),
    }


def targets(api, who, ticket_id):
    r = api(who).get(f"/tickets/{ticket_id}")
    assert r.status_code == 200, r.content
    return {t["metric"]: t for t in r.json()["sla"]}


MINE = {"Payroll is down", "A report is slow"}  # the demo's own sample requests are left out


def numbers(api, who, query):
    r = api(who).get(f"/tickets?{query}")
    assert r.status_code == 200, r.content
    return sorted(t["subject"] for t in r.json()["items"] if t["subject"] in MINE)


def test_detail_shows_each_target_with_deadline_state_and_time_left(api, filed, settings):
    settings.OTKLIK_NOW = at(10, 12, 20).isoformat()
    sla = targets(api, "initiator", filed["high"].pk)
    assert list(sla) == ["first_reaction", "resolution"]
    fr, res = sla["first_reaction"], sla["resolution"]
    assert parse_datetime(fr["due_at"]) == at(10, 12, 30)
    assert parse_datetime(fr["warn_at"]) == at(10, 12, 18)
    assert (fr["state"], fr["at_risk"], fr["left_seconds"], fr["target_seconds"]) == ("running", True, 600, 3600)
    assert parse_datetime(res["due_at"]) == at(11, 11, 30)  # 1.5 h + 4 h today, 2.5 h Wednesday
    assert (res["state"], res["at_risk"], res["used_seconds"]) == ("running", False, 50 * 60)
    assert (fr["policy"], fr["calendar"]) == ("errors", "moscow")


def test_detail_counts_a_passed_deadline_as_breached_before_the_worker_runs(api, filed, settings):
    settings.OTKLIK_NOW = at(10, 12, 40).isoformat()
    fr = targets(api, "agent", filed["high"].pk)["first_reaction"]
    assert (fr["state"], fr["left_seconds"]) == ("breached", -600)
    assert parse_datetime(fr["breached_at"]) == at(10, 12, 30)


def test_list_filters_breached_and_at_risk(api, filed, settings):
    settings.OTKLIK_NOW = at(10, 12, 20).isoformat()
    assert numbers(api, "agent", "at_risk=true") == ["Payroll is down"]
    assert numbers(api, "agent", "breached=true") == []

    settings.OTKLIK_NOW = at(10, 12, 40).isoformat()  # past the deadline, the worker not yet run
    assert numbers(api, "agent", "breached=true") == ["Payroll is down"]
    assert numbers(api, "agent", "at_risk=true") == []

    sla_timers_pass()
    assert numbers(api, "agent", "breached=true") == ["Payroll is down"]
    assert numbers(api, "agent", "breached=false") == ["A report is slow"]

    settings.OTKLIK_NOW = at(10, 15, 50).isoformat()  # the normal one's warning: 80 % of 4 h at 15:42
    assert numbers(api, "agent", "at_risk=true") == ["A report is slow"]
    item = next(t for t in api("agent").get("/tickets?breached=true").json()["items"])
    assert item["breached"] is True


def test_the_initiator_filters_only_their_own(api, filed, settings, personas):
    settings.OTKLIK_NOW = at(10, 12, 40).isoformat()
    assert numbers(api, "initiator", "breached=true") == ["Payroll is down"]
    assert numbers(api, "initiator2", "breached=true") == []


def test_activity_carries_the_sla_ledger(api, filed, settings):
    settings.OTKLIK_NOW = at(10, 12, 40).isoformat()
    sla_timers_pass()
    staff = [e for e in api("agent").get(f"/tickets/{filed['high'].pk}/activity").json() if e["event"] == "sla"]
    # In the order things happened: the warning (12:18) and the breach (12:30) when they fell due,
    # the two escalations when the worker, late, acted on them (12:40).
    assert [(e["field"], e["sla_event"]) for e in staff] == [
        ("first_reaction", "applied"),
        ("resolution", "applied"),
        ("first_reaction", "warned"),
        ("first_reaction", "breached"),
        ("first_reaction", "escalated"),
        ("first_reaction", "escalated"),
    ]
    moments = {e["sla_event"]: parse_datetime(e["at"]) for e in staff if e["sla_event"] != "escalated"}
    assert moments["warned"] < moments["breached"] == at(10, 12, 30)
    assert all(e["role"] == "system" and e["actor"] is None for e in staff)
    breach = next(e for e in staff if e["sla_event"] == "breached")
    assert parse_datetime(breach["new_value"]["due_at"]) == at(10, 12, 30)
    # The warning and the escalation are the service's own business.
    mine = [e for e in api("initiator").get(f"/tickets/{filed['high'].pk}/activity").json() if e["event"] == "sla"]
    assert {e["sla_event"] for e in mine} == {"applied", "breached"}


def test_preview_gives_the_deadlines_a_new_request_would_get(api, personas):
    r = api("initiator").get("/sla/preview?type=error&priority=high&start=2026-03-10T11:30:00%2B03:00")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["policy"], body["calendar"]) == ("errors", "moscow")
    got = {t["metric"]: t for t in body["targets"]}
    assert parse_datetime(got["first_reaction"]["due_at"]) == at(10, 12, 30)
    assert parse_datetime(got["resolution"]["due_at"]) == at(11, 11, 30)
    assert got["next_reaction"]["due_at"] is None and got["next_reaction"]["target_seconds"] == 3600


def test_preview_over_a_weekend_and_the_holiday(api, personas):
    # Friday 6 March 17:00 + 4 h: one hour on Friday, Monday 9 March is a day off, 3 h Tuesday.
    r = api("initiator").get("/sla/preview?type=error&priority=normal&start=2026-03-06T17:00:00%2B03:00")
    got = {t["metric"]: t for t in r.json()["targets"]}
    assert parse_datetime(got["first_reaction"]["due_at"]) == at(10, 12)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("type=nope", "type"),
        ("type=error&priority=urgentest", "priority"),
        ("type=error&category=nope", "category"),
        ("type=error&start=yesterday", "start"),
    ],
)
def test_preview_refuses_bad_input_naming_it(api, personas, query, field):
    r = api("initiator").get(f"/sla/preview?{query}")
    assert r.status_code == 422, r.content
    assert field in {e["field"] for e in r.json()["errors"]}


def test_preview_needs_a_caller(client, personas):
    assert client.get("/api/v1/sla/preview?type=error").status_code == 401


def test_the_request_names_the_regulation_version_it_was_filed_under(api, filed):
    from otklik.catalog.models import Priority
    from otklik.regulation.services import regulation_publish

    before = api("initiator").get(f"/tickets/{filed['high'].pk}").json()["regulation_version"]
    assert before == 1  # the demo's
    Priority.objects.filter(code="low").update(name_en="Low (whenever)")
    assert regulation_publish(reason="renamed").number == 2
    later = api("initiator").post("/tickets", {"type": "error", "subject": "Later", "fields": {"steps": "x"}}).json()
    assert later["regulation_version"] == 2
    assert api("initiator").get(f"/tickets/{filed['high'].pk}").json()["regulation_version"] == 1


def test_the_missed_list_pages_newest_first_across_recorded_and_unrecorded(api, personas, settings):
    """breached=true is read in two halves (recorded by the timer, or past the deadline before it
    ran) and merged: the pages hold the newest first, each request once, as one OR would, with the
    two halves interleaved."""
    from otklik.core.clock import now
    from otklik.tickets.models import Ticket
    from otklik.tickets.selectors import breached_q

    p = personas
    settings.OTKLIK_NOW = at(10, 11, 30).isoformat()
    a, c, b = (file_error(p.initiator, subject="Payroll is down", priority_code="high") for _ in range(3))
    on_time = file_error(p.initiator, subject="A report is slow")
    d = file_error(p.initiator, subject="Payroll is down", priority_code="high")
    settings.OTKLIK_NOW = at(10, 12, 40).isoformat()  # every high one past its hour, none recorded
    # The timer records a and b (as its pass would), c and d wait for it: newest first d, b, c, a.
    Ticket.objects.filter(pk__in=[a.pk, b.pk]).update(sla_breached=True)
    mine = {a.pk, b.pk, c.pk, d.pk, on_time.pk}
    expected = [t.pk for t in Ticket.objects.filter(breached_q(now())).order_by("-pk") if t.pk in mine]
    assert expected == [d.pk, b.pk, c.pk, a.pk]
    seen: list[int] = []
    cursor = ""
    for _ in range(20):
        r = api("agent").get(f"/tickets?breached=true&limit=2{cursor}")
        assert r.status_code == 200, r.content
        body = r.json()
        seen += [t["id"] for t in body["items"]]
        if not body["next_cursor"]:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert [pk for pk in seen if pk in mine] == expected
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen, reverse=True)
