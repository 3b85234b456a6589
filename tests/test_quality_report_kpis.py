"""The quality KPIs of a scripted month (tests/quality_month.py) against figures worked out by hand:
the holiday, the pause while waiting for the initiator, the reopen, the late targets, the
requests that cross the edges of the period (filed in February and resolved in March, filed on
31 March and reacted to in April), for everyone, per group, per agent, per week, per type and
priority; and the same report for February and April."""

from __future__ import annotations

import pytest

from otklik.quality.access import access_quality
from otklik.quality.models import Fact
from otklik.quality.report import period_for, report_build

from .quality_month import at, build_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(settings):
    return build_month(settings)


def march(user, **kw):
    return report_build(access_quality(user, **kw), period_for("2026-03-01", "2026-03-31")).data


def by(rows, key):
    return {r[key]: r for r in rows}


def test_the_facts_of_each_request(month):
    facts = {f.ticket_id: f for f in Fact.objects.all()}
    a, b, c, d, e = (facts[t.pk] for t in (month.a, month.b, month.c, month.d, month.e))
    p = month.p
    assert (a.first_reaction_at, a.first_reaction_seconds, a.first_reaction_met) == (at(3, 10, 10), 9000, True)
    assert (a.first_resolved_at, a.resolved_at, a.resolution_seconds) == (at(3, 16, 10), at(3, 17, 10), 102600)
    assert (a.resolution_met, a.resolution_breached_at) == (False, at(3, 16, 14, 30))
    assert (a.reopens, a.reassignments, a.next_met, a.next_breached) == (1, 0, 1, 1)
    assert (a.executor_id, a.closed_at) == (p.agent.pk, None)
    # Filed with Sergei; Alexei's reaction, resolutions and reopen (quality_month's docstring).
    assert (a.received_executor_id, a.reaction_executor_id) == (p.lead.pk, p.agent.pk)
    assert (a.resolution_executor_id, a.first_resolution_executor_id) == (p.agent.pk, p.agent.pk)
    assert (b.received_executor_id, b.reaction_executor_id, b.resolution_executor_id) == (p.lead.pk,) * 3
    assert (c.received_executor_id, c.reaction_executor_id, c.executor_id) == (p.lead.pk, p.agent.pk, p.agent.pk)
    assert (b.first_reaction_seconds, b.first_reaction_met) == (7200, False)
    assert b.first_reaction_breached_at == at(3, 18, 10)
    assert (b.resolution_seconds, b.resolution_met, b.resolution_breached_at) == (36000, False, at(3, 18, 18))
    # The breaches are the holders' at the deadlines (Sergei held B at 10:00 and 18:00, Alexei A at 14:30).
    assert (b.reaction_breach_executor_id, b.resolution_breach_executor_id) == (p.lead.pk, p.lead.pk)
    assert (a.reaction_breach_executor_id, a.resolution_breach_executor_id) == (None, p.agent.pk)
    assert (b.reassignments, b.executor_id, b.closed_at) == (1, p.lead.pk, at(3, 20, 10))
    assert (c.first_reaction_at, c.first_reaction_seconds, c.resolved_at) == (at(4, 1, 10), 7200, None)
    assert (d.first_reaction_seconds, d.resolution_seconds, d.resolution_met) == (3600, 28800, True)
    assert d.executor_id == p.agent2.pk
    assert (e.first_reaction_at, e.first_reaction_met, e.executor_id) == (None, None, p.lead.pk)
    assert e.closed_at == at(3, 20, 9, 30)


def test_march_for_everyone(month):
    f = march(month.p.manager)["figures"]
    assert (f["received"], f["resolved"]) == (4, 3)  # A, B, C, E filed; A, B, D resolved
    # First reactions in March: A 9,000 s, B 7,200 s (C's is April's, D's February's).
    assert f["first_reaction"] == {"count": 2, "median_seconds": 8100.0, "p90_seconds": 8820.0}
    # Resolutions: D 28,800, B 36,000, A 102,600; p90 at 1.8 → 36,000 + 0.8 × 66,600.
    assert f["resolution"] == {"count": 3, "median_seconds": 36000.0, "p90_seconds": 89280.0}
    assert f["sla"] == {
        "first_reaction": {"met": 1, "breached": 1, "compliance_percent": 50.0},
        "resolution": {"met": 1, "breached": 2, "compliance_percent": 33.33},
        "next_reaction": {"met": 1, "breached": 1, "compliance_percent": 50.0},
        "overall": {"met": 3, "breached": 4, "compliance_percent": 42.86},
    }
    assert f["breaches"] == 4
    assert f["satisfaction"] == {
        "asked": 3,
        "answered": 2,
        "response_rate_percent": 66.67,
        "average": 3.5,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
    }
    assert f["reopens"] == {"first_resolved": 3, "reopened": 1, "rate_percent": 33.33}
    assert f["complaints"] == {"filed": 3, "upheld": 1}
    assert f["reassignments"] == {"total": 1, "requests": 1}
    assert f["auto_confirmed"] == {"count": 0, "percent_of_resolved": 0.0}
    # At 1 April 00:00: A (resolved, unconfirmed: 25 days) and C (7 hours) are not closed.
    assert f["backlog"] == {"total": 2, "by_age": {"lt_1d": 1, "1_3d": 0, "3_7d": 0, "7_30d": 1, "ge_30d": 0}}
    # (40 × 3/7 + 30 × (3.5 − 1)/4 + 15 × (1 − 1/3) + 15 × (1 − 1/3)) / 100
    assert f["quality_score"]["score"] == 55.9
    assert f["quality_score"]["components"] == {
        "sla": 0.4286,
        "satisfaction": 0.625,
        "reopens": 0.6667,
        "complaints": 0.6667,
    }


def test_march_per_agent_and_group(month):
    data = march(month.p.manager)
    agents = by(data["agents"], "agent")
    alexei, sergei, olga = agents["agent"], agents["lead"], agents["agent2"]
    # Alexei: filed nothing his way (A and C came in with Sergei); resolved A; holds A and C.
    assert (alexei["received"], alexei["resolved"]) == (0, 1)
    assert alexei["sla"]["overall"] == {"met": 2, "breached": 2, "compliance_percent": 50.0}
    assert alexei["resolution"]["median_seconds"] == 102600.0
    assert alexei["satisfaction"]["average"] == 2.0
    assert alexei["complaints"] == {"filed": 1, "upheld": 0}
    assert alexei["reopens"]["rate_percent"] == 100.0
    assert alexei["backlog"]["total"] == 2
    # (40 × 0.5 + 30 × 0.25 + 15 × 0 + 15 × 1) / 100
    assert alexei["quality_score"]["score"] == 42.5
    # Sergei: received A, B, E (March) and C (31 March); resolved B; both of B's breaches.
    assert (sergei["received"], sergei["resolved"], sergei["breaches"]) == (4, 1, 2)
    assert sergei["sla"]["overall"]["compliance_percent"] == 0.0
    # B's hand-over and back is the first line's, no person's.
    assert sergei["reassignments"] == {"total": 0, "requests": 0}
    assert sergei["backlog"]["total"] == 0  # B closed, E withdrawn; A and C are Alexei's now
    assert sergei["satisfaction"] == {
        "asked": 1,
        "answered": 0,
        "response_rate_percent": 0.0,
        "average": None,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    }
    assert sergei["complaints"] == {"filed": 1, "upheld": 1}
    # No rating: (40 × 0 + 15 × 1 + 15 × 0) / 70
    assert sergei["quality_score"]["score"] == pytest.approx(21.4)
    # Olga: D, filed in February, resolved in March within its target.
    assert (olga["received"], olga["resolved"]) == (0, 1)
    assert olga["first_reaction"]["count"] == 0
    assert olga["sla"]["resolution"]["compliance_percent"] == 100.0
    assert olga["satisfaction"]["average"] == 5.0

    groups = by(data["groups"], "group")
    first, second = groups["first-line"], groups["second-line"]
    assert (first["received"], first["resolved"], first["breaches"]) == (4, 2, 4)
    assert first["complaints"] == {"filed": 2, "upheld": 1}  # the regulation complaint has no group
    assert first["reassignments"] == {"total": 1, "requests": 1}  # B's
    assert (second["received"], second["resolved"], second["breaches"]) == (0, 1, 0)
    assert second["resolution"] == {"count": 1, "median_seconds": 28800.0, "p90_seconds": 28800.0}


def test_march_by_week_type_and_priority(month):
    data = march(month.p.manager)
    weeks = by(data["weeks"], "week")
    assert list(weeks) == ["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30"]
    assert (weeks["2026-03-02"]["received"], weeks["2026-03-02"]["resolved"]) == (1, 1)
    assert weeks["2026-03-02"]["sla_compliance_percent"] == 100.0  # D resolved in time
    assert weeks["2026-03-02"]["satisfaction_average"] == 5.0
    assert weeks["2026-03-09"]["sla_compliance_percent"] == 100.0  # A's first and next reaction
    assert weeks["2026-03-16"] == {
        "week": "2026-03-16",
        "received": 2,
        "resolved": 2,
        "breaches": 4,
        "sla_compliance_percent": 0.0,
        "satisfaction_average": 2.0,
        "answered": 1,
    }
    assert weeks["2026-03-30"]["received"] == 1
    assert weeks["2026-03-23"]["sla_compliance_percent"] is None

    types = by(data["by_type"], "type")
    assert types["request"]["overall"] == {"met": 2, "breached": 2, "compliance_percent": 50.0}
    assert types["request"]["next_reaction"]["compliance_percent"] == 50.0
    assert types["error"]["first_reaction"]["compliance_percent"] == 0.0
    assert types["error"]["resolution"] == {"met": 1, "breached": 1, "compliance_percent": 50.0}
    assert types["error"]["next_reaction"]["compliance_percent"] is None
    priorities = by(data["by_priority"], "priority")
    assert priorities["normal"]["overall"] == {"met": 3, "breached": 2, "compliance_percent": 60.0}
    assert priorities["high"]["overall"] == {"met": 0, "breached": 2, "compliance_percent": 0.0}


def test_the_neighbouring_months(month):
    manager = month.p.manager
    feb = report_build(access_quality(manager), period_for("2026-02-01", "2026-02-28")).data["figures"]
    assert (feb["received"], feb["resolved"]) == (1, 0)  # D filed; resolved in March
    assert feb["first_reaction"]["median_seconds"] == 3600.0
    assert feb["backlog"]["by_age"]["1_3d"] == 1  # D at 1 March 00:00, filed 27 Feb 12:00
    april = report_build(access_quality(manager), period_for("2026-04-01", "2026-04-30")).data["figures"]
    assert (april["received"], april["resolved"]) == (0, 0)
    assert april["first_reaction"] == {"count": 1, "median_seconds": 7200.0, "p90_seconds": 7200.0}
    assert april["sla"]["first_reaction"]["compliance_percent"] == 100.0
    # "Now" is 2 April 12:00: the backlog is measured now, A (27 days) and C (1 day).
    assert april["backlog"]["by_age"] == {"lt_1d": 0, "1_3d": 1, "3_7d": 0, "7_30d": 1, "ge_30d": 0}


def test_one_agent_and_one_group_alone_match_their_rows(month):
    p = month.p
    everyone = march(p.manager)
    alone = march(p.manager, agent="agent")
    row = by(everyone["agents"], "agent")["agent"]
    assert {k: v for k, v in alone["figures"].items()} == {k: v for k, v in row.items() if k not in ("agent", "name")}
    assert [a["agent"] for a in alone["agents"]] == ["agent"]
    group = march(p.manager, group="second-line")
    assert group["figures"]["resolved"] == 1
    assert [g["group"] for g in group["groups"]] == ["second-line"]
