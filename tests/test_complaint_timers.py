"""The complaints' timer pass (a worker job): each missed target is recorded once, at its deadline,
the support managers (and the reviewer) are told, and the next look is scheduled; nothing is due
before a deadline, nothing after the answer.

Ivan files a complaint about the regulation on Friday 8 May 2026 at 15:00 (Moscow): taken up by
Tuesday 12 May 11:00, answered by Thursday 14 May 16:00 (see tests/test_complaint_targets.py for
the count across Victory Day). Elena is the support manager; the administrator takes it up."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from otklik.accounts.models import User
from otklik.complaints.models import Complaint, ComplaintEvent
from otklik.complaints.services import complaint_answer, complaint_file, complaint_take
from otklik.complaints.timers import complaint_timers_pass
from otklik.core.worker import Worker
from otklik.notify.models import Notification
from otklik.runtime.jobs import default_jobs
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 5, day, hh, mm, tzinfo=MSK)


@pytest.fixture
def complaint(personas, settings) -> Complaint:
    User.objects.update(language="en")
    set_now(settings, at(8, 15))
    return complaint_file(author=personas.initiator, body="Closed at 11:00", kind="regulation")


def run(settings, moment: datetime) -> int:
    set_now(settings, moment)
    return complaint_timers_pass()


def breaches(c: Complaint) -> list[tuple[str, datetime]]:
    rows = ComplaintEvent.objects.filter(complaint=c, event__endswith="_breached").order_by("id")
    return list(rows.values_list("event", "created_at"))


def overdue() -> list[tuple[str, str, str]]:
    rows = Notification.objects.filter(event="complaint_overdue", channel="inapp").order_by("id")
    return list(rows.values_list("recipient__username", "subject", "importance"))


def test_each_missed_target_is_recorded_once_and_told(personas, complaint, settings):
    assert run(settings, at(12, 10, 59)) == 0  # a minute early
    assert breaches(complaint) == [] and overdue() == []

    assert run(settings, at(12, 11)) == 1
    c = Complaint.objects.get(pk=complaint.pk)
    assert (c.reaction_breached_at, c.answer_breached_at, c.next_check_at) == (at(12, 11), None, at(14, 16))
    assert breaches(c) == [("reaction_breached", at(12, 11))]
    subject = f"complaint {c.number} not taken under review in time"
    assert overdue() == [("manager", subject, "critical")]
    body = Notification.objects.get(event="complaint_overdue", channel="inapp").body
    assert body.startswith(
        f"The complaint {c.number} by Иван Петров was to be taken under review by 12 May 2026, 11:00."
    )
    assert c.version == 1  # not an edit: a manager's pending answer stays valid

    assert run(settings, at(12, 11, 30)) == 0  # recorded once
    set_now(settings, at(13, 10))
    complaint_take(complaint=c, actor=personas.admin, version=1)  # late, and already recorded
    assert len(breaches(c)) == 1

    assert run(settings, at(14, 16)) == 1
    c = Complaint.objects.get(pk=complaint.pk)
    assert (c.answer_breached_at, c.next_check_at) == (at(14, 16), None)
    assert breaches(c) == [("reaction_breached", at(12, 11)), ("answer_breached", at(14, 16))]
    # The reviewer hears of it too, besides the managers.
    assert sorted(overdue()[1:]) == [
        ("admin", f"complaint {c.number} not answered in time", "critical"),
        ("manager", f"complaint {c.number} not answered in time", "critical"),
    ]
    assert run(settings, at(20, 12)) == 0
    assert len(breaches(c)) == 2 and len(overdue()) == 3


def test_an_answer_in_time_leaves_nothing_to_do(personas, complaint, settings):
    set_now(settings, at(12, 10))
    complaint_answer(complaint=complaint, actor=personas.manager, decision="upheld", answer="Sorry.", version=1)
    assert Complaint.objects.get(pk=complaint.pk).next_check_at is None
    assert run(settings, at(20, 12)) == 0
    assert breaches(complaint) == [] and overdue() == []


def test_both_missed_in_one_pass(personas, complaint, settings):
    assert run(settings, at(15, 12)) == 1  # the worker was down for a week
    c = Complaint.objects.get(pk=complaint.pk)
    assert breaches(c) == [("reaction_breached", at(12, 11)), ("answer_breached", at(14, 16))]
    assert (c.next_check_at, len(overdue())) == (None, 2)


def test_the_timer_is_a_job_of_the_worker_and_its_notices_are_delivered_in_the_same_pass(personas, complaint, settings):
    ticket = file_error(personas.initiator)  # so that the notice names a request too
    set_now(settings, at(8, 15))
    on_request = complaint_file(author=personas.initiator, body="Slow", ticket=ticket)
    set_now(settings, at(12, 11))
    done = Worker(default_jobs()).run_once()
    assert done["complaints.timers"] == 2
    rows = Notification.objects.filter(event="complaint_overdue", channel="inapp", recipient=personas.manager)
    assert {r.ticket_id for r in rows} == {None, ticket.pk}
    assert all(r.state == "delivered" for r in rows)  # in-app delivery ran after the timer
    assert Complaint.objects.get(pk=on_request.pk).reaction_breached_at == at(12, 11)


def test_a_complaint_that_fails_is_retried_later_and_the_others_go_on(personas, complaint, settings, monkeypatch):
    set_now(settings, at(8, 15))
    other = complaint_file(author=personas.initiator2, body="Also", kind="regulation")
    from otklik.complaints import timers as complaint_timers

    real = complaint_timers.record_breaches

    def failing(c, moment):
        if c.pk == complaint.pk:
            raise RuntimeError("boom")
        return real(c, moment)

    monkeypatch.setattr(complaint_timers, "record_breaches", failing)
    assert run(settings, at(12, 11)) == 2
    assert Complaint.objects.get(pk=complaint.pk).next_check_at == at(12, 11, 5)  # looked at again in 5 minutes
    assert Complaint.objects.get(pk=other.pk).reaction_breached_at == at(12, 11)
    monkeypatch.setattr(complaint_timers, "record_breaches", real)
    assert run(settings, at(12, 11, 5)) == 1
    assert breaches(complaint) == [("reaction_breached", at(12, 11))]
