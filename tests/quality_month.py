"""A scripted month for the quality tests: requests taken through the real ticket services and the SLA
timer pass under a moving clock (OTKLIK_NOW); the surveys are the ones the resolutions ask (answered
through the feedback service), the complaints are written directly with the ORM in their final
states (the rows the complaint services store).

The demo's Moscow calendar: Mon–Fri 09:00–13:00 and 14:00–18:00; Monday 9 March 2026 is a holiday
(International Women's Day moved from Sunday). Targets (working time):
errors  high   → first reaction 1 h, resolution 8 h;   normal → 4 h, 24 h (next reaction 2 h)
requests normal → first reaction 4 h, resolution 24 h, next reaction 4 h.
The groups assign new requests automatically here (the demo's do not): the first line (Alexei =
agent, Sergei = lead) has no dispatcher, so its requests start with Sergei; the second line's start
with Olga (agent2, its dispatcher).

A — Request (normal), Ivan, filed Fri 6 Mar 16:30.
    Tue 10 Mar 10:00 Alexei takes it: first reaction 1.5 h Friday + 1 h Tuesday (the 9th is a
    holiday) = 2.5 h = 9,000 s, met. Tue 15:00 he asks Ivan (the resolution clock pauses at 6.5 h);
    Thu 12 Mar 10:00 Ivan answers (next reaction cycle 1, due 15:00); Thu 11:00 Alexei replies:
    met. Mon 16 Mar 10:00 resolved at 22.5 h: met. Mon 12:00 Ivan rejects it (a reopen; 1.5 h
    left, due 14:30; next reaction cycle 2 due 17:00). Tue 17 Mar 10:00 resolved again: 28.5 h =
    102,600 s, the resolution breached at Mon 16 Mar 14:30 and the next reaction (cycle 2) at
    17:00. It stays resolved, unconfirmed (open).
B — Error (high), Ivan, filed Wed 18 Mar 09:00, with Sergei. The timer pass at 10:30 records the
    first-reaction breach at 10:00; Sergei accepts at 11:00 (2 h = 7,200 s, late). 11:30 he hands
    it to Alexei (the assignment), 14:00 Alexei starts, 15:00 Sergei takes it back (a
    reassignment). Thu 19 Mar 11:00 Sergei resolves: 8 h Wednesday + 2 h = 36,000 s, breached at
    Wed 18:00. Fri 20 Mar 10:00 Ivan confirms (closed).
C — Request (normal), Ivan, filed Tue 31 Mar 17:00; Wed 1 Apr 10:00 Alexei takes it (first reaction
    1 h + 1 h = 7,200 s, met, in April). Open.
D — Error (normal, payroll: second line), Ivan, filed Fri 27 Feb 12:00 with Olga; she accepts at
    13:30 (1 h = 3,600 s, met, in February), starts at 14:00, resolves Mon 2 Mar 12:00 (5 h + 3 h =
    28,800 s, met); Ivan confirms at 15:00.
E — Request (normal), Maria, filed Fri 20 Mar 09:00, withdrawn 09:30 (no target settled).

Whose figures (each measure its own, quality.facts): every first-line request is filed with Sergei,
so A, B, C, E are received by Sergei; A's and C's first reactions are Alexei's (he takes them), B's
Sergei's (he accepts it); A is resolved by Alexei (both times: first resolved, reopened and resolved
his), B by Sergei; B's reassignment is the first line's alone (no person's); A's next-reaction
cycles are Alexei's (his when answered and at the deadline); A and C are in Alexei's backlog (he
holds them now); D is Olga's throughout. A breach counts for whoever held the request at its
deadline: A's resolution breach (Mon 14:30) is Alexei's, B's first-reaction (Wed 10:00) and
resolution (Wed 18:00) breaches Sergei's — here the same people who reacted and resolved, so that
rule changes none of this month's figures (tests/test_quality_breach_attribution.py has a request
where they differ).

Surveys (asked when first resolved): A (Alexei, first line) answered 2; B (Sergei, first line)
unanswered; D (Olga, second line) answered 5. Complaints: on B (Sergei) upheld, on A (Alexei)
rejected, one about the regulation (no request, no group) filed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from otklik.accounts.directory import invalidate as directory_invalidate
from otklik.accounts.models import SupportGroup
from otklik.complaints.models import Complaint, ComplaintKind
from otklik.feedback.models import Survey
from otklik.feedback.surveys import survey_answer
from otklik.quality.refresh import facts_refresh_all
from otklik.sla.models import Calendar, CalendarDay
from otklik.sla.timers import sla_timers_pass
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.testing.personas import Personas, load_personas
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_assign, ticket_comment, ticket_create, ticket_transition

MSK = ZoneInfo("Europe/Moscow")


def at(month: int, day: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hh, mm, tzinfo=MSK)


@dataclass
class Month:
    p: Personas
    a: Ticket
    b: Ticket
    c: Ticket
    d: Ticket
    e: Ticket


def rate(settings: Any, ticket: Ticket, moment: dt.datetime, score: int, *, executor: Any, asked: dt.datetime) -> None:
    """The initiator answers the survey the resolution asked (checked: asked then, of that executor)."""
    found = Survey.objects.get(ticket_id=ticket.pk)
    assert (found.asked_at, found.executor_id) == (asked, executor.pk)
    set_now(settings, moment)
    ticket.refresh_from_db()
    survey_answer(ticket=ticket, actor=ticket.initiator, score=score)


def complaint(
    ticket: Ticket | None, *, author: Any, executor: Any, filed: dt.datetime, state: str, group_id: int | None = None
) -> Complaint:
    return Complaint.objects.create(
        kind=ComplaintKind.REQUEST if ticket is not None else ComplaintKind.REGULATION,
        ticket=ticket,
        author=author,
        group_id=ticket.group_id if ticket is not None else group_id,
        executor=executor,
        body="Not good enough",
        state=state,
        filed_at=filed,
    )


def _move(p: Personas, settings: Any, ticket: Ticket, moment: dt.datetime, who: str, code: str, **kw: Any) -> Ticket:
    set_now(settings, moment)
    ticket.refresh_from_db()
    return ticket_transition(ticket=ticket, actor=getattr(p, who), transition_code=code, version=ticket.version, **kw)


def _request(p: Personas, settings: Any, moment: dt.datetime, who: str = "initiator") -> Ticket:
    set_now(settings, moment)
    who_files = getattr(p, who)
    return ticket_create(
        initiator=who_files, type_code="request", subject="Access", category_code="access", fields={"kind": "access"}
    )


def build_month(settings: Any) -> Month:
    # The demo (and its three sample requests) "in June": after every moment used here.
    set_now(settings, dt.datetime(2026, 6, 1, 10, tzinfo=MSK))
    p = load_personas()
    # This month is told of an organisation whose groups hand new requests to their dispatcher (the
    # first line's lead, the second line's Olga), unlike the demo's, which leave them in the queue.
    SupportGroup.objects.update(auto_assign=True)
    directory_invalidate()
    cal = Calendar.objects.get(code="moscow")
    CalendarDay.objects.update_or_create(calendar=cal, date=dt.date(2026, 3, 9), defaults={"kind": "holiday"})

    # D: February into March, second line.
    set_now(settings, at(2, 27, 12))
    d = file_error(p.initiator, subject="Payroll", category_code="accounting-payroll", priority_code="normal")
    d = _move(p, settings, d, at(2, 27, 13, 30), "agent2", "accept")
    d = _move(p, settings, d, at(2, 27, 14), "agent2", "start")
    d = _move(p, settings, d, at(3, 2, 12), "agent2", "resolve", comment="Fixed")
    rate(settings, d, at(3, 2, 13), 5, executor=p.agent2, asked=at(3, 2, 12))
    d = _move(p, settings, d, at(3, 2, 15), "initiator", "confirm")

    # A: the holiday, a pause, a reopen.
    a = _request(p, settings, at(3, 6, 16, 30))
    a = _move(p, settings, a, at(3, 10, 10), "agent", "take")
    a = _move(p, settings, a, at(3, 10, 15), "agent", "ask", comment="Which section?")
    a = _move(p, settings, a, at(3, 12, 10), "initiator", "provide", comment="Section 4")
    set_now(settings, at(3, 12, 11))
    a.refresh_from_db()
    ticket_comment(ticket=a, actor=p.agent, body="Granting it now")
    a = _move(p, settings, a, at(3, 16, 10), "agent", "resolve", comment="Done")
    rate(settings, a, at(3, 16, 11), 2, executor=p.agent, asked=at(3, 16, 10))
    a = _move(p, settings, a, at(3, 16, 12), "initiator", "reject", comment="Still no access")
    set_now(settings, at(3, 16, 17, 30))
    sla_timers_pass()
    a = _move(p, settings, a, at(3, 17, 10), "agent", "resolve", comment="Done, really")

    # B: a late first reaction, a hand-over and back, a late resolution.
    set_now(settings, at(3, 18, 9))
    b = file_error(p.initiator, subject="Report fails", priority_code="high")
    set_now(settings, at(3, 18, 10, 30))
    sla_timers_pass()
    b = _move(p, settings, b, at(3, 18, 11), "lead", "accept")
    set_now(settings, at(3, 18, 11, 30))
    b.refresh_from_db()
    b = ticket_assign(ticket=b, actor=p.lead, version=b.version, executor="agent")
    b = _move(p, settings, b, at(3, 18, 14), "agent", "start")
    set_now(settings, at(3, 18, 15))
    b.refresh_from_db()
    b = ticket_assign(ticket=b, actor=p.lead, version=b.version, executor="lead")
    b = _move(p, settings, b, at(3, 19, 11), "lead", "resolve", comment="Fixed")
    b = _move(p, settings, b, at(3, 20, 10), "initiator", "confirm")

    # E: withdrawn at once.
    e = _request(p, settings, at(3, 20, 9), who="initiator2")
    e = _move(p, settings, e, at(3, 20, 9, 30), "initiator2", "withdraw")

    # C: across the end of March.
    c = _request(p, settings, at(3, 31, 17))
    c = _move(p, settings, c, at(4, 1, 10), "agent", "take")

    assert Survey.objects.filter(ticket_id=b.pk, asked_at=at(3, 19, 11), executor=p.lead, score=None).exists()
    complaint(b, author=p.initiator, executor=p.lead, filed=at(3, 20, 12), state="upheld")
    complaint(a, author=p.initiator, executor=p.agent, filed=at(3, 25, 12), state="rejected")
    complaint(None, author=p.initiator2, executor=None, filed=at(3, 26, 12), state="filed")

    set_now(settings, at(4, 2, 12))
    facts_refresh_all()
    return Month(p, *(Ticket.objects.get(pk=t.pk) for t in (a, b, c, d, e)))
