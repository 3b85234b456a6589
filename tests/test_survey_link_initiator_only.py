"""The rating link rates without signing in, so only the initiator's rows carry it. An admin's rule
that also tells the watchers, the executor and the webhook carriers of the question (and of its
reminder) gives them rows without the token: not in the subject, body, HTML, link or context.

Ivan (initiator) files an Error; Maria (initiator2, his colleague) watches it; Alexei (agent)
resolves it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.feedback.models import Survey
from otklik.feedback.surveys import survey_by_token, survey_remind_due
from otklik.notify.models import Notification, Rule
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_transition

MSK = ZoneInfo("Europe/Moscow")
RESOLVED = datetime(2026, 10, 28, 15, tzinfo=MSK)


def _resolved_with_a_watcher(p, settings):
    for event in ("survey_requested", "survey_reminded"):
        Rule.objects.create(
            name=f"{event} → everyone",
            event=event,
            to_watchers=True,
            to_executor=True,
            to_group_lead=True,
            channels=["inapp", "email", "webhook"],
        )
    set_now(settings, RESOLVED)
    t = file_error(p.initiator, subject="Payroll report")
    ticket_watch(ticket=t, actor=p.agent, user_ref=p.initiator2.username)
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=p.agent, transition_code=code, version=t.version, **kw)
    return t


def _carries(row: Notification, token: str) -> bool:
    text = " ".join([row.subject, row.body, row.html, row.link, json.dumps(row.context)])
    return token in text


@pytest.mark.parametrize("event", ["survey_requested", "survey_reminded"])
def test_only_the_initiator_gets_the_rating_link(personas, settings, event):
    p = personas
    t = _resolved_with_a_watcher(p, settings)
    survey = Survey.objects.get(ticket=t)
    if event == "survey_reminded":
        set_now(settings, RESOLVED + timedelta(days=3))
        assert survey_remind_due() == 1
    rows = list(Notification.objects.filter(ticket=t, event=event))
    mine = [r for r in rows if r.recipient_id == p.initiator.pk]
    others = [r for r in rows if r.recipient_id != p.initiator.pk]
    # The token as sent (signing it again gives another timestamp): the one in the initiator's link.
    token = mine[0].link.rsplit("/", 1)[1]
    assert survey_by_token(token) == survey
    # The rule did reach the others: the watcher, the executor, the lead and the webhook carriers.
    assert {r.recipient_id for r in others} == {p.initiator2.pk, p.agent.pk, p.lead.pk, None}
    assert {r.channel for r in mine} >= {"inapp", "email"}
    assert all(_carries(r, token) for r in mine)
    email = next(r for r in mine if r.channel == "email")
    assert f"{token}?score=5" in email.html
    for row in others:
        assert not _carries(row, token), (row.recipient_id, row.channel)
        assert row.link == f"{settings.BASE_URL}/requests/{t.number}"
