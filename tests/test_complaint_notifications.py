"""Complaints notify both ways, in the same transaction as the change: a new complaint reaches the
support managers and the lead of the group concerned; taking it up and the answer reach its author;
nobody hears of their own action; the link leads to the complaint.

Ivan (initiator) complains about his Error (first line: Sergei leads it, Alexei works in it);
Elena is the support manager; Olga (agent2) is second line."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from otklik.accounts.models import User
from otklik.complaints.services import complaint_answer, complaint_file, complaint_note, complaint_take
from otklik.notify.models import Notification
from otklik.testing.factories import file_error

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(personas):
    User.objects.update(language="en")


def sent(event: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for username, channel in Notification.objects.filter(event=event).values_list("recipient__username", "channel"):
        out.setdefault(username, set()).add(channel)
    return out


def test_a_new_complaint_reaches_the_managers_and_the_groups_lead(personas):
    ticket = file_error(personas.initiator)
    complaint = complaint_file(author=personas.initiator, body="Nobody answered for days.", ticket=ticket)
    assert sent("complaint_filed") == {"manager": {"inapp", "email"}, "lead": {"inapp", "email"}}
    row = Notification.objects.filter(event="complaint_filed", recipient=personas.manager, channel="inapp").get()
    assert row.subject == f"{ticket.number}: new complaint {complaint.number}"
    assert row.body.startswith("Иван Петров filed a complaint (how a request was handled):")
    assert "Nobody answered for days." in row.body and "To be answered by" in row.body
    assert row.link == f"{settings.BASE_URL}/complaints/{complaint.pk}"
    assert (row.ticket_id, row.importance) == (ticket.pk, "high")
    assert row.context == {"complaint": complaint.pk, "state": "filed"}


def test_a_complaint_about_the_regulation_alone_reaches_the_managers(personas):
    complaint_file(author=personas.outsider, body="Closed at 11:00", kind="regulation")
    assert sent("complaint_filed") == {"manager": {"inapp", "email"}}


def test_taking_it_up_and_the_answer_reach_the_author_only(personas):
    complaint = complaint_file(author=personas.initiator, body="Slow", ticket=file_error(personas.initiator))
    complaint_note(complaint=complaint, actor=personas.manager, body="internal")
    complaint_take(complaint=complaint, actor=personas.manager, version=1)
    assert sent("complaint_review") == {"initiator": {"inapp"}}
    review = Notification.objects.get(event="complaint_review")
    assert review.subject.endswith(f"your complaint {complaint.number} is under review")
    assert review.body.startswith("Елена Морозова took your complaint under review. You will have the answer by")
    complaint_answer(
        complaint=complaint, actor=personas.manager, decision="rejected", answer="It was in time.", version=2
    )
    assert sent("complaint_answered") == {"initiator": {"inapp", "email"}}
    answer = Notification.objects.get(event="complaint_answered", channel="email")
    assert answer.subject.endswith(f"your complaint {complaint.number} is rejected")
    assert answer.body == "Елена Морозова answered your complaint:\n\nIt was in time."
    # Notes tell nobody; no one else heard of any of it.
    events = set(Notification.objects.filter(event__startswith="complaint").values_list("event", flat=True))
    assert events == {"complaint_filed", "complaint_review", "complaint_answered"}
    assert not Notification.objects.filter(event__startswith="complaint", recipient=personas.agent).exists()


def test_nobody_hears_of_their_own_action(personas):
    # The author is not told of their own filing, the manager not of their own taking it up.
    complaint = complaint_file(author=personas.initiator, body="Slow", kind="regulation")
    complaint_take(complaint=complaint, actor=personas.manager, version=1)
    assert (
        not Notification.objects.filter(event__startswith="complaint", recipient=personas.manager)
        .exclude(event="complaint_filed")
        .exists()
    )
    assert not Notification.objects.filter(event="complaint_filed", recipient=personas.initiator).exists()


def test_a_filing_that_fails_notifies_nobody(personas):
    ticket = file_error(personas.initiator)
    with pytest.raises(RuntimeError), transaction.atomic():
        complaint_file(author=personas.initiator, body="Slow", ticket=ticket)
        raise RuntimeError("the transaction rolls back")
    assert not Notification.objects.filter(event__startswith="complaint").exists()


def test_the_inbox_leads_to_the_complaint(personas):
    complaint = complaint_file(author=personas.initiator, body="Slow", ticket=file_error(personas.initiator))
    client = Client()
    client.force_login(personas.lead)
    html = client.get("/inbox").content.decode()
    assert f'href="/complaints/{complaint.pk}">Open the complaint</a>' in html
