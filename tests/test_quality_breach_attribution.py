"""A first-reaction or resolution breach counts for whoever held the request at the deadline that
passed, not for whoever reacted or resolved later: the daily counts (targets in time, breaches, by
type and priority, per group and agent) and the drill-down agree.

ERR-1 (error, high: first reaction 1 h, resolution 8 h; the demo's Moscow calendar, 09:00–13:00 and
14:00–18:00) is filed on Wed 18 Mar 2026 at 09:00 to the first line, with Sergei. Nobody there
reacts: the first reaction is breached at 10:00. At 14:00 a manager moves it to the second line
(to Olga, its dispatcher), who accepts it at 14:05 (the late first reaction, hers). She holds it
when the resolution deadline passes at 18:00. Thu 19 Mar 10:00 it goes back to the first line, to
Alexei, who resolves it at 11:00 (late, his resolution)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from otklik.accounts.directory import invalidate as directory_invalidate
from otklik.accounts.models import SupportGroup
from otklik.quality.access import access_quality
from otklik.quality.drill import drill_queryset, parse_drill
from otklik.quality.models import Fact
from otklik.quality.refresh import facts_refresh_all
from otklik.quality.report import period_for, report_build
from otklik.sla.timers import sla_timers_pass
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.testing.personas import load_personas
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_assign, ticket_transition

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hh, mm, tzinfo=MSK)


@pytest.fixture
def story(settings):
    set_now(settings, dt.datetime(2026, 6, 1, 10, tzinfo=MSK))  # the demo's sample requests: June
    p = load_personas()
    # The story's groups hand new requests to their dispatcher (the first line's lead, the second
    # line's Olga); the demo's leave them in the queue.
    SupportGroup.objects.update(auto_assign=True)
    directory_invalidate()

    def now(moment: dt.datetime, ticket: Ticket) -> Ticket:
        set_now(settings, moment)
        ticket.refresh_from_db()
        return ticket

    set_now(settings, at(18, 9))
    err = file_error(p.initiator, subject="ERR-1", priority_code="high")
    assert (err.group.code, err.executor_id) == ("first-line", p.lead.pk)
    now(at(18, 10, 30), err)
    sla_timers_pass()  # records the first-reaction breach, dated 10:00
    err = now(at(18, 14), err)
    err = ticket_assign(ticket=err, actor=p.manager, version=err.version, group_code="second-line")
    assert err.executor_id == p.agent2.pk  # the second line's dispatcher
    err = now(at(18, 14, 5), err)
    err = ticket_transition(ticket=err, actor=p.agent2, transition_code="accept", version=err.version)
    now(at(18, 18, 30), err)
    sla_timers_pass()  # records the resolution breach, dated 18:00
    err = now(at(19, 10), err)
    err = ticket_assign(ticket=err, actor=p.manager, version=err.version, group_code="first-line", executor="agent")
    err = now(at(19, 10, 30), err)
    err = ticket_transition(ticket=err, actor=p.agent, transition_code="start", version=err.version)
    err = now(at(19, 11), err)
    err = ticket_transition(ticket=err, actor=p.agent, transition_code="resolve", version=err.version, comment="Done")
    set_now(settings, dt.datetime(2026, 4, 2, 12, tzinfo=MSK))
    facts_refresh_all()
    return p, err


def march(user, **kw):
    return report_build(access_quality(user, **kw), period_for("2026-03-01", "2026-03-31"))


def sla(fr_met: int, fr_breached: int, res_met: int, res_breached: int) -> dict:
    def target(met: int, breached: int) -> dict:
        return {
            "met": met,
            "breached": breached,
            "compliance_percent": 100.0 * met / (met + breached) if met + breached else None,
        }

    return {
        "first_reaction": target(fr_met, fr_breached),
        "resolution": target(res_met, res_breached),
        "next_reaction": target(0, 0),
        "overall": target(fr_met + res_met, fr_breached + res_breached),
    }


def test_the_facts_name_the_holders_at_the_deadlines(story):
    p, err = story
    fact = Fact.objects.get(pk=err.pk)
    first, second = (SupportGroup.objects.get(code=code).pk for code in ("first-line", "second-line"))
    assert (fact.received_group_id, fact.reaction_group_id, fact.group_id) == (first, second, first)
    assert (fact.first_reaction_breached_at, fact.resolution_breached_at) == (at(18, 10), at(18, 18))
    # The breaches: the first line (Sergei) at 10:00, the second line (Olga) at 18:00.
    assert (fact.reaction_breach_group_id, fact.reaction_breach_executor_id) == (first, p.lead.pk)
    assert (fact.resolution_breach_group_id, fact.resolution_breach_executor_id) == (second, p.agent2.pk)
    # The late reaction is Olga's, the late resolution Alexei's (first line): neither is met.
    assert (fact.reaction_executor_id, fact.first_reaction_met, fact.first_reaction_seconds) == (
        p.agent2.pk,
        False,
        14700,
    )
    assert (fact.resolution_group_id, fact.resolution_executor_id, fact.resolution_met) == (first, p.agent.pk, False)


def test_each_group_and_agent_has_the_breach_that_passed_in_its_hands(story):
    p, _ = story
    everyone = march(p.manager).data
    assert everyone["figures"]["sla"] == sla(0, 1, 0, 1)
    assert everyone["figures"]["breaches"] == 2

    first = march(p.manager, group="first-line").data
    # The first line let the first reaction pass, and resolved it later (not a breach of its own).
    assert first["figures"]["sla"] == sla(0, 1, 0, 0)
    assert (first["figures"]["breaches"], first["figures"]["resolved"]) == (1, 1)
    second = march(p.manager, group="second-line").data
    # The second line reacted late but the first-reaction breach is not its; it held the
    # request when the resolution deadline passed.
    assert second["figures"]["sla"] == sla(0, 0, 0, 1)
    assert (second["figures"]["breaches"], second["figures"]["first_reaction"]["count"]) == (1, 1)

    groups = {g["group"]: g for g in everyone["groups"]}
    assert (groups["first-line"]["breaches"], groups["second-line"]["breaches"]) == (1, 1)
    assert groups["first-line"]["sla"]["first_reaction"]["breached"] == 1
    assert groups["second-line"]["sla"]["first_reaction"]["breached"] == 0
    agents = {a["agent"]: a for a in everyone["agents"]}
    assert {name: agents[name]["breaches"] for name in ("lead", "agent", "agent2")} == {
        "lead": 1,
        "agent": 0,
        "agent2": 1,
    }
    assert agents["lead"]["sla"]["first_reaction"]["breached"] == 1
    assert agents["agent2"]["sla"]["resolution"]["breached"] == 1

    # By priority (and type), within a group: the same attribution.
    assert [
        (r["priority"], r["first_reaction"]["breached"], r["resolution"]["breached"]) for r in first["by_priority"]
    ] == [("high", 1, 0)]
    assert [(r["type"], r["first_reaction"]["breached"], r["resolution"]["breached"]) for r in second["by_type"]] == [
        ("error", 0, 1)
    ]


def test_the_drill_down_lists_the_request_where_the_breach_is_counted(story):
    p, err = story

    def drilled(measure: str, group: str) -> list[int]:
        report = march(p.manager, group=group)
        qs = drill_queryset(
            p.manager,
            report.scope,
            report.period,
            parse_drill(measure, None, None, None),
            backlog_at=report.aggregates.backlog_at,
        )
        return list(qs.values_list("ticket_id", flat=True))

    assert (drilled("fr_breached", "first-line"), drilled("fr_breached", "second-line")) == ([err.pk], [])
    assert (drilled("res_breached", "first-line"), drilled("res_breached", "second-line")) == ([], [err.pk])
    assert (drilled("breaches", "first-line"), drilled("breaches", "second-line")) == ([err.pk], [err.pk])
