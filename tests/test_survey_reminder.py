"""One reminder for an unanswered survey once its reminder is due, sent by the worker exactly once;
nothing for answered or expired surveys. The question and the reminder arrive by e-mail (a real
SMTP server on loopback) with the five score links in their HTML.

Ivan (initiator) was asked to rate an Error Alexei (agent) resolved."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from otklik.accounts.models import User
from otklik.feedback.models import Survey
from otklik.feedback.surveys import survey_answer, survey_remind_due
from otklik.notify import delivery
from otklik.notify.emailurl import SMTP_BACKEND
from otklik.notify.models import Notification
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.testing.smtp import LoopbackController
from otklik.workflow import ticket_transition

MSK = ZoneInfo("Europe/Moscow")
RESOLVED = datetime(2026, 10, 28, 15, tzinfo=MSK)
DUE = RESOLVED + timedelta(days=3)  # the default reminder


def resolve(p, settings):
    set_now(settings, RESOLVED)
    t = file_error(p.initiator, subject="Payroll report")
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=p.agent, transition_code=code, version=t.version, **kw)
    return t


def reminders(ticket) -> list[Notification]:
    return list(Notification.objects.filter(ticket=ticket, event="survey_reminded").order_by("channel"))


def test_the_reminder_goes_once_when_due(personas, settings):
    t = resolve(personas, settings)
    set_now(settings, DUE - timedelta(minutes=1))
    assert survey_remind_due() == 0
    assert reminders(t) == []
    set_now(settings, DUE)
    assert survey_remind_due() == 1
    rows = reminders(t)
    assert [(n.recipient_id, n.channel) for n in rows] == [
        (personas.initiator.pk, "email"),
        (personas.initiator.pk, "inapp"),
    ]
    survey = Survey.objects.get(ticket=t)
    assert (survey.reminded_at, survey.remind_at) == (DUE, None)
    assert rows[0].link == Notification.objects.get(ticket=t, event="survey_requested", channel="email").link
    # Later passes, and the whole worker, send nothing more.
    set_now(settings, DUE + timedelta(days=1))
    assert survey_remind_due() == 0
    call_command("worker", "--once")
    assert len(reminders(t)) == 2


def test_no_reminder_for_an_answered_survey(personas, settings):
    t = resolve(personas, settings)
    set_now(settings, DUE - timedelta(hours=1))
    survey_answer(ticket=t, actor=personas.initiator, score=5)
    set_now(settings, DUE + timedelta(hours=1))
    assert survey_remind_due() == 0
    assert reminders(t) == []


def test_no_reminder_for_an_expired_survey_and_it_is_not_looked_at_again(personas, settings):
    t = resolve(personas, settings)
    survey = Survey.objects.get(ticket=t)
    set_now(settings, survey.expires_at)  # the worker was down until the link had expired
    assert survey_remind_due() == 1  # looked at once, cleared without a word
    assert reminders(t) == []
    survey.refresh_from_db()
    assert (survey.remind_at, survey.reminded_at) == (None, None)
    assert survey_remind_due() == 0


def test_the_worker_runs_the_reminders(personas, settings):
    t = resolve(personas, settings)
    set_now(settings, DUE)
    call_command("worker", "--once")
    assert len(reminders(t)) == 2


# --- the e-mails as they arrive -------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = LoopbackController(handler)
    controller.start()
    delivery.notify_deliver_due()  # what the demo queued goes to the test backend first
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.BASE_URL = "https://desk.example.org"
    yield handler
    controller.stop()


def test_the_question_and_the_reminder_arrive_with_five_score_links(personas, settings, inbox):
    User.objects.filter(pk=personas.initiator.pk).update(language="en")
    t = resolve(personas, settings)
    delivery.notify_deliver_due()
    set_now(settings, DUE)
    survey_remind_due()
    delivery.notify_deliver_due()
    mails = [m for m in inbox.messages if m["To"] == personas.initiator.email and "rate" in m["Subject"]]
    assert [m["Subject"] for m in mails] == [
        f"{t.number}: please rate how your request was handled",
        f"{t.number}: a reminder: please rate how your request was handled",
    ]
    link = Notification.objects.get(ticket=t, event="survey_requested", channel="email").link
    assert link.startswith("https://desk.example.org/feedback/")
    for mail in mails:
        text = mail.get_body(("plain",)).get_content()
        assert "«Payroll report»" in text and "until 11 Nov 2026, 15:00" in text and link in text
        html = mail.get_body(("html",)).get_content()
        assert '<html lang="en">' in html
        for n, meaning in ((1, "very dissatisfied"), (2, "dissatisfied"), (5, "very satisfied")):
            assert f'<a href="{link}?score={n}">{n} — {meaning}</a>' in html
        assert html.count("?score=") == 5
        assert f'<a href="{link}">Rate with a comment</a>' in html
