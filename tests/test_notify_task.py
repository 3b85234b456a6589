"""The `task` channel: the executor's calendar task (an iCalendar VTODO by e-mail) delivered to a real
SMTP server on loopback and read back: one UID per request, SEQUENCE growing, DUE the resolution
deadline, CANCEL on close and to the old executor on reassignment, nothing when nothing shown
changed, nothing left by a rolled-back change; folding and escaping by the octet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from otklik.notify import delivery
from otklik.notify.channels.task import escape_text, fold
from otklik.notify.models import Notification
from otklik.notify.preferences import preferences_set
from otklik.sla.calendar_tasks import task_sync
from otklik.sla.models import Clock
from otklik.testing.clock import set_now as when
from otklik.testing.factories import file_error
from otklik.testing.smtp import LoopbackController
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_assign, ticket_comment, ticket_transition, ticket_update

MSK = ZoneInfo("Europe/Moscow")
T0 = dt.datetime(2026, 3, 10, 11, 30, tzinfo=MSK)  # a Tuesday, in working hours
HOST = "desk.example.org"


class Sink:
    """Accepts everything; keeps the messages and counts connections (one EHLO each)."""

    def __init__(self) -> None:
        self.connections = 0
        self.messages: list[EmailMessage] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 2.0.0 OK: queued"


@dataclass
class Task:
    """One received task message: the e-mail, its calendar object as sent, parsed."""

    message: EmailMessage
    raw: bytes
    method: str = ""
    props: dict[str, str] = field(default_factory=dict)  # the VTODO's properties, values unescaped
    lines: dict[str, str] = field(default_factory=dict)  # the same, as written (unfolded, escaped)

    @property
    def to(self) -> str:
        return self.message["To"]

    def due(self) -> dt.datetime | None:
        value = self.props.get("DUE")
        return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC) if value else None


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append({"n": "\n", "N": "\n"}.get(value[i + 1], value[i + 1]))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse(raw: bytes, message: EmailMessage) -> Task:
    """A strict reading: CRLF everywhere, no line over 75 octets, each line whole UTF-8."""
    assert raw.endswith(b"\r\n")
    physical = raw[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never splits a character
    unfolded: list[str] = []
    for line in (p.decode("utf-8") for p in physical):
        if line.startswith(" "):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    task = Task(message, raw)
    stack: list[str] = []
    for line in unfolded:
        quoted, colon = False, -1
        for i, char in enumerate(line):  # the first colon outside a quoted parameter value
            if char == '"':
                quoted = not quoted
            elif char == ":" and not quoted:
                colon = i
                break
        head, value = line[:colon], line[colon + 1 :]
        name = head.split(";", 1)[0]
        if name == "BEGIN":
            stack.append(value)
        elif name == "END":
            assert stack.pop() == value
        elif stack == ["VCALENDAR"] and name == "METHOD":
            task.method = value
        elif stack == ["VCALENDAR", "VTODO"]:
            task.lines[name] = line
            task.props[name] = unescape(value)
    assert stack == []
    return task


def tasks_in(sink: Sink) -> list[Task]:
    out = []
    for m in sink.messages:
        calendars = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
        if not calendars:
            continue
        (part,) = calendars
        raw = part.get_payload(decode=True)
        (attachment,) = [p for p in m.iter_attachments() if p.get_filename() == "task.ics"]
        assert attachment.get_payload(decode=True) == raw  # the .ics is the same object
        task = parse(raw, m)
        assert part.get_param("method") == task.method
        out.append(task)
    return out


@pytest.fixture
def sink(settings, personas, dispatching):
    """A real SMTP server; what the demo queued before goes to the locmem backend first."""
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


def deliver(sink: Sink) -> list[Task]:
    """Deliver what is due; the task messages that arrived, in order."""
    before = len(sink.messages)
    delivery.notify_deliver_due()
    # Everything the test queued went (the demo's requests were filed at the real time, later).
    assert not Notification.objects.filter(channel="task", created_at__lte=T0).exclude(state="delivered").exists()
    new = Sink()
    new.messages = sink.messages[before:]
    return sorted(tasks_in(new), key=lambda t: int(t.props["SEQUENCE"]))


def resolution_due(ticket: Ticket) -> dt.datetime:
    due = Clock.objects.get(ticket=ticket, metric="resolution").due_at
    return due.astimezone(dt.UTC).replace(microsecond=0)


def task_rows(ticket: Ticket) -> list[tuple[str, int, str]]:
    rows = Notification.objects.filter(ticket=ticket, channel="task").order_by("id")
    return [(n.recipient.username, n.context["sequence"], n.context["method"]) for n in rows]


def step(p, ticket: Ticket, who: str, code: str, **kw) -> Ticket:
    return ticket_transition(ticket=ticket, actor=getattr(p, who), transition_code=code, version=ticket.version, **kw)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# --- a request's life in its executor's calendar ----------------------------------------------


def test_the_new_requests_executor_gets_the_task_with_the_resolution_deadline(sink, personas, settings):
    p = personas
    t = file_error(p.initiator, priority_code="high")
    assert t.executor_id == p.lead.pk  # the first line has no dispatcher: its lead

    (task,) = deliver(sink)
    n = Notification.objects.get(ticket=t, channel="task")
    m = task.message
    assert task.to == p.lead.email
    assert m["Message-ID"] == f"<{n.key}@{HOST}>"
    assert m["In-Reply-To"] == m["References"] == f"<ticket-{t.pk}@{HOST}>"
    assert "Вы исполнитель этого обращения." in m.get_body(("plain",)).get_content()  # in the lead's language
    assert task.method == "REQUEST"
    props = task.props
    assert props["UID"] == f"ticket-{t.pk}@{HOST}"
    assert (props["SEQUENCE"], props["STATUS"], props["PRIORITY"]) == ("0", "NEEDS-ACTION", "3")
    assert props["SUMMARY"] == f"{t.number}: Report fails"
    assert props["DTSTAMP"] == n.created_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert props["URL"] == f"https://{HOST}/requests/{t.number}"
    assert props["URL"] in props["DESCRIPTION"] and "Вы исполнитель" in props["DESCRIPTION"]
    assert props["ORGANIZER"] == "mailto:" + settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">")
    assert props["ATTENDEE"] == f"mailto:{p.lead.email}"
    assert 'CN="Сергей Волков"' in task.lines["ATTENDEE"]
    # DUE is the resolution deadline; the request's nearest deadline is the first reaction's for now.
    assert task.due() == resolution_due(t)
    assert t.sla_due_at is not None and t.sla_due_at < task.due()


def test_updates_keep_the_uid_and_raise_the_sequence_and_a_close_cancels(sink, personas):
    p = personas
    t = file_error(p.initiator)
    (created,) = deliver(sink)

    t = step(p, t, "agent", "accept")  # the agent takes it: the lead's task goes to the agent
    cancel, request = deliver(sink)
    assert (cancel.to, cancel.method, cancel.props["STATUS"]) == (p.lead.email, "CANCEL", "CANCELLED")
    assert (request.to, request.method, request.props["STATUS"]) == (p.agent.email, "REQUEST", "NEEDS-ACTION")
    # The first reaction is given: the request's next deadline is now the resolution's, the task's.
    assert request.due() == fresh(t).sla_due_at.astimezone(dt.UTC).replace(microsecond=0) == resolution_due(t)

    t = ticket_update(ticket=t, actor=p.agent, version=t.version, changes={"priority": "critical"})
    (raised,) = deliver(sink)  # a new priority and the deadline it brings: one update, not two
    assert raised.props["PRIORITY"] == "1"
    assert raised.due() == resolution_due(t) < request.due()

    t = step(p, t, "agent", "start")  # nothing the task shows changes
    t = step(p, t, "agent", "resolve", comment="Исправлено")
    assert deliver(sink) == []

    t = step(p, t, "initiator", "confirm")
    (closed,) = deliver(sink)
    assert (closed.to, closed.method, closed.props["STATUS"]) == (p.agent.email, "CANCEL", "CANCELLED")

    sent = [created, cancel, request, raised, closed]
    assert {s.props["UID"] for s in sent} == {f"ticket-{t.pk}@{HOST}"}
    assert [int(s.props["SEQUENCE"]) for s in sent] == [0, 1, 2, 3, 4]
    assert task_rows(t) == [
        ("lead", 0, "REQUEST"),
        ("lead", 1, "CANCEL"),
        ("agent", 2, "REQUEST"),
        ("agent", 3, "REQUEST"),
        ("agent", 4, "CANCEL"),
    ]


def test_reassignment_cancels_the_old_executors_task_and_sends_the_new_one(sink, personas):
    p = personas
    t = file_error(p.initiator)
    deliver(sink)
    t = ticket_assign(ticket=t, actor=p.lead, version=t.version, executor="agent")
    cancel, request = deliver(sink)
    assert (cancel.to, cancel.method, cancel.props["SEQUENCE"]) == (p.lead.email, "CANCEL", "1")
    assert (request.to, request.method, request.props["SEQUENCE"]) == (p.agent.email, "REQUEST", "2")
    assert cancel.props["UID"] == request.props["UID"]
    assert cancel.props["SUMMARY"] == request.props["SUMMARY"] == f"{t.number}: Report fails"
    assert "больше не исполнитель" in cancel.props["DESCRIPTION"]


def test_nothing_is_sent_twice_when_nothing_shown_changed(sink, personas):
    p = personas
    t = step(p, file_error(p.initiator), "agent", "accept")
    deliver(sink)
    shown = task_rows(t)
    task_sync(t)
    task_sync(t)
    # The initiator's reply starts the executor's next-reaction clock: the request's nearest
    # deadline moves, the resolution deadline (the task's) does not.
    before = fresh(t).sla_due_at
    ticket_comment(ticket=t, actor=p.initiator, body="Добавил скриншот")
    t = fresh(t)
    assert t.sla_due_at != before
    t = step(p, t, "agent", "start")
    assert deliver(sink) == []
    assert task_rows(t) == shown == [("lead", 0, "REQUEST"), ("lead", 1, "CANCEL"), ("agent", 2, "REQUEST")]


def test_a_rolled_back_transition_leaves_no_task_row(sink, personas, monkeypatch):
    p = personas
    t = file_error(p.initiator)
    deliver(sink)

    def fail(*args, **kwargs):
        raise RuntimeError("the notification step failed")

    # After the task rows were written in the same transaction (task_sync runs before it).
    monkeypatch.setattr("otklik.tickets.notices.on_transition", fail)
    with pytest.raises(RuntimeError):
        step(p, t, "agent", "accept")
    assert task_rows(t) == [("lead", 0, "REQUEST")]
    assert fresh(t).executor_id == p.lead.pk
    monkeypatch.undo()

    step(p, fresh(t), "agent", "accept")
    assert task_rows(t) == [("lead", 0, "REQUEST"), ("lead", 1, "CANCEL"), ("agent", 2, "REQUEST")]


def test_no_task_for_someone_who_switched_tasks_off_and_a_cancel_once_they_do(sink, personas):
    p = personas
    preferences_set(user_id=p.lead.pk, choices=[("task", "task", False)])
    t = file_error(p.initiator)
    assert task_rows(t) == []

    preferences_set(user_id=p.lead.pk, choices=[("task", "task", True)])
    other = file_error(p.initiator)
    deliver(sink)
    preferences_set(user_id=p.lead.pk, choices=[("task", "task", False)])
    ticket_update(ticket=other, actor=p.lead, version=other.version, changes={"subject": "Отчёт не строится"})
    (cancel,) = deliver(sink)
    assert (cancel.to, cancel.method) == (p.lead.email, "CANCEL")


def test_tasks_and_e_mails_of_a_batch_share_one_connection(sink, personas):
    p = personas
    file_error(p.initiator)
    assert Notification.objects.filter(state="pending", channel="email").exists()
    assert len(deliver(sink)) == 1
    assert len(sink.messages) > 1 and sink.connections == 1


def test_long_cyrillic_text_is_folded_by_the_octet_and_special_characters_escaped(sink, personas):
    p = personas
    subject = "Отчёт «Зарплата; премии, налоги» не строится: путь C:\\Отчёты\\2026 — ошибка " * 2
    t = file_error(p.initiator, subject=subject.strip())
    (task,) = deliver(sink)
    summary = f"{t.number}: {t.subject}"
    assert task.props["SUMMARY"] == summary
    assert task.lines["SUMMARY"] == "SUMMARY:" + summary.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    assert b"\r\n " in task.raw  # folded (each physical line ≤ 75 octets, whole characters: see parse)
    assert "\\n" in task.lines["DESCRIPTION"] and "\n" in task.props["DESCRIPTION"]


def test_fold_and_escape():
    assert escape_text('a\\b;c,d\r\ne\rf\ng"h\x07') == 'a\\\\b\\;c\\,d\\ne\\nf\\ng"h'
    assert fold("X" * 75) == "X" * 75
    assert fold("X" * 76) == "X" * 75 + "\r\n X"
    # "Ж" is two octets: 37 of them after "S:" make 76 octets; the 38th must not be split.
    line = "S:" + "Ж" * 80
    pieces = fold(line).split("\r\n")
    assert "".join(p.removeprefix(" ") if i else p for i, p in enumerate(pieces)) == line
    assert [len(p.encode()) for p in pieces] == [74, 75, 15]
    assert all(p.startswith(" ") for p in pieces[1:])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_filed_outside_a_transaction_carries_its_task_in_the_same_batch(settings):
    """PostgreSQL's path for ticket_create: the request, its log and its outbox in one statement batch."""
    from django.db import connection

    from otklik.testing.personas import load_personas

    settings.BASE_URL = f"https://{HOST}"
    from otklik.accounts.directory import invalidate
    from otklik.accounts.models import SupportGroup

    p = load_personas()
    SupportGroup.objects.update(auto_assign=True)  # the new request goes to the lead, who gets the task
    invalidate()
    assert not connection.in_atomic_block
    t = file_error(p.initiator)
    n = Notification.objects.get(ticket=t, channel="task")
    assert (n.recipient_id, n.context["method"], n.context["sequence"]) == (p.lead.pk, "REQUEST", 0)
    assert n.context["uid"] == f"ticket-{t.pk}@{HOST}"
    assert n.context["due"] == resolution_due(t).isoformat()


def test_an_escalation_moves_the_task_to_the_new_executor_and_a_missed_deadline_stays_on_it(db, request, settings):
    from otklik.accounts.models import SupportGroup
    from otklik.catalog.models import Priority
    from otklik.sla import timers
    from otklik.sla.models import EscalationRule, Policy

    def at(day: int, hh: int) -> dt.datetime:
        return dt.datetime(2026, 4, day, hh, tzinfo=MSK)

    when(settings, dt.datetime(2026, 6, 1, 10, tzinfo=MSK))  # the demo's requests fall due long after
    p = request.getfixturevalue("dispatching")  # new requests (and escalated ones) to the dispatcher
    when(settings, at(6, 9))
    EscalationRule.objects.create(
        policy=Policy.objects.get(code="errors"),
        metric="first_reaction",
        trigger="breach",
        level=1,
        reassign_group=SupportGroup.objects.get(code="second-line"),
        raise_priority_to=Priority.objects.get(code="high"),
    )
    t = file_error(p.initiator)
    when(settings, at(6, 13))
    timers.sla_timers_pass()
    t = fresh(t)
    assert t.executor_id == p.agent2.pk
    assert task_rows(t) == [("lead", 0, "REQUEST"), ("lead", 1, "CANCEL"), ("agent2", 2, "REQUEST")]
    last = Notification.objects.filter(ticket=t, channel="task").latest("id").context
    assert (last["priority"], last["due"]) == ("high", resolution_due(t).isoformat())

    when(settings, resolution_due(t) + dt.timedelta(minutes=1))
    timers.sla_timers_pass()
    t = fresh(t)
    assert Clock.objects.get(ticket=t, metric="resolution").state == "breached"
    assert t.sla_due_at != resolution_due(t)  # the request's next deadline no longer is this one
    assert len(task_rows(t)) == 3  # the task keeps the deadline it missed
