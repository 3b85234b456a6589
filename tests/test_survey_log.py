"""Every answer to the survey is a record in the request's per-stage log: event feedback, reaction
initiator_rated, the score (and the previous one when it changes), the comment, the initiator as
actor; the page's timeline and the activity API show it.

Ivan (initiator) rates his resolved Error; Alexei (agent) resolved it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.feedback.surveys import survey_answer
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord
from otklik.workflow import ticket_transition

MSK = ZoneInfo("Europe/Moscow")
RESOLVED = datetime(2026, 10, 28, 15, tzinfo=MSK)


@pytest.fixture
def resolved(personas, settings):
    User.objects.update(language="en")
    set_now(settings, RESOLVED)
    t = file_error(personas.initiator)
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=personas.agent, transition_code=code, version=t.version, **kw)
    return t


def test_each_answer_is_a_log_record(personas, resolved, settings):
    first_at = RESOLVED + timedelta(hours=1)
    set_now(settings, first_at)
    survey_answer(ticket=resolved, actor=personas.initiator, score=2, comment="Slow answer")
    set_now(settings, RESOLVED + timedelta(days=1))
    survey_answer(ticket=resolved, actor=personas.initiator, score=4, comment="")
    records = list(LogRecord.objects.filter(ticket=resolved, event="feedback").order_by("id"))
    assert [
        (r.reaction, r.actor_id, r.actor_role, r.point.code, r.old_value, r.new_value, r.body, r.internal)
        for r in records
    ] == [
        ("initiator_rated", personas.initiator.pk, "initiator", "resolved", None, 2, "Slow answer", False),
        ("initiator_rated", personas.initiator.pk, "initiator", "resolved", 2, 4, "", False),
    ]
    assert records[0].created_at == first_at
    # The log is append-only: the first answer stays as it was given.
    assert LogRecord.objects.get(pk=records[0].pk).new_value == 2


def test_the_timeline_and_the_activity_api_show_it(personas, resolved, api):
    survey_answer(ticket=resolved, actor=personas.initiator, score=2, comment="Slow answer")
    survey_answer(ticket=resolved, actor=personas.initiator, score=5, comment="Fixed for good")
    for user in (personas.initiator, personas.agent):
        client = Client()
        client.force_login(user)
        html = client.get(f"/requests/{resolved.number}").content.decode()
        timeline = html[html.index('id="history-title"') :]
        assert "Rated the handling 2 of 5 (dissatisfied)" in timeline
        assert "Changed the rating from 2 to 5 of 5 (very satisfied)" in timeline
        assert "Slow answer" in timeline and "Fixed for good" in timeline
    activity = api("agent").get(f"/tickets/{resolved.pk}/activity").json()
    rated = [a for a in activity if a["event"] == "feedback"]
    assert [(a["reaction"], a["actor"]["username"], a["role"], a["new_value"], a["body"]) for a in rated] == [
        ("initiator_rated", "initiator", "initiator", 2, "Slow answer"),
        ("initiator_rated", "initiator", "initiator", 5, "Fixed for good"),
    ]
