"""`otklik demo --history WEEKS`: weeks of past work written through the real services, once, so a
first run's reports, dashboard and complaints have something to show; the notifications that past
would have sent are not sent now."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from otklik.accounts.models import User
from otklik.complaints.models import Complaint
from otklik.core.clock import now
from otklik.feedback.models import Survey
from otklik.notify.models import Notification
from otklik.quality.models import Fact, MonthlyReport
from otklik.testing.clock import set_now
from otklik.tickets.models import LogRecord, Ticket
from otklik.web.selectors import dashboard_figures

MARK = "[история демо]"  # the service speaks Russian by default


@pytest.fixture
def fixed_now(settings):
    set_now(settings, dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC))
    return settings


def test_three_weeks_of_history_through_the_services(db, fixed_now):
    out = StringIO()
    call_command("demo", "--history", "3", stdout=out)
    history = Ticket.objects.filter(subject__startswith=MARK)
    filed = history.count()
    assert f"{filed} requests filed" in out.getvalue() and filed >= 30  # 2–5 a working day
    # All of it in the past, every request with its per-stage log and its facts.
    assert not history.filter(created_at__gte=dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)).exists()
    assert not history.filter(created_at__lt=dt.datetime(2026, 11, 6, tzinfo=dt.UTC)).exists()
    assert LogRecord.objects.filter(ticket__in=history, event="created").count() == filed
    assert Fact.objects.filter(ticket__in=history).count() == filed
    # Resolved, rated, complained about: what the reports show.
    assert history.filter(is_open=False).exists()
    assert Survey.objects.filter(ticket__in=history, score__isnull=False).exists()
    assert Complaint.objects.filter(ticket__in=history).exists()  # the seed is fixed: so is the story
    # Nobody is notified now of weeks-old events.
    assert not Notification.objects.filter(ticket__in=history).exists()
    # Nor on the worker's first pass (a first `make run`): the history's survey reminders, SLA
    # warnings and complaints' deadlines were handled in the past, and last month's quality report
    # counts as sent.
    assert not Survey.objects.filter(ticket__in=history, remind_at__lte=now()).exists()
    assert MonthlyReport.objects.filter(month=dt.date(2026, 10, 1)).exists()
    before = Notification.objects.count()
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert Notification.objects.count() == before, out.getvalue()
    # Every breach is recorded when its deadline passed, not when an evening's or the last timer
    # pass found it: the dashboard's "breaches today" are today's deadlines alone.
    breaches = list(LogRecord.objects.filter(ticket__in=history, sla_event="breached"))
    assert len(breaches) >= 5
    assert all(r.created_at == dt.datetime.fromisoformat(r.new_value["due_at"]) for r in breaches)
    today = dt.datetime(2026, 11, 27, tzinfo=ZoneInfo("Europe/Moscow"))
    due_today = sum(1 for r in breaches if r.created_at >= today)
    assert dashboard_figures(User.objects.get(username="manager")).breaches_today == due_today


def test_a_second_run_adds_nothing(db, fixed_now):
    call_command("demo", "--history", "1", stdout=StringIO())
    before = Ticket.objects.count()
    out = StringIO()
    call_command("demo", "--history", "1", stdout=out)
    assert Ticket.objects.count() == before and "the history is there already" in out.getvalue()


def test_a_bad_number_of_weeks_is_named(db):
    with pytest.raises(CommandError, match="not 99"):
        call_command("demo", "--history", "99", stdout=StringIO())


def test_the_mark_speaks_the_services_language_and_either_is_found_again(personas, settings):
    """A Russian install's demo requests carry no English («[история демо] …»), an English one's
    «[demo history] …»; a history written under the other language is still found (and not doubled)."""
    from otklik.runtime.demo.history import demo_history, mark
    from otklik.testing.factories import file_error

    settings.LANGUAGE_CODE = "ru"
    assert mark() == MARK
    file_error(personas.initiator, subject=f"{MARK} Отчёт по остаткам формируется пустым")
    settings.LANGUAGE_CODE = "en"
    assert mark() == "[demo history]"
    assert demo_history(weeks=1, say=lambda _text: None) == 0
