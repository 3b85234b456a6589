"""Confirmation of the resolution: a resolved request its initiator neither confirms nor rejects
closes by itself at the end of the Nth working day after the resolution day (the type's period,
5 by default, in the group's Moscow calendar), as the system, recorded as confirmed automatically.

The Error is resolved on Friday 30 October 2026 at 16:00 (Moscow). Counting from Saturday:
Mon 2 Nov (1), Tue 3 (2), Wed 4 is Unity Day (a holiday), Thu 5 (3), Fri 6 (4), the weekend,
Mon 9 (5): it closes on Monday 9 November at 18:00.

Ivan (initiator) filed it; Alexei (agent) resolved it; Sergei (lead) leads first line."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from otklik.accounts.models import User
from otklik.catalog.models import RequestType
from otklik.notify.models import Notification
from otklik.sla.models import Clock
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_transition
from otklik.workflow.transitions import auto_confirm_text, ticket_auto_confirm_due

MSK = ZoneInfo("Europe/Moscow")
FILED = datetime(2026, 10, 29, 10, tzinfo=MSK)
RESOLVED = datetime(2026, 10, 30, 16, tzinfo=MSK)
CLOSES = datetime(2026, 11, 9, 18, tzinfo=MSK)


@pytest.fixture(autouse=True)
def english(personas):
    User.objects.update(language="en")


def step(p, t, who, code, **kw):
    return ticket_transition(ticket=t, actor=getattr(p, who), transition_code=code, version=t.version, **kw)


def resolved_error(p, settings, *, at=RESOLVED):
    set_now(settings, FILED)
    t = file_error(p.initiator)
    t = step(p, t, "agent", "accept")
    t = step(p, t, "agent", "start")
    set_now(settings, at)
    return step(p, t, "agent", "resolve", comment="Fixed the formula")


def fresh(t: Ticket) -> Ticket:
    return Ticket.objects.select_related("point").get(pk=t.pk)


def run(settings, moment: datetime) -> int:
    set_now(settings, moment)
    return ticket_auto_confirm_due()


def test_the_period_crosses_the_weekends_and_the_holiday(personas, settings, api):
    t = resolved_error(personas, settings)
    assert fresh(t).auto_close_at == CLOSES
    assert api("initiator").get(f"/tickets/{t.pk}").json()["auto_close_at"] == "2026-11-09T15:00:00Z"


def test_it_closes_at_that_instant_as_the_system(personas, settings):
    p = personas
    t = resolved_error(p, settings)
    version = fresh(t).version
    assert run(settings, CLOSES - timedelta(minutes=1)) == 0
    assert fresh(t).point.code == "resolved"

    assert run(settings, CLOSES) == 1
    stored = fresh(t)
    assert (stored.point.code, stored.is_open, stored.closed_at, stored.auto_close_at) == (
        "closed",
        False,
        CLOSES,
        None,
    )
    assert (stored.version, stored.executor_id) == (version + 1, p.agent.pk)
    record = LogRecord.objects.filter(ticket=t, event="transition").latest("id")
    assert (record.actor_id, record.actor_role, record.reaction) == (None, "system", "auto_confirmed")
    assert (record.transition.code, record.point.code, record.to_point.code) == ("confirm", "resolved", "closed")
    assert record.created_at == CLOSES
    assert record.new_value == {"working_days": 5}
    with translation.override("ru"):  # the log keeps the service's language
        assert record.body == auto_confirm_text(5)
    # The resolution clock was met at the resolution and stays so.
    assert Clock.objects.get(ticket=t, metric="resolution").state == "met"
    # Nothing more to do, however often the worker passes.
    assert run(settings, CLOSES + timedelta(days=1)) == 0
    assert LogRecord.objects.filter(ticket=t, reaction="auto_confirmed").count() == 1


def test_the_initiator_hears_of_it_from_the_system_and_the_task_is_cancelled(personas, settings):
    p = personas
    t = resolved_error(p, settings)
    run(settings, CLOSES)
    moved = Notification.objects.filter(ticket=t, event="ticket_moved", recipient=p.initiator, channel="inapp")
    last = moved.latest("id")
    assert last.created_at == CLOSES
    assert last.body.startswith("the system moved the request to «Confirmed (closed)»")
    tasks = Notification.objects.filter(ticket=t, event="task", recipient=p.agent).order_by("id")
    assert tasks.exists()
    assert tasks.last().context["method"] == "CANCEL"


def test_the_timeline_says_it_was_confirmed_automatically(personas, settings):
    t = resolved_error(personas, settings)
    run(settings, CLOSES)
    client = Client()
    client.force_login(personas.initiator)
    html = client.get(f"/requests/{t.number}").content.decode()
    timeline = html[html.index('id="history-title"') :]
    assert "Confirmed automatically (no reaction in time): Resolved → Confirmed (closed)" in timeline
    assert auto_confirm_text(5) in timeline  # in the reader's language
    assert 'id="auto-close"' not in html


def test_the_page_says_when_it_will_close(personas, settings):
    t = resolved_error(personas, settings)
    for user, words in (
        (personas.initiator, "closes automatically on 9 Nov 2026, 18:00 unless you confirm or reject the resolution"),
        (personas.agent, "closes automatically on 9 Nov 2026, 18:00 unless the initiator confirms or rejects"),
    ):
        client = Client()
        client.force_login(user)
        html = client.get(f"/requests/{t.number}").content.decode()
        assert words in html, user


def test_a_rejection_clears_it_and_resumes_the_resolution_clock(personas, settings):
    p = personas
    t = resolved_error(p, settings)
    assert Clock.objects.get(ticket=t, metric="resolution").state == "met"
    set_now(settings, datetime(2026, 11, 2, 11, tzinfo=MSK))
    t = step(p, t, "initiator", "reject", comment="Still fails")
    assert fresh(t).auto_close_at is None
    assert Clock.objects.get(ticket=t, metric="resolution").state == "running"
    assert run(settings, CLOSES + timedelta(days=5)) == 0
    assert fresh(t).point.code == "in_work"
    # Resolved again on Thursday 5 Nov: five working days more, to Thursday 12 Nov 18:00.
    set_now(settings, datetime(2026, 11, 5, 9, 30, tzinfo=MSK))
    t = step(p, t, "agent", "resolve", comment="Fixed again")
    assert fresh(t).auto_close_at == datetime(2026, 11, 12, 18, tzinfo=MSK)


def test_a_manual_confirmation_clears_it(personas, settings):
    t = resolved_error(personas, settings)
    t = step(personas, t, "initiator", "confirm")
    stored = fresh(t)
    assert (stored.point.code, stored.auto_close_at) == ("closed", None)
    assert run(settings, CLOSES) == 0
    assert LogRecord.objects.filter(ticket=t, reaction="auto_confirmed").count() == 0


def test_a_type_without_a_period_waits_for_the_initiator(personas, settings):
    RequestType.objects.filter(code="error").update(auto_confirm_days=None)
    RequestType.objects.get(code="error").save()  # the catalogue snapshot learns of it
    t = resolved_error(personas, settings)
    assert fresh(t).auto_close_at is None
    assert run(settings, CLOSES + timedelta(days=30)) == 0
    assert fresh(t).point.code == "resolved"


def test_a_period_of_zero_ends_with_the_resolution_day(personas, settings):
    rtype = RequestType.objects.get(code="error")
    rtype.auto_confirm_days = 0
    rtype.save()
    t = resolved_error(personas, settings)
    assert fresh(t).auto_close_at == datetime(2026, 10, 30, 18, tzinfo=MSK)
    # Resolved on the Saturday: by the end of the next working day, Monday 2 November.
    t2 = resolved_error(personas, settings, at=datetime(2026, 10, 31, 12, tzinfo=MSK))
    assert fresh(t2).auto_close_at == datetime(2026, 11, 2, 18, tzinfo=MSK)


def test_a_period_removed_meanwhile_stops_the_pending_closing(personas, settings):
    t = resolved_error(personas, settings)
    rtype = RequestType.objects.get(code="error")
    rtype.auto_confirm_days = None
    rtype.save()
    assert run(settings, CLOSES) == 1  # looked at, and left to the initiator
    stored = fresh(t)
    assert (stored.point.code, stored.auto_close_at) == ("resolved", None)


def test_the_wish_route_and_the_worker_command(personas, settings):
    """A Wish is delivered (a resolved point) by its chosen developer; the worker closes it."""
    p = personas
    set_now(settings, FILED)
    from otklik.workflow import ticket_create

    w = ticket_create(initiator=p.initiator, type_code="wish", subject="Export", fields={"benefit": "time"})
    w = step(p, w, "agent2", "review")
    w = step(p, w, "manager", "approve")
    w = step(p, w, "agent2", "develop", executor="agent2")
    set_now(settings, RESOLVED)
    w = step(p, w, "agent2", "deliver", comment="In 5.2")
    assert fresh(w).auto_close_at == CLOSES
    set_now(settings, CLOSES)
    call_command("worker", "--once")
    stored = fresh(w)
    assert (stored.point.code, stored.is_open) == ("closed", False)
    assert LogRecord.objects.filter(ticket=w, reaction="auto_confirmed", actor=None).count() == 1
