"""A satisfaction survey is asked when a request first reaches a resolved or closed point, in the
same transaction as the move: its executor and group, its period and reminder, the question to the
initiator with the rating link; never on a declined point; the same survey after a rejection;
nothing when surveys are off.

Ivan (initiator) files Errors (first line); Alexei (agent) accepts and resolves them; Sergei (lead)
is the group's lead; Olga (agent2) is second line."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.feedback.models import FeedbackSettings, Survey
from otklik.feedback.surveys import survey_by_token
from otklik.notify.models import Notification
from otklik.routes.models import RoutePoint, Transition
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_assign, ticket_transition

MSK = ZoneInfo("Europe/Moscow")
FILED = datetime(2026, 10, 27, 10, tzinfo=MSK)
RESOLVED = datetime(2026, 10, 28, 15, tzinfo=MSK)


def step(p, t, who, code, **kw):
    return ticket_transition(ticket=t, actor=getattr(p, who), transition_code=code, version=t.version, **kw)


def resolved_error(p, settings, *, by="agent"):
    set_now(settings, FILED)
    t = file_error(p.initiator)
    t = step(p, t, by, "accept")
    t = step(p, t, by, "start")
    set_now(settings, RESOLVED)
    return step(p, t, by, "resolve", comment="Fixed the formula")


def questions(user, ticket, event="survey_requested"):
    return list(Notification.objects.filter(recipient=user, ticket=ticket, event=event).order_by("channel"))


def test_resolving_asks_the_initiator_with_the_rating_link(personas, settings):
    p = personas
    t = resolved_error(p, settings)
    survey = Survey.objects.get(ticket=t)
    assert (survey.initiator_id, survey.executor_id, survey.group_id) == (p.initiator.pk, p.agent.pk, t.group_id)
    assert survey.asked_at == RESOLVED
    # The defaults: the link works 14 days, one reminder after 3.
    assert survey.expires_at == RESOLVED + timedelta(days=14)
    assert survey.remind_at == RESOLVED + timedelta(days=3)
    assert (survey.score, survey.answered_at, survey.reminded_at, survey.token_used_at) == (None, None, None, None)
    rows = questions(p.initiator, t)
    assert [n.channel for n in rows] == ["email", "inapp"]
    link = rows[0].link
    assert link.startswith(f"{settings.BASE_URL}/feedback/")
    assert survey_by_token(link.rsplit("/", 1)[1]) == survey
    assert all(n.link == link for n in rows)
    # Nobody else is asked, and the executor is not told of the question.
    assert Notification.objects.filter(ticket=t, event="survey_requested").exclude(recipient=p.initiator).count() == 0


def test_the_question_is_part_of_the_move_a_failure_leaves_nothing(personas, settings, monkeypatch):
    p = personas
    set_now(settings, FILED)
    t = file_error(p.initiator)
    t = step(p, t, "agent", "accept")
    t = step(p, t, "agent", "start")

    def broken(rows):
        raise RuntimeError("the outbox is down")

    monkeypatch.setattr("otklik.feedback.surveys.outbox.queue_rows", broken)
    with pytest.raises(RuntimeError):
        step(p, t, "agent", "resolve", comment="Fixed")
    stored = Ticket.objects.get(pk=t.pk)
    assert (stored.point.code, stored.version) == ("in_work", 3)
    assert not Survey.objects.filter(ticket=t).exists()


def test_a_declined_request_is_not_asked(personas, settings):
    p = personas
    t = file_error(p.initiator)
    step(p, t, "lead", "decline", comment="Duplicate of ERR-000001")
    assert not Survey.objects.filter(ticket=t).exists()
    assert questions(p.initiator, t) == []


def test_a_request_closed_straight_from_work_is_asked(personas, settings):
    """A route may close without a resolved point: reaching a closed point asks too."""
    p = personas
    t = file_error(p.initiator)
    route = t.point.route
    in_work = RoutePoint.objects.get(route=route, code="in_work")
    Transition.objects.create(
        route=route,
        code="close-now",
        label_ru="Закрыть",
        label_en="Close",
        source=in_work,
        target=RoutePoint.objects.get(route=route, code="closed"),
        by_executor=True,
    )
    t = step(p, t, "agent", "accept")
    t = step(p, t, "agent", "start")
    t = step(p, t, "agent", "close-now")
    assert (t.point.code, t.is_open) == ("closed", False)
    survey = Survey.objects.get(ticket=t)
    assert survey.executor_id == p.agent.pk
    assert len(questions(p.initiator, t)) == 2


def test_confirming_keeps_the_survey_and_asks_nothing_more(personas, settings):
    p = personas
    t = resolved_error(p, settings)
    before = Survey.objects.get(ticket=t)
    t = step(p, t, "initiator", "confirm")
    after = Survey.objects.get(ticket=t)
    assert (after.pk, after.asked_at, after.expires_at) == (before.pk, before.asked_at, before.expires_at)
    assert len(questions(p.initiator, t)) == 2


def test_resolved_again_after_a_rejection_the_same_survey_names_the_new_resolver(personas, settings):
    p = personas
    t = resolved_error(p, settings)
    first = Survey.objects.get(ticket=t)
    set_now(settings, datetime(2026, 11, 2, 11, tzinfo=MSK))
    t = step(p, t, "initiator", "reject", comment="Still fails")
    t = ticket_assign(ticket=t, actor=p.lead, version=t.version, executor="lead")
    later = datetime(2026, 11, 5, 12, tzinfo=MSK)
    set_now(settings, later)
    t = step(p, t, "lead", "resolve", comment="Really fixed now")
    again = Survey.objects.get(ticket=t)
    assert again.pk == first.pk and again.asked_at == RESOLVED
    assert (again.executor_id, again.group_id) == (p.lead.pk, t.group_id)
    # The link works for the full period from the new resolution; the reminder is due again.
    assert again.expires_at == later + timedelta(days=14)
    assert again.remind_at == later + timedelta(days=3)
    assert len(questions(p.initiator, t)) == 2  # the same question still stands: not sent twice


def test_an_answered_survey_is_not_asked_again(personas, settings):
    from otklik.feedback.surveys import survey_answer

    p = personas
    t = resolved_error(p, settings)
    survey_answer(ticket=t, actor=p.initiator, score=2, comment="Slow")
    t = step(p, t, "initiator", "reject", comment="Still fails")
    t = step(p, t, "agent", "resolve", comment="Fixed again")
    survey = Survey.objects.get(ticket=t)
    assert (survey.score, survey.comment, survey.executor_id, survey.remind_at) == (2, "Slow", p.agent.pk, None)
    assert len(questions(p.initiator, t)) == 2


def test_surveys_switched_off_ask_nothing(personas, settings):
    FeedbackSettings(survey_enabled=False).save()
    t = resolved_error(personas, settings)
    assert not Survey.objects.filter(ticket=t).exists()
    assert questions(personas.initiator, t) == []


def test_no_reminder_when_it_is_off_or_would_come_after_the_link_expires(personas, settings):
    FeedbackSettings(survey_valid_days=7, survey_reminder_days=0).save()
    t = resolved_error(personas, settings)
    survey = Survey.objects.get(ticket=t)
    assert (survey.expires_at, survey.remind_at) == (RESOLVED + timedelta(days=7), None)

    FeedbackSettings(survey_valid_days=3, survey_reminder_days=5).save()
    t2 = resolved_error(personas, settings)
    assert Survey.objects.get(ticket=t2).remind_at is None
