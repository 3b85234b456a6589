"""The monthly quality report: queued on the first working day of the month (1 and 2 April made
holidays here, so Friday 3 April), once, to the support manager (everyone's figures) and the group
lead (the first line's), in-app and by e-mail, with the headline figures of the scripted March
(tests/quality_month.py) and the link to the report page; two workers at once send it once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from otklik.notify.models import Notification
from otklik.quality.models import MonthlyReport
from otklik.quality.monthly import quality_monthly_due
from otklik.runtime.jobs import default_jobs
from otklik.sla.models import Calendar, CalendarDay
from otklik.testing.clock import set_now
from otklik.testing.concurrency import run_threads
from otklik.testing.personas import load_personas

from .quality_month import at, build_month

LINK = "http://127.0.0.1:8000/reports/quality?from=2026-03-01&to=2026-03-31"


def april_holidays() -> None:
    cal = Calendar.objects.get(code="moscow")
    for day in (1, 2):
        CalendarDay.objects.update_or_create(calendar=cal, date=dt.date(2026, 4, day), defaults={"kind": "holiday"})


@pytest.fixture
def march(settings):
    settings.BASE_URL = "http://127.0.0.1:8000"
    month = build_month(settings)
    for user in (month.p.manager, month.p.lead):
        user.language = "en"
        user.save(update_fields=["language"])
    april_holidays()
    return month


def rows() -> list[Notification]:
    return list(Notification.objects.filter(event="quality_monthly").order_by("recipient_id", "channel"))


def test_the_worker_runs_the_job():
    job = next(j for j in default_jobs() if j.name == "quality.monthly")
    assert job.run is quality_monthly_due


@pytest.mark.django_db
def test_queued_on_the_first_working_day_once(march, settings):
    p = march.p
    set_now(settings, at(4, 2, 23, 59))  # a holiday: not yet
    assert quality_monthly_due() == 0
    assert not MonthlyReport.objects.exists()

    set_now(settings, at(4, 3, 7, 0))  # Friday 3 April, the first working day
    assert quality_monthly_due() == 4
    sent = rows()
    assert [(n.recipient_id, n.channel) for n in sent] == sorted(
        [(p.lead.pk, "email"), (p.lead.pk, "inapp"), (p.manager.pk, "email"), (p.manager.pk, "inapp")]
    )
    assert all(n.link == LINK and n.ticket_id is None for n in sent)
    report = MonthlyReport.objects.get()
    assert (report.month, report.recipients) == (dt.date(2026, 3, 1), 2)

    # Later runs, the same day or later in April, send nothing more.
    assert quality_monthly_due() == 0
    set_now(settings, at(4, 20, 12))
    assert quality_monthly_due() == 0
    assert len(rows()) == 4


@pytest.mark.django_db
def test_the_managers_and_the_leads_figures(march, settings):
    p = march.p
    set_now(settings, at(4, 3, 9))
    quality_monthly_due()
    manager = Notification.objects.get(event="quality_monthly", recipient=p.manager, channel="email")
    assert manager.subject == "quality report for March 2026"
    assert manager.body.splitlines() == [
        "The whole support service",
        "",
        "Requests received: 4; resolved: 3",
        "SLA compliance: 42.9 %; breaches: 4",
        "First reaction (median): 2 h 15 min; resolution (median): 10 h",
        "Satisfaction: 3.50 (2 answers to 3 surveys)",
        "Reopened: 33.3 %",
        "Complaints filed: 3; upheld: 1",
        "Not closed at the month's end: 2",
        "Quality score: 55.9",
        "",
        f"The full report: {LINK}",
    ]
    lead = Notification.objects.get(event="quality_monthly", recipient=p.lead, channel="email")
    body = lead.body.splitlines()
    assert body[0] == "Groups: First-line support"
    assert body[2] == "Requests received: 4; resolved: 2"
    assert "Complaints filed: 2; upheld: 1" in body  # the regulation complaint is no group's
    assert lead.context == {"month": "2026-03-01", "groups": ["first-line"]}


@pytest.mark.django_db
def test_a_month_without_requests_still_reports(settings):
    # February 2027: nothing happened; the figures say so instead of failing. (The demo, with its
    # sample requests, is loaded on the day itself.)
    set_now(settings, dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC))  # Monday 1 March 2027
    personas = load_personas()
    personas.manager.language = "en"
    personas.manager.save(update_fields=["language"])
    assert quality_monthly_due() > 0
    body = Notification.objects.get(event="quality_monthly", recipient=personas.manager, channel="inapp").body
    lines = body.splitlines()
    assert lines[2:10] == [
        "Requests received: 0; resolved: 0",
        "SLA compliance: —; breaches: 0",
        "First reaction (median): —; resolution (median): —",
        "Satisfaction: — (0 answers to 0 surveys)",
        "Reopened: —",
        "Complaints filed: 0; upheld: 0",
        "Not closed at the month's end: 0",
        "Quality score: —",
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_it_once(march, settings):
    set_now(settings, at(4, 3, 9))

    def run(i: int, barrier: threading.Barrier) -> int:
        barrier.wait()
        return quality_monthly_due()

    results = run_threads(2, run, timeout=30)
    assert sorted(results) == [0, 4], results
    assert MonthlyReport.objects.count() == 1
    assert len(rows()) == 4
