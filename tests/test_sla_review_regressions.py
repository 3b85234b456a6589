"""Regressions found by reviewing the SLA clocks: each test reproduces a case that once went wrong
(a missed deadline hidden by a pause or a withdrawal, time re-measured in a new calendar, a met
deadline wiped, clocks that never came back, a stale request in a reply, a breach forgotten, a
warning fired twice, a preview that overflowed). Demo "requests" policy, normal priority: first
reaction 4 h, resolution 24 h, next reaction 4 h; Moscow calendar, 9 March 2026 off."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.sla.models import Calendar, CalendarDay, Clock, Policy, Target
from otklik.sla.timers import sla_timers_pass
from otklik.testing.clock import set_now as when
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_assign, ticket_comment, ticket_create, ticket_transition, ticket_update

MSK = ZoneInfo("Europe/Moscow")


def at(day, hh, mm=0, month=3):
    return datetime(2026, month, day, hh, mm, tzinfo=MSK)


@pytest.fixture
def p(personas, settings):
    cal = Calendar.objects.get(code="moscow")
    CalendarDay.objects.update_or_create(calendar=cal, date=date(2026, 3, 9), defaults={"kind": "holiday"})
    return personas


def clocks(t):
    return {c.metric: c for c in Clock.objects.filter(ticket_id=t.pk)}


def ledger(t):
    return list(LogRecord.objects.filter(ticket_id=t.pk, event="sla").order_by("id").values_list("field", "sla_event"))


def step(p, t, who, code, **kw):
    t = Ticket.objects.get(pk=t.pk)
    return ticket_transition(ticket=t, actor=getattr(p, who), transition_code=code, version=t.version, **kw)


def new_request(p, settings, m, **kw):
    when(settings, m)
    args = dict(
        initiator=p.initiator, type_code="request", subject="Access", category_code="access", fields={"kind": "access"}
    )
    args.update(kw)
    return ticket_create(**args)


def fresh(t):
    return Ticket.objects.get(pk=t.pk)


# A: pausing after a missed deadline (worker not yet run) hides the breach and re-dates it.
def test_A_pause_after_missed_deadline(p, settings):
    t = new_request(p, settings, at(10, 9))  # Tue; resolution 24h -> Thu 12 18:00
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    assert clocks(t)["resolution"].due_at == at(12, 18)
    when(settings, at(13, 10))
    t = step(p, t, "agent", "ask", comment="?")  # Fri 10:00, 1h late
    r = clocks(t)["resolution"]
    # Recorded at the pause, dated at the deadline, visible to the `breached` filter while paused.
    assert (r.state, r.breached_at) == ("breached", at(12, 18))
    assert fresh(t).sla_breached
    when(settings, at(16, 10))
    t = step(p, t, "initiator", "provide", comment="x")
    r = clocks(t)["resolution"]
    when(settings, at(16, 11))
    sla_timers_pass()
    r = clocks(t)["resolution"]
    assert r.breached_at == at(12, 18)


def test_H_withdraw_after_missed_deadline(p, settings):
    t = new_request(p, settings, at(10, 9))  # FR 4h due 13:00
    when(settings, at(10, 15))
    t = step(p, t, "initiator", "withdraw", comment="x")
    c = clocks(t)
    assert c["first_reaction"].state == "breached"


# B: group change to a group with another calendar re-measures the time already spent.
def test_B_group_change_calendar(p, settings):
    from otklik.accounts.models import SupportGroup

    Policy.objects.update(calendar=None)
    c24 = Calendar.objects.create(
        code="c24",
        name_ru="24",
        name_en="24",
        time_zone="Europe/Moscow",
        week={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    SupportGroup.objects.filter(code="second-line").update(calendar=c24)
    t = new_request(p, settings, at(6, 17))  # Fri 17:00 moscow
    when(settings, at(10, 10))  # Tue 10:00: moscow used = 1h Fri + 1h Tue = 2h
    t = fresh(t)
    ticket_assign(ticket=t, actor=p.manager, version=t.version, group_code="second-line")
    r = clocks(t)["resolution"]
    # expected: 2 h used, 22 h left on 24x7 from Tue 10:00 -> Wed 11 08:00
    assert r.due_at == at(11, 8)


# C: recompute of a MET resolution (resolved, still open) wipes the met deadline and logs "recomputed".
def test_C_met_resolution_recompute(p, settings):
    t = new_request(p, settings, at(10, 9))
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    when(settings, at(10, 11))
    t = step(p, t, "agent", "resolve", comment="done")
    r = clocks(t)["resolution"]
    before = r.due_at
    when(settings, at(10, 12))
    t = fresh(t)
    ticket_update(ticket=t, actor=p.agent, version=t.version, changes={"priority": "high"})
    r = clocks(t)["resolution"]
    assert r.due_at == before


# D: cancelled clocks are never revived when the priority comes back.
def test_D_cancelled_never_revived(p, settings):

    Target.objects.filter(policy__code="requests", priority__code="low").delete()
    t = new_request(p, settings, at(10, 9))
    when(settings, at(10, 10))
    t = fresh(t)
    t = ticket_update(ticket=t, actor=p.agent, version=t.version, changes={"priority": "low"})
    when(settings, at(10, 11))
    t = fresh(t)
    t = ticket_update(ticket=t, actor=p.agent, version=t.version, changes={"priority": "normal"})
    c = clocks(t)
    assert c["resolution"].state == "running"


# T: a request with no clocks that gets a policy later, while at a stopped (resolved) point.
def test_T_late_apply_at_resolved_point(p, settings):
    Target.objects.filter(policy__code="requests", priority__code="low").delete()
    t = new_request(p, settings, at(10, 9), priority_code="low")
    assert not clocks(t)
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    when(settings, at(10, 11))
    t = step(p, t, "agent", "resolve", comment="done")
    when(settings, at(10, 12))
    t = fresh(t)
    ticket_update(ticket=t, actor=p.agent, version=t.version, changes={"priority": "normal"})
    c = clocks(t)
    assert c["resolution"].state != "running"


# E: a next-reaction cycle after a policy change still uses the old policy's target.
def test_E_next_reaction_old_policy(p, settings):
    from otklik.catalog.models import Category, Priority

    vip = Policy.objects.create(
        code="vip", name_ru="v", name_en="v", order=1, calendar=Calendar.objects.get(code="moscow")
    )
    vip.categories.set([Category.objects.get(code="email")])
    normal = Priority.objects.get(code="normal")
    for m, mins in (("first_reaction", 60), ("resolution", 600), ("next_reaction", 30)):
        Target.objects.create(policy=vip, priority=normal, metric=m, minutes=mins, warning_percent=80)
    t = new_request(p, settings, at(10, 9))
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    when(settings, at(10, 10, 10))
    t = step(p, t, "agent", "ask", comment="?")
    when(settings, at(10, 10, 20))
    t = step(p, t, "initiator", "provide", comment="x")
    when(settings, at(10, 10, 30))
    ticket_comment(ticket=fresh(t), actor=p.agent, body="ok")
    assert clocks(t)["next_reaction"].state == "met"
    when(settings, at(10, 11))
    t = fresh(t)
    ticket_update(ticket=t, actor=p.agent, version=t.version, changes={"category": "email"})
    when(settings, at(10, 11, 30))
    ticket_comment(ticket=fresh(t), actor=p.initiator, body="more")
    nr = clocks(t)["next_reaction"]
    assert nr.target == timedelta(minutes=30)


# F: a stale ticket in ticket_comment starts a next-reaction clock on a closed request.
def test_F_comment_on_concurrently_closed(p, settings):
    t = new_request(p, settings, at(10, 9))
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    when(settings, at(10, 11))
    t = step(p, t, "agent", "resolve", comment="done")
    stale = fresh(t)  # the comment request loaded the ticket ...
    when(settings, at(10, 12))
    step(p, t, "initiator", "confirm")  # ... then it was closed
    ticket_comment(ticket=stale, actor=p.initiator, body="thanks")
    c = clocks(t)
    tt = fresh(t)
    assert (tt.is_open, tt.sla_next_at) == (False, None)
    when(settings, at(11, 12))
    sla_timers_pass()
    assert "next_reaction" not in c or c["next_reaction"].state != "running"


# TT: a breached next-reaction cycle disappears from sla_breached when the next cycle starts.
def test_TT_breach_forgotten_on_restart(p, settings):
    t = new_request(p, settings, at(10, 9))
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    when(settings, at(10, 10, 30))
    ticket_comment(ticket=fresh(t), actor=p.initiator, body="hello")  # NR 4h -> 15:30
    when(settings, at(10, 16))
    sla_timers_pass()
    assert clocks(t)["next_reaction"].state == "breached"
    assert fresh(t).sla_breached
    when(settings, at(10, 16, 10))
    ticket_comment(ticket=fresh(t), actor=p.agent, body="sorry")
    when(settings, at(10, 16, 20))
    ticket_comment(ticket=fresh(t), actor=p.initiator, body="again")
    tt = fresh(t)
    assert tt.sla_breached


def test_W_warning_refires_after_priority_round_trip(p, settings):
    t = new_request(p, settings, at(10, 9))  # FR normal 4h, warn 80% -> 12:12
    when(settings, at(10, 12, 15))
    sla_timers_pass()
    assert clocks(t)["first_reaction"].warned_at == at(10, 12, 12)
    when(settings, at(10, 12, 20))
    tt = fresh(t)
    ticket_update(ticket=tt, actor=p.agent, version=tt.version, changes={"priority": "low"})
    when(settings, at(10, 12, 30))
    tt = fresh(t)
    ticket_update(ticket=tt, actor=p.agent, version=tt.version, changes={"priority": "normal"})
    fr = clocks(t)["first_reaction"]
    assert (fr.warn_at, fr.warned_at) == (at(10, 12, 12), at(10, 12, 12))  # back where it was: warned
    when(settings, at(10, 12, 31))
    sla_timers_pass()
    ev = [e for e in ledger(t) if e[0] == "first_reaction"]
    assert ev.count(("first_reaction", "warned")) == 1


@pytest.mark.parametrize(
    "start", ["9999-12-31T23:00:00%2B00:00", "0001-01-01T00:00:00%2B03:00", "0001-01-01T00:00:00", "0100-06-01T00:00"]
)
def test_preview_refuses_a_start_far_from_now(api, personas, start):
    # Once a 500 (overflow) or seconds of CPU and hundreds of MB (a calendar tabulated over centuries).
    r = api("initiator").get(f"/sla/preview?type=error&priority=high&start={start}")
    assert r.status_code == 422, r.content
    assert r.json()["errors"][0]["field"] == "start"


@pytest.mark.parametrize("query", ["breached=maybe", "at_risk=maybe"])
def test_list_filters_refuse_non_booleans(api, personas, query):
    assert api("agent").get(f"/tickets?{query}").status_code == 422


def test_a_cancelled_clock_that_comes_back_at_a_paused_point_is_saved(p, settings):
    # It records no event (nothing runs while the request waits), so it was once never written.
    from otklik.sla.reference import invalidate
    from otklik.sla.services import sla_recompute

    t = new_request(p, settings, at(10, 9))
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    when(settings, at(10, 11))
    t = step(p, t, "agent", "ask", comment="?")
    target = Target.objects.get(policy__code="requests", priority__code="normal", metric="resolution")
    spec = {"policy": target.policy, "priority": target.priority, "metric": "resolution", "minutes": target.minutes}
    target.delete()
    invalidate()
    sla_recompute(fresh(t), when=at(10, 12), reason="configuration")
    assert clocks(t)["resolution"].state == "cancelled"
    Target.objects.create(**spec)
    invalidate()
    sla_recompute(fresh(t), when=at(10, 13), reason="configuration")
    r = clocks(t)["resolution"]
    assert (r.state, r.used) == ("paused", timedelta(hours=2))
