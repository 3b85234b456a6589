"""A complaint's route: filed → under review → upheld or rejected (or answered straight from filed),
by the support managers only, with optimistic versions; internal notes change no state.

Ivan (initiator) complains about his Error; Elena (manager) and the administrator handle
complaints; Sergei (lead) sees his group's complaints but does not act on them; Alexei (agent)
neither."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.complaints.models import Complaint, ComplaintEvent
from otklik.complaints.services import complaint_answer, complaint_file, complaint_note, complaint_take
from otklik.core.errors import Conflict, Forbidden, Invalid
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
MONDAY = datetime(2026, 4, 6, 10, tzinfo=MSK)


@pytest.fixture
def complaint(personas, settings) -> Complaint:
    set_now(settings, MONDAY)
    return complaint_file(author=personas.initiator, body="Nobody answers", ticket=file_error(personas.initiator))


def history(c: Complaint) -> list[tuple[str, str | None, bool]]:
    rows = ComplaintEvent.objects.filter(complaint=c).order_by("id").values_list("event", "actor__username", "internal")
    return list(rows)


def test_taken_under_review_then_upheld(personas, complaint, settings):
    set_now(settings, MONDAY + timedelta(minutes=30))
    taken = complaint_take(complaint=complaint, actor=personas.manager, version=1)
    assert (taken.state, taken.reviewer, taken.version) == ("review", personas.manager, 2)
    assert taken.review_at == MONDAY + timedelta(minutes=30)
    set_now(settings, MONDAY + timedelta(hours=2))
    answered = complaint_answer(
        complaint=taken, actor=personas.manager, decision="upheld", answer="  We are sorry.  ", version=2
    )
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.state, stored.answer, stored.version, stored.reviewer) == (
        "upheld",
        "We are sorry.",
        3,
        personas.manager,
    )
    assert stored.answered_at == MONDAY + timedelta(hours=2) and answered.answered_at == stored.answered_at
    assert stored.next_check_at is None  # nothing pending once answered
    assert (stored.reaction_breached_at, stored.answer_breached_at) == (None, None)
    assert history(stored) == [
        ("filed", "initiator", False),
        ("review", "manager", False),
        ("upheld", "manager", False),
    ]


def test_answered_straight_from_filed_by_whoever_answers(personas, complaint):
    answered = complaint_answer(
        complaint=complaint, actor=personas.admin, decision="rejected", answer="The deadline was kept.", version=1
    )
    assert (answered.state, answered.reviewer, answered.review_at) == ("rejected", personas.admin, None)
    assert history(answered)[-1] == ("rejected", "admin", False)


def test_only_the_support_managers_act(personas, complaint):
    for who in (personas.lead, personas.agent, personas.initiator):
        with pytest.raises(Forbidden):
            complaint_take(complaint=complaint, actor=who, version=1)
        with pytest.raises(Forbidden):
            complaint_answer(complaint=complaint, actor=who, decision="upheld", answer="x", version=1)
        with pytest.raises(Forbidden):
            complaint_note(complaint=complaint, actor=who, body="x")
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.state, stored.version) == ("filed", 1)
    assert history(stored) == [("filed", "initiator", False)]


def test_a_stale_version_and_an_answered_complaint_are_refused(personas, complaint):
    complaint_take(complaint=complaint, actor=personas.manager, version=1)
    with pytest.raises(Conflict) as exc:
        complaint_answer(complaint=complaint, actor=personas.admin, decision="upheld", answer="x", version=1)
    assert exc.value.code == "stale_version"
    with pytest.raises(Conflict) as exc:
        complaint_take(complaint=complaint, actor=personas.admin, version=2)
    assert exc.value.code == "wrong_state"  # under review already
    complaint_answer(complaint=complaint, actor=personas.manager, decision="rejected", answer="No.", version=2)
    for attempt in (
        lambda: complaint_take(complaint=complaint, actor=personas.manager, version=3),
        lambda: complaint_answer(complaint=complaint, actor=personas.manager, decision="upheld", answer="y", version=3),
    ):
        with pytest.raises(Conflict) as exc:
            attempt()
        assert exc.value.code == "closed"
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.state, stored.answer, stored.version) == ("rejected", "No.", 3)


def test_an_answer_needs_a_decision_and_a_text(personas, complaint):
    with pytest.raises(Invalid) as exc:
        complaint_answer(complaint=complaint, actor=personas.manager, decision="maybe", answer="x", version=1)
    assert [e.field for e in exc.value.errors] == ["decision"]
    with pytest.raises(Invalid) as exc:
        complaint_answer(complaint=complaint, actor=personas.manager, decision="upheld", answer=" ", version=1)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("answer", "required", "is required")]
    assert Complaint.objects.get(pk=complaint.pk).state == "filed"


def test_notes_are_internal_and_change_no_version(personas, complaint):
    note = complaint_note(complaint=complaint, actor=personas.manager, body="Called the executor.")
    assert (note.event, note.internal, note.body) == ("note", True, "Called the executor.")
    # A colleague's answer with the version read before the note still goes through.
    complaint_answer(complaint=complaint, actor=personas.admin, decision="upheld", answer="Fixed.", version=1)
    # Notes may follow the answer (what was done about it).
    complaint_note(complaint=complaint, actor=personas.manager, body="Trained the team.")
    assert [e for e, _, internal in history(complaint) if internal] == ["note", "note"]
    with pytest.raises(Invalid):
        complaint_note(complaint=complaint, actor=personas.manager, body="")


def test_the_history_is_append_only(personas, complaint):
    event = ComplaintEvent.objects.get(complaint=complaint)
    with pytest.raises(TypeError):
        ComplaintEvent.objects.filter(pk=event.pk).update(body="changed")
    with pytest.raises(TypeError):
        event.delete()
    event.body = "changed"
    with pytest.raises(TypeError):
        event.save()
