"""The calendar task in the form each person chose (notify.Schedule.task_form): a VTODO, or a VEVENT
at the deadline (desktop Outlook ignores a VTODO sent by mail), delivered to a real SMTP server on
loopback and read back with a real iCalendar parser (the `icalendar` package): one UID per request
whatever the form, SEQUENCE growing, METHOD:CANCEL with STATUS:CANCELLED, and a change of form
cancelling what the calendar holds before sending the new one."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest

icalendar = pytest.importorskip("icalendar")

from otklik.notify import delivery  # noqa: E402
from otklik.notify.models import Notification  # noqa: E402
from otklik.notify.preferences import schedule_of, schedule_set  # noqa: E402
from otklik.sla.models import Clock  # noqa: E402
from otklik.testing.clock import set_now as when  # noqa: E402
from otklik.testing.factories import file_error  # noqa: E402
from otklik.testing.smtp import LoopbackController  # noqa: E402
from otklik.tickets.models import Ticket  # noqa: E402
from otklik.workflow import ticket_assign, ticket_update  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")
T0 = dt.datetime(2026, 3, 10, 11, 30, tzinfo=MSK)  # a Tuesday, in working hours
HOST = "desk.example.org"


class Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 2.0.0 OK: queued"


@pytest.fixture
def sink(settings, personas):
    settings.BASE_URL = f"https://{HOST}"
    when(settings, T0)
    delivery.notify_deliver_due()
    handler = Sink()
    controller = LoopbackController(handler, server_hostname="sink.test")
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield handler
    controller.stop()


def deliver(sink: Sink, to: str) -> list:
    """Deliver what is due; the calendars that reached `to`, parsed, by SEQUENCE."""
    before = len(sink.messages)
    delivery.notify_deliver_due()
    out = []
    for m in sink.messages[before:]:
        if parseaddr(m["To"])[1] != to:
            continue
        calendars = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
        if not calendars:  # the ordinary e-mail about the assignment
            continue
        (part,) = calendars
        raw = part.get_payload(decode=True)
        (attachment,) = [p for p in m.iter_attachments() if p.get_filename() in ("task.ics", "event.ics")]
        assert attachment.get_payload(decode=True) == raw
        cal = icalendar.Calendar.from_ical(raw)
        assert str(cal["METHOD"]) == part.get_param("method")
        components = [c for c in cal.subcomponents if c.name in ("VTODO", "VEVENT")]
        assert len(components) == 1
        out.append((attachment.get_filename(), cal, components[0]))
    return sorted(out, key=lambda item: int(item[2]["SEQUENCE"]))


def choose(user, form: str) -> None:
    schedule_set(user_id=user.pk, quiet_start=None, quiet_end=None, digest="", digest_time=None, task_form=form)


def resolution_due(ticket: Ticket) -> dt.datetime:
    return Clock.objects.get(ticket=ticket, metric="resolution").due_at.astimezone(dt.UTC).replace(microsecond=0)


def to_agent(p) -> Ticket:
    t = file_error(p.initiator)
    return ticket_assign(ticket=t, actor=p.lead, version=t.version, executor="agent")


def test_the_default_is_the_task_a_vtodo_with_its_due(sink, personas):
    p = personas
    assert schedule_of(p.agent.pk)["task_form"] == "todo"
    t = to_agent(p)
    ((name, cal, todo),) = deliver(sink, p.agent.email)
    assert name == "task.ics" and todo.name == "VTODO" and not cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "REQUEST" and str(todo["STATUS"]) == "NEEDS-ACTION"
    assert str(todo["UID"]) == f"ticket-{t.pk}@{HOST}"
    assert todo.decoded("DUE") == resolution_due(t)


def test_an_event_at_the_deadline_is_updated_and_cancelled_under_one_uid(sink, personas):
    p = personas
    choose(p.agent, "event")
    t = to_agent(p)
    ((name, cal, event),) = deliver(sink, p.agent.email)
    assert name == "event.ics" and event.name == "VEVENT" and not cal.walk("VTODO")
    assert str(cal["METHOD"]) == "REQUEST" and str(cal["VERSION"]) == "2.0" and cal.get("PRODID")
    uid = f"ticket-{t.pk}@{HOST}"
    assert str(event["UID"]) == uid and str(event["STATUS"]) == "CONFIRMED"
    start = event.decoded("DTSTART")
    assert start == resolution_due(t) and event.decoded("DTEND") == start + dt.timedelta(minutes=30)
    assert str(event["SUMMARY"]) == f"{t.number}: Report fails"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert event.get("DTSTAMP") is not None and str(event["ORGANIZER"]).startswith("mailto:")
    assert str(event["ATTENDEE"]) == f"mailto:{p.agent.email}"
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15) and str(alarm["ACTION"]) == "DISPLAY"
    first = int(event["SEQUENCE"])

    # A new priority moves the deadline: the same event (UID) at the new time, a higher SEQUENCE.
    t = ticket_update(ticket=t, actor=p.agent, version=t.version, changes={"priority": "critical"})
    ((_, cal, moved),) = deliver(sink, p.agent.email)
    assert str(moved["UID"]) == uid and int(moved["SEQUENCE"]) == first + 1
    assert moved.decoded("DTSTART") == resolution_due(t) < start

    # Passed to someone else: the event is cancelled in the agent's calendar.
    t = ticket_assign(ticket=t, actor=p.lead, version=t.version, executor="lead")
    ((_, cal, cancelled),) = deliver(sink, p.agent.email)
    assert str(cal["METHOD"]) == "CANCEL" and cancelled.name == "VEVENT"
    assert str(cancelled["STATUS"]) == "CANCELLED" and str(cancelled["UID"]) == uid
    assert int(cancelled["SEQUENCE"]) == first + 2
    assert not cancelled.walk("VALARM")


def test_switching_the_form_cancels_the_old_one_and_sends_the_new(sink, personas):
    p = personas
    t = to_agent(p)
    ((_, _, todo),) = deliver(sink, p.agent.email)
    assert todo.name == "VTODO"
    choose(p.agent, "event")
    # Nothing is sent by the switch itself; the request's next change brings the new form.
    assert deliver(sink, p.agent.email) == []
    t = ticket_update(ticket=t, actor=p.agent, version=t.version, changes={"priority": "high"})
    (cancel, request) = deliver(sink, p.agent.email)
    assert (cancel[2].name, str(cancel[1]["METHOD"]), str(cancel[2]["STATUS"])) == ("VTODO", "CANCEL", "CANCELLED")
    assert (request[2].name, str(request[1]["METHOD"])) == ("VEVENT", "REQUEST")
    assert str(cancel[2]["UID"]) == str(request[2]["UID"]) == str(todo["UID"])
    assert int(todo["SEQUENCE"]) < int(cancel[2]["SEQUENCE"]) < int(request[2]["SEQUENCE"])
    rows = Notification.objects.filter(ticket=t, channel="task", recipient=p.agent).order_by("id")
    assert [(n.context["method"], n.context["form"]) for n in rows] == [
        ("REQUEST", "todo"),
        ("CANCEL", "todo"),
        ("REQUEST", "event"),
    ]


def test_an_unknown_form_is_refused(personas):
    from otklik.core.errors import Invalid

    with pytest.raises(Invalid) as caught:
        choose(personas.agent, "meeting")
    assert caught.value.errors[0].field == "task_form" and caught.value.errors[0].code == "not_a_choice"
