"""The initiator's public reply on a resolved request that waits for their confirmation starts the
confirmation period again from the reply (the end of the 5th working day after it, in the group's
Moscow calendar), so the request does not close right after they wrote. Support's replies, notes
and a watcher's reply move nothing; nor does a reply while the request is still in work.

Resolved on Friday 30 October 2026 at 16:00: it would close on Monday 9 November at 18:00. Ivan
(initiator) replies on Monday 9 November at 17:00: counting from Tuesday 10 (1), 11 (2), 12 (3),
13 (4), the weekend, Monday 16 (5), it now closes on Monday 16 November at 18:00.

Alexei (agent) resolved it; Maria (initiator2) watches it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_comment, ticket_transition
from otklik.workflow.transitions import ticket_auto_confirm_due

MSK = ZoneInfo("Europe/Moscow")
FILED = datetime(2026, 10, 29, 10, tzinfo=MSK)
RESOLVED = datetime(2026, 10, 30, 16, tzinfo=MSK)
CLOSES = datetime(2026, 11, 9, 18, tzinfo=MSK)
REPLIED = datetime(2026, 11, 9, 17, tzinfo=MSK)
CLOSES_AFTER_REPLY = datetime(2026, 11, 16, 18, tzinfo=MSK)


@pytest.fixture
def resolved(personas, settings) -> Ticket:
    p = personas
    User.objects.update(language="en")
    set_now(settings, FILED)
    t = file_error(p.initiator)
    ticket_watch(ticket=t, actor=p.agent, user_ref=p.initiator2.username)
    for code, kw in (("accept", {}), ("start", {})):
        t = ticket_transition(ticket=t, actor=p.agent, transition_code=code, version=t.version, **kw)
    set_now(settings, RESOLVED)
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="resolve", version=t.version, comment="Fixed")
    assert Ticket.objects.get(pk=t.pk).auto_close_at == CLOSES
    return t


def _closes(t: Ticket) -> datetime | None:
    return Ticket.objects.get(pk=t.pk).auto_close_at


def test_the_initiators_reply_restarts_the_period(personas, resolved, settings):
    set_now(settings, REPLIED)
    ticket_comment(ticket=resolved, actor=personas.initiator, body="It still fails on Mondays.")
    assert _closes(resolved) == CLOSES_AFTER_REPLY
    # The worker at the old instant leaves it waiting; at the new one it closes.
    set_now(settings, CLOSES)
    assert ticket_auto_confirm_due() == 0
    assert Ticket.objects.get(pk=resolved.pk).point.code == "resolved"
    set_now(settings, CLOSES_AFTER_REPLY)
    assert ticket_auto_confirm_due() == 1
    assert Ticket.objects.get(pk=resolved.pk).point.code == "closed"


def test_through_the_page_and_the_api(personas, resolved, settings, api):
    set_now(settings, REPLIED)
    client = Client()
    client.force_login(personas.initiator)
    assert client.post(f"/requests/{resolved.number}/comment", {"body": "Still failing"}).status_code == 302
    assert _closes(resolved) == CLOSES_AFTER_REPLY
    set_now(settings, datetime(2026, 11, 10, 9, tzinfo=MSK))  # Tuesday: from Wednesday 11, five days
    assert api("initiator").post(f"/tickets/{resolved.pk}/comments", {"body": "And today"}).status_code == 201
    detail = api("initiator").get(f"/tickets/{resolved.pk}").json()
    assert detail["auto_close_at"] == "2026-11-17T15:00:00Z"


def test_others_replies_and_notes_move_nothing(personas, resolved, settings):
    set_now(settings, REPLIED)
    ticket_comment(ticket=resolved, actor=personas.agent, body="Anything else?")
    ticket_comment(ticket=resolved, actor=personas.agent, body="Note", internal=True)
    ticket_comment(ticket=resolved, actor=personas.initiator2, body="Works for me")
    assert _closes(resolved) == CLOSES


def test_a_reply_while_in_work_sets_no_instant(personas, settings):
    set_now(settings, FILED)
    t = file_error(personas.initiator)
    ticket_comment(ticket=t, actor=personas.initiator, body="Any news?")
    assert _closes(t) is None
