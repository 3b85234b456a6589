"""On logging in a user gets one in-app summary of what awaits their reaction (requests they
execute, their own requests waiting for their answer, how many of those are past a deadline,
unread notifications): only when something awaits, and not again within 30 minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from otklik.accounts.models import GroupMembership, Role, SupportGroup, User
from otklik.notify.models import Notification
from otklik.testing.clock import set_now as when
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_assign, ticket_transition

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 3, 10, 11, 30, tzinfo=MSK)


def staff(username: str) -> User:
    user = User.objects.create(username=username, role=Role.AGENT, language="en", email=f"{username}@example.com")
    user.set_password("pw")
    user.save()
    GroupMembership.objects.create(group=SupportGroup.objects.get(code="first-line"), user=user)
    return user


def summaries(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, event="login_summary").order_by("id"))


@pytest.fixture
def duty(personas, settings):
    """An agent who executes two new requests (one past its deadline) and whose own request was
    resolved and waits for their confirmation."""
    when(settings, T0)
    p = personas
    user = staff("duty")
    for _ in range(2):
        t = file_error(p.initiator)
        ticket_assign(ticket=t, actor=p.lead, version=t.version, executor="duty")
    Ticket.objects.filter(pk=t.pk).update(sla_breached=True)
    mine = file_error(user)
    for code, comment in (("accept", None), ("start", None), ("resolve", "Done")):
        mine = ticket_transition(ticket=mine, actor=p.lead, transition_code=code, version=mine.version, comment=comment)
    return user


def test_logging_in_gives_one_summary_of_what_awaits(duty):
    unread = Notification.objects.filter(recipient=duty, channel="inapp", read_at__isnull=True).count()
    # Two assignments, three moves of their own request, and the question to rate its resolution.
    assert unread == 6
    assert Client().login(username="duty", password="pw")
    (n,) = summaries(duty)
    assert (n.channel, n.state, n.importance, n.ticket_id) == ("inapp", "pending", "normal", None)
    assert n.context == {"executing": 2, "answering": 1, "breached": 1, "unread": 6}
    assert n.subject == "what awaits your reaction"
    assert n.body.splitlines() == [
        "2 requests you execute await your reaction",
        "Requests past a deadline among them: 1",
        "1 of your requests awaits your answer",
        "Unread notifications: 6",
    ]
    assert n.link.endswith("/work")


def test_an_initiator_never_hears_of_breaches_and_is_led_to_my_requests(personas, settings):
    """The initiator's own request is past its deadline and waits for their answer: the summary
    says it waits, never that a deadline was missed (the staff's business), and links «My requests»."""
    when(settings, T0)
    p = personas
    t = file_error(p.initiator)
    for code, comment in (("accept", None), ("start", None), ("resolve", "Done")):
        t = ticket_transition(ticket=t, actor=p.lead, transition_code=code, version=t.version, comment=comment)
    Ticket.objects.filter(pk=t.pk).update(sla_breached=True)
    client = Client()
    client.force_login(p.initiator)
    (n,) = summaries(p.initiator)
    assert n.context["breached"] == 0
    assert n.link.endswith("/my")
    p.initiator.language = "ru"
    p.initiator.save(update_fields=["language"])
    page = client.get("/inbox", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "нарушенным сроком" not in page and "Из них" not in page
    assert '<a href="/my">Мои обращения</a>' in page


def test_an_old_summary_of_an_initiator_hides_its_breaches(personas):
    from django.utils import translation

    from otklik.tickets.login_summary import _summary

    with translation.override("ru"):  # whatever language an earlier test on this worker left active
        _, body = _summary({"summary": {"executing": 0, "answering": 1, "breached": 1, "unread": 0}})
    assert body.splitlines() == ["Вашего ответа ждёт 1 обращение"]


def test_nothing_awaits_nothing_is_said(personas, settings):
    when(settings, T0)
    idle = staff("idle")
    Notification.objects.create(
        event="ticket_comment", recipient=idle, channel="inapp", subject="old news", due_at=T0, created_at=T0
    )
    assert Client().login(username="idle", password="pw")
    assert summaries(idle) == []


def test_not_twice_within_half_an_hour(duty, settings):
    Client().force_login(duty)
    Client().force_login(duty)
    assert len(summaries(duty)) == 1
    when(settings, T0 + timedelta(minutes=29))
    Client().force_login(duty)
    assert len(summaries(duty)) == 1
    when(settings, T0 + timedelta(minutes=31))
    Client().force_login(duty)
    assert [n.created_at for n in summaries(duty)] == [T0, T0 + timedelta(minutes=31)]
