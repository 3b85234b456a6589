"""SLA clocks through a request's life, checked to the second against hand-computed deadlines.

The demo's Moscow calendar: Mon–Fri 09:00–13:00 and 14:00–18:00; Monday 9 March 2026 is a day
off (International Women's Day moved from Sunday). The demo's "requests" policy, priority
normal: first reaction 4 h, resolution 24 h, next reaction 4 h, warnings at 80 %.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.sla.models import CalendarDay, Clock
from otklik.testing.clock import set_now as when
from otklik.tickets.models import LogRecord
from otklik.workflow import ticket_comment, ticket_create, ticket_transition, ticket_update

MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hh: int, mm: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=MSK)


@pytest.fixture
def p(personas, settings):
    CalendarDay.objects.get_or_create(calendar__code="moscow", date=date(2026, 3, 9), defaults={"kind": "holiday"})
    from otklik.sla.models import Calendar

    cal = Calendar.objects.get(code="moscow")
    CalendarDay.objects.update_or_create(calendar=cal, date=date(2026, 3, 9), defaults={"kind": "holiday"})
    return personas


def clocks(ticket) -> dict[str, Clock]:
    return {c.metric: c for c in Clock.objects.filter(ticket=ticket)}


def ledger(ticket) -> list[tuple[str, str]]:
    return list(LogRecord.objects.filter(ticket=ticket, event="sla").order_by("id").values_list("field", "sla_event"))


def step(p, ticket, who, code, **kw):
    return ticket_transition(ticket=ticket, actor=getattr(p, who), transition_code=code, version=ticket.version, **kw)


def new_request(p, settings, moment):
    when(settings, moment)
    return ticket_create(
        initiator=p.initiator, type_code="request", subject="Access", category_code="access", fields={"kind": "access"}
    )


def test_deadlines_at_filing_skip_the_evening_the_holiday_and_lunch(p, settings):
    t = new_request(p, settings, at(6, 16, 30))  # Friday 16:30
    c = clocks(t)
    # 1.5 h on Friday, Monday 9 March off, 2.5 h on Tuesday.
    assert c["first_reaction"].due_at == at(10, 11, 30)
    assert c["first_reaction"].warn_at == at(10, 10, 42)  # 80 % of 4 h = 3 h 12 min
    # 1.5 h Friday + 8 h Tuesday + 8 h Wednesday + 6.5 h Thursday across lunch.
    assert c["resolution"].due_at == at(12, 16, 30)
    assert c["resolution"].warn_at == at(12, 10, 42)
    assert {m: x.state for m, x in c.items()} == {"first_reaction": "running", "resolution": "running"}
    t.refresh_from_db()
    assert t.sla_due_at == at(10, 11, 30)
    assert t.sla_next_at == at(10, 10, 42)
    assert ledger(t) == [("first_reaction", "applied"), ("resolution", "applied")]


def test_pause_resume_reject_and_priority_change(p, settings):
    t = new_request(p, settings, at(6, 16, 30))

    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    c = clocks(t)
    assert c["first_reaction"].state == "met"
    assert c["first_reaction"].stopped_at == at(10, 10)

    # Waiting for the initiator from Tuesday 15:00: 6.5 h used, the resolution clock pauses.
    when(settings, at(10, 15))
    t = step(p, t, "agent", "ask", comment="Which contract section?")
    r = clocks(t)["resolution"]
    assert (r.state, r.used, r.due_at) == ("paused", timedelta(hours=6, minutes=30), None)

    # Thursday 10:00 the initiator answers: 17.5 h left, so Monday 16 March 11:30. The deadline
    # moved by exactly the 12 working hours spent waiting (Thursday 16:30 + 12 h).
    when(settings, at(12, 10))
    t = step(p, t, "initiator", "provide", comment="Contracts, section 4")
    c = clocks(t)
    assert (c["resolution"].state, c["resolution"].due_at) == ("running", at(16, 11, 30))
    # The executor now owes an answer: 4 h from Thursday 10:00 across lunch.
    assert (c["next_reaction"].state, c["next_reaction"].due_at) == ("running", at(12, 15))

    when(settings, at(12, 11))
    ticket_comment(ticket=t, actor=p.agent, body="Granting it now")
    assert clocks(t)["next_reaction"].state == "met"

    when(settings, at(16, 10))
    t.refresh_from_db()
    t = step(p, t, "agent", "resolve", comment="Done")
    r = clocks(t)["resolution"]
    assert (r.state, r.used) == ("met", timedelta(hours=22, minutes=30))

    # A rejected resolution resumes with the time already used, never restarts: 1.5 h left.
    when(settings, at(16, 12))
    t = step(p, t, "initiator", "reject", comment="Still no access")
    c = clocks(t)
    assert (c["resolution"].state, c["resolution"].due_at) == ("running", at(16, 14, 30))
    assert (c["next_reaction"].cycle, c["next_reaction"].due_at) == (2, at(16, 17))

    # Priority lowered to low (resolution 40 h, next reaction 8 h): recomputed from the start
    # with the 22.5 h already used: 17.5 h from Monday 12:00 is Wednesday 18 March 14:30.
    when(settings, at(16, 12, 30))
    t.refresh_from_db()
    t = ticket_update(ticket=t, actor=p.agent, version=t.version, changes={"priority": "low"})
    c = clocks(t)
    assert c["resolution"].due_at == at(18, 14, 30)
    assert c["next_reaction"].due_at == at(17, 12)
    assert c["resolution"].target == timedelta(hours=40)

    events = ledger(t)
    assert events == [
        ("first_reaction", "applied"),
        ("resolution", "applied"),
        ("first_reaction", "met"),
        ("resolution", "paused"),
        ("next_reaction", "applied"),
        ("resolution", "resumed"),
        ("next_reaction", "met"),
        # The warning instant (80 %: Friday 15:42) passed with no timer worker running: the
        # resolution records it before it is met, and never again after the rejection.
        ("resolution", "warned"),
        ("resolution", "met"),
        ("next_reaction", "applied"),
        ("resolution", "resumed"),
        ("resolution", "recomputed"),
        ("next_reaction", "recomputed"),
    ]


def test_a_reaction_after_the_deadline_is_a_breach_dated_at_the_deadline(p, settings):
    t = new_request(p, settings, at(6, 16, 30))
    when(settings, at(10, 12))  # half an hour late, and no timer worker has run
    t = step(p, t, "agent", "take")
    fr = clocks(t)["first_reaction"]
    assert (fr.state, fr.breached_at) == ("breached", at(10, 11, 30))
    t.refresh_from_db()
    assert t.sla_breached is True


def test_withdrawal_cancels_the_clocks(p, settings):
    t = new_request(p, settings, at(6, 16, 30))
    when(settings, at(10, 9, 30))
    t = step(p, t, "initiator", "withdraw", comment="Not needed")
    assert {m: c.state for m, c in clocks(t).items()} == {"first_reaction": "cancelled", "resolution": "cancelled"}
    t.refresh_from_db()
    assert (t.sla_due_at, t.sla_next_at, t.sla_breached) == (None, None, False)


def test_confirmed_resolution_leaves_nothing_pending(p, settings):
    t = new_request(p, settings, at(6, 16, 30))
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    when(settings, at(10, 11))
    t = step(p, t, "agent", "resolve", comment="Done")
    when(settings, at(10, 12))
    t = step(p, t, "initiator", "confirm")
    assert clocks(t)["resolution"].state == "met"
    t.refresh_from_db()
    assert (t.is_open, t.sla_due_at, t.sla_next_at) == (False, None, None)


def test_out_of_scope_requests_get_no_clocks(p, settings):
    when(settings, at(6, 16, 30))
    t = ticket_create(
        initiator=p.initiator, type_code="error", subject="Printer", category_code="hardware", fields={"steps": "x"}
    )
    assert t.is_open is False
    assert not Clock.objects.filter(ticket=t).exists()


def test_reopening_a_closed_request_resumes_the_resolution_with_the_time_used(p, settings):
    from otklik.catalog.reference import invalidate
    from otklik.routes.models import RoutePoint, Transition

    closed = RoutePoint.objects.get(route__code="request", code="closed")
    in_work = RoutePoint.objects.get(route__code="request", code="in_work")
    Transition.objects.create(
        route=closed.route,
        code="reopen",
        label_ru="Открыть снова",
        label_en="Reopen",
        source=closed,
        target=in_work,
        by_initiator=True,
        reaction="initiator_rejected",
    )
    invalidate()
    t = new_request(p, settings, at(10, 9))  # Tuesday 09:00
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    when(settings, at(10, 11))
    t = step(p, t, "agent", "resolve", comment="Done")
    when(settings, at(10, 12))
    t = step(p, t, "initiator", "confirm")
    assert clocks(t)["resolution"].used == timedelta(hours=2)
    # Reopened the next morning at 09:00 with 2 h used: 22 h left (8 + 8 + 6), so Friday 13 March 16:00.
    when(settings, at(11, 9))
    t = step(p, t, "initiator", "reopen", comment="It broke again")
    r = clocks(t)["resolution"]
    assert (r.state, r.due_at) == ("running", at(13, 16))
    t.refresh_from_db()
    assert (t.is_open, t.sla_due_at) == (True, at(11, 13))  # the next reaction (4 h) comes first


def test_an_initiator_reply_before_any_support_reaction_owes_no_second_answer(p, settings):
    t = new_request(p, settings, at(10, 9))
    when(settings, at(10, 9, 30))
    ticket_comment(ticket=t, actor=p.initiator, body="Any news?")
    assert set(clocks(t)) == {"first_reaction", "resolution"}  # the first reaction covers it
    when(settings, at(10, 10))
    ticket_comment(ticket=t, actor=p.agent, body="Looking")
    when(settings, at(10, 10, 30))
    ticket_comment(ticket=t, actor=p.initiator, body="Thanks, and also…")
    c = clocks(t)
    assert (c["first_reaction"].state, c["next_reaction"].state) == ("met", "running")
    assert c["next_reaction"].due_at == at(10, 15, 30)  # 4 h across lunch
