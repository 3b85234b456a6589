"""A low rating (at or below the threshold, 2 by default) tells the group lead at once, with the
score and the comment; a rating that stays low is not told twice; the threshold is a setting.

Ivan (initiator) rates Errors Alexei (agent) resolved; Sergei (lead) leads first line."""

from __future__ import annotations

import pytest

from otklik.accounts.models import User
from otklik.feedback.models import FeedbackSettings
from otklik.feedback.surveys import survey_answer
from otklik.notify.models import Notification
from otklik.testing.factories import file_error
from otklik.workflow import ticket_transition


@pytest.fixture
def resolved(personas):
    User.objects.update(language="en")
    t = file_error(personas.initiator, subject="Payroll report")
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=personas.agent, transition_code=code, version=t.version, **kw)
    return t


def told(ticket):
    return list(Notification.objects.filter(ticket=ticket, event="survey_low_score").order_by("id"))


def test_a_low_score_reaches_the_group_lead_at_once(personas, resolved):
    survey_answer(ticket=resolved, actor=personas.initiator, score=1, comment="Nobody called me back")
    rows = told(resolved)
    assert {(n.recipient_id, n.channel) for n in rows} == {(personas.lead.pk, "inapp"), (personas.lead.pk, "email")}
    mail = next(n for n in rows if n.channel == "email")
    assert (mail.importance, mail.state, mail.context) == ("high", "pending", {"score": 1})
    assert mail.subject == f"{resolved.number}: low rating: 1 of 5"
    assert mail.body.startswith(personas.initiator.display_name + " rated")
    assert "rated how the request «Payroll report» was handled 1 of 5." in mail.body
    assert "Executor: " in mail.body and "Nobody called me back" in mail.body


@pytest.mark.parametrize("score", [3, 4, 5])
def test_a_fair_score_tells_nobody(personas, resolved, score):
    survey_answer(ticket=resolved, actor=personas.initiator, score=score)
    assert told(resolved) == []


def test_a_rating_that_becomes_low_is_told_once_while_it_stays_low(personas, resolved):
    survey_answer(ticket=resolved, actor=personas.initiator, score=4)
    assert told(resolved) == []
    survey_answer(ticket=resolved, actor=personas.initiator, score=2, comment="It broke again")
    assert len(told(resolved)) == 2  # in-app and e-mail
    survey_answer(ticket=resolved, actor=personas.initiator, score=1, comment="Still broken")
    assert len(told(resolved)) == 2
    survey_answer(ticket=resolved, actor=personas.initiator, score=5)
    survey_answer(ticket=resolved, actor=personas.initiator, score=2)
    assert len(told(resolved)) == 4


def test_the_threshold_is_a_setting(personas, resolved):
    FeedbackSettings(low_score_threshold=3).save()
    survey_answer(ticket=resolved, actor=personas.initiator, score=3)
    assert len(told(resolved)) == 2
    FeedbackSettings(low_score_threshold=0).save()
    t = file_error(personas.initiator)
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=personas.agent, transition_code=code, version=t.version, **kw)
    survey_answer(ticket=t, actor=personas.initiator, score=1)
    assert told(t) == []


def test_only_support_staff_are_told_whatever_a_rule_adds(personas, resolved):
    """The default rule names the group lead; a rule that adds the initiator, the watchers, the
    executor and the managers still tells only the staff among them (and the webhook carriers,
    which serve systems): never Ivan, nor Maria (initiator2), a watcher who is not staff."""
    from otklik.notify.models import Rule
    from otklik.tickets.watchers import ticket_watch

    p = personas
    # Only the default rule: the lead, nobody else.
    assert Rule.objects.filter(event="survey_low_score").values_list("to_group_lead", flat=True).get()
    for who in (p.initiator2, p.agent2):
        ticket_watch(ticket=resolved, actor=p.agent, user_ref=who.username)
    Rule.objects.create(
        name="low score → everyone",
        event="survey_low_score",
        to_initiator=True,
        to_watchers=True,
        to_executor=True,
        roles=["manager"],
        channels=["inapp", "webhook"],
    )
    survey_answer(ticket=resolved, actor=p.initiator, score=1, comment="Nobody called me back")
    told_ids = {n.recipient_id for n in told(resolved)}
    assert told_ids == {p.lead.pk, p.agent.pk, p.agent2.pk, p.manager.pk, None}
    assert not {p.initiator.pk, p.initiator2.pk} & told_ids
