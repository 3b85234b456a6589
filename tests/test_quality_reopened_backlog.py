"""A reopened request (resolved, then back in work) is in its current holder's backlog and not
resolved; its reopen stays with the resolver whose resolution was reopened (quality.facts)."""

from __future__ import annotations

import datetime as dt

import pytest

from otklik.quality.access import access_quality
from otklik.quality.refresh import facts_refresh_all
from otklik.quality.report import period_for, report_build
from otklik.testing.clock import set_now
from otklik.testing.personas import load_personas
from otklik.workflow import ticket_assign

from .quality_month import MSK, _move, _request, at

pytestmark = pytest.mark.django_db


def test_a_reopened_request_is_its_current_holders_backlog_not_the_resolvers(settings):
    set_now(settings, dt.datetime(2026, 6, 1, 10, tzinfo=MSK))
    p = load_personas()
    # Ivan files it (it comes in with Sergei); Alexei takes it and resolves it; Ivan rejects the
    # resolution (a reopen: back in work, Alexei's); Sergei hands it to himself.
    t = _request(p, settings, at(3, 2, 10))
    t = _move(p, settings, t, at(3, 2, 11), "agent", "take")
    t = _move(p, settings, t, at(3, 2, 12), "agent", "resolve", comment="Done")
    t = _move(p, settings, t, at(3, 2, 13), "initiator", "reject", comment="Not done")
    set_now(settings, at(3, 2, 14))
    t.refresh_from_db()
    ticket_assign(ticket=t, actor=p.lead, version=t.version, executor="lead")
    set_now(settings, at(3, 5, 12))
    facts_refresh_all()

    data = report_build(access_quality(p.manager), period_for("2026-03-01", "2026-03-31")).data
    agents = {a["agent"]: a for a in data["agents"]}
    alexei, sergei = agents["agent"], agents["lead"]
    # Not resolved now, by anyone (the demo's own requests are June's: none in March).
    assert data["figures"]["resolved"] == 0
    assert (alexei["resolved"], sergei["resolved"]) == (0, 0)
    # At "now" (5 March 12:00, the period not over) it is open, 3 days 2 hours old: Sergei's.
    assert sergei["backlog"] == {"total": 1, "by_age": {"lt_1d": 0, "1_3d": 0, "3_7d": 1, "7_30d": 0, "ge_30d": 0}}
    assert alexei["backlog"]["total"] == 0
    # The reopen is of Alexei's resolution: 1 of his 1 first resolved, 100 %.
    assert alexei["reopens"] == {"first_resolved": 1, "reopened": 1, "rate_percent": 100.0}
    assert sergei["reopens"] == {"first_resolved": 0, "reopened": 0, "rate_percent": None}
    # Alone, Alexei's report agrees: nothing in his backlog, nothing resolved.
    mine = report_build(access_quality(p.manager, agent="agent"), period_for("2026-03-01", "2026-03-31")).data
    assert (mine["figures"]["resolved"], mine["figures"]["backlog"]["total"]) == (0, 0)
