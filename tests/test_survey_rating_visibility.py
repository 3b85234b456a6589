"""The satisfaction rating (score and comment) is between the initiator and the support staff in
charge of the request (`may_see_rating`): its executor, its group, the group's lead, the managers.
A watcher or a reader of the request sees neither on the request's page (the satisfaction card,
the timeline's rating records), nor in the API (the detail's `feedback` is null, the activity has
no feedback records).

Ivan (initiator) rates his Error 2 of 5; Alexei (agent) resolved it; Sergei (lead) leads its group;
Elena (manager). Maria (initiator2, his colleague) watches it and reads her organisation's
requests; Olga (agent2, second line) watches it too but is not in charge of it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.feedback.surveys import survey_answer
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.access import may_see_rating
from otklik.tickets.models import Ticket
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_transition

MSK = ZoneInfo("Europe/Moscow")
RESOLVED = datetime(2026, 10, 28, 15, tzinfo=MSK)
COMMENT = "RATING-COMMENT: slow and rude"
SEERS = ("initiator", "agent", "lead", "manager")
OTHERS = ("initiator2", "agent2")


@pytest.fixture
def rated(personas, settings) -> Ticket:
    p = personas
    User.objects.update(language="en")
    p.initiator2.sees_organisation_requests = True
    p.initiator2.save(update_fields=["sees_organisation_requests"])
    set_now(settings, RESOLVED)
    t = file_error(p.initiator)
    for who in (p.initiator2, p.agent2):
        ticket_watch(ticket=t, actor=p.agent, user_ref=who.username)
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=p.agent, transition_code=code, version=t.version, **kw)
    survey_answer(ticket=t, actor=p.initiator, score=2, comment=COMMENT)
    return Ticket.objects.get(pk=t.pk)


def test_the_predicate(personas, rated):
    for name in SEERS:
        assert may_see_rating(getattr(personas, name), rated), name
    for name in OTHERS:
        assert not may_see_rating(getattr(personas, name), rated), name


def _page(user: User, t: Ticket) -> str:
    client = Client()
    client.force_login(user)
    resp = client.get(f"/requests/{t.number}")
    assert resp.status_code == 200
    return resp.content.decode()


def test_the_request_page(personas, rated):
    for name in SEERS:
        html = _page(getattr(personas, name), rated)
        assert COMMENT in html and "2 of 5" in html, name
        assert "Rated the handling 2 of 5" in html, name
    for name in OTHERS:
        html = _page(getattr(personas, name), rated)
        assert rated.number in html  # they do see the request
        assert COMMENT not in html and "of 5" not in html, name
        assert 'id="feedback"' not in html, name


def test_the_api_detail_and_activity(api, rated):
    for name in SEERS:
        detail = api(name).get(f"/tickets/{rated.pk}").json()
        assert (detail["feedback"]["score"], detail["feedback"]["comment"]) == (2, COMMENT), name
        activity = api(name).get(f"/tickets/{rated.pk}/activity").json()
        assert [a["new_value"] for a in activity if a["event"] == "feedback"] == [2], name
    for name in OTHERS:
        resp = api(name).get(f"/tickets/{rated.pk}")
        assert resp.status_code == 200 and resp.json()["feedback"] is None, name
        activity = api(name).get(f"/tickets/{rated.pk}/activity").json()
        assert activity and not [a for a in activity if a["event"] == "feedback"], name
        assert COMMENT not in str(activity), name
