"""A complaint's two targets in working time, counted in the complaints' calendar (the feedback
settings', else the default: the demo's Moscow calendar, Mon–Fri 09:00–13:00 and 14:00–18:00 with
the Russian production calendar).

Filed on Friday 8 May 2026 at 15:00 — a shortened pre-holiday day (to 17:00); Saturday 9 May is
Victory Day and Monday 11 May its day off; with the defaults (taken up within 4 working hours,
answered within 24):
- taken up by: Friday 15:00–17:00 (2 h), then Tuesday 12 May 09:00–11:00 (2 h) → Tuesday 11:00;
- answered by: Friday 2 h, Tuesday 8 h, Wednesday 8 h (18 h), Thursday 09:00–13:00 and
  14:00–16:00 (6 h) → Thursday 14 May 16:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from otklik.complaints.clock import ANSWER, REACTION, status
from otklik.complaints.models import Complaint, ComplaintEvent
from otklik.complaints.services import complaint_answer, complaint_calendar, complaint_file, complaint_take
from otklik.feedback.models import FeedbackSettings
from otklik.sla.models import Calendar
from otklik.testing.clock import set_now

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 5, day, hh, mm, tzinfo=MSK)


FILED = at(8, 15)


def file(personas, settings, moment: datetime = FILED, *, author: str = "initiator") -> Complaint:
    set_now(settings, moment)
    return complaint_file(author=getattr(personas, author), body="Slow", kind="regulation")


def test_deadlines_skip_the_weekend_and_the_holidays(personas, settings):
    c = file(personas, settings)
    assert (c.filed_at, c.reaction_due_at, c.answer_due_at) == (FILED, at(12, 11), at(14, 16))
    assert c.next_check_at == at(12, 11)
    stored = Complaint.objects.get(pk=c.pk)
    assert (stored.reaction_due_at, stored.answer_due_at, stored.next_check_at) == (at(12, 11), at(14, 16), at(12, 11))


def test_filed_outside_working_hours_the_count_starts_at_the_next_opening(personas, settings):
    c = file(personas, settings, at(9, 12))  # Saturday, a holiday
    assert (c.reaction_due_at, c.answer_due_at) == (at(12, 13), at(14, 18))  # 4 h from Tue 09:00 (lunch after)


def test_the_settings_set_the_targets_and_a_change_moves_no_filed_complaint(personas, settings):
    first = file(personas, settings)
    fs = FeedbackSettings.current()
    fs.complaint_reaction_minutes, fs.complaint_answer_minutes = 60, 8 * 60
    fs.save()
    second = file(personas, settings, author="initiator2")  # one open regulation complaint each
    assert (second.reaction_due_at, second.answer_due_at) == (
        at(8, 16),
        at(12, 16),
    )  # 1 h; 2 h Fri, Tue 09–13 and 14–16
    first.refresh_from_db()
    assert (first.reaction_due_at, first.answer_due_at) == (at(12, 11), at(14, 16))


def test_a_target_of_zero_minutes_is_no_target(personas, settings):
    fs = FeedbackSettings.current()
    fs.complaint_reaction_minutes = 0
    fs.save()
    c = file(personas, settings)
    assert (c.reaction_due_at, c.answer_due_at, c.next_check_at) == (None, at(14, 16), at(14, 16))


def test_the_complaints_own_calendar(personas, settings):
    always = Calendar.objects.create(
        code="always",
        name_ru="Круглосуточно",
        name_en="Round the clock",
        time_zone="Europe/Moscow",
        week={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    fs = FeedbackSettings.current()
    fs.complaint_calendar = always
    fs.save()
    c = file(personas, settings)
    assert (c.reaction_due_at, c.answer_due_at) == (at(8, 19), at(9, 15))


def test_met_late_targets_are_recorded_by_the_step_that_meets_them(personas, settings):
    """No worker ran: taking it up and answering after the deadlines record each breach once,
    dated at the deadline, in the complaint's internal history."""
    c = file(personas, settings)
    set_now(settings, at(12, 12))  # an hour past the first deadline
    c = complaint_take(complaint=c, actor=personas.manager, version=1)
    assert (c.reaction_breached_at, c.answer_breached_at, c.next_check_at) == (at(12, 11), None, at(14, 16))
    set_now(settings, at(15, 10))  # Friday 10:00: Thu 16:00–18:00 and Fri 09:00–10:00 past the second
    c = complaint_answer(complaint=c, actor=personas.manager, decision="upheld", answer="Sorry.", version=2)
    stored = Complaint.objects.get(pk=c.pk)
    assert (stored.reaction_breached_at, stored.answer_breached_at, stored.next_check_at) == (
        at(12, 11),
        at(14, 16),
        None,
    )
    breaches = ComplaintEvent.objects.filter(complaint=c, event__endswith="_breached").order_by("id")
    assert [(e.event, e.created_at, e.internal, e.actor) for e in breaches] == [
        ("reaction_breached", at(12, 11), True, None),
        ("answer_breached", at(14, 16), True, None),
    ]
    cal = complaint_calendar()
    reaction, answer = status(stored, REACTION, cal, at(20, 12)), status(stored, ANSWER, cal, at(20, 12))
    assert (reaction.state, reaction.seconds) == ("late", 3600)
    assert (answer.state, answer.seconds) == ("late", 3 * 3600)
