"""The SLA timer pass: warnings, breaches and escalation levels fire once each, at hand-computed
instants, as "now" (OTKLIK_NOW) moves forward step by step.

The demo's Moscow calendar: Mon–Fri 09:00–13:00 and 14:00–18:00 (6–10 April 2026 has no
holidays). The demo's "errors" policy, priority normal: first reaction 4 h, resolution 24 h,
warnings at 80 %. Its escalation ladder: a warning → the executor (level 1); a breach → the
executor and the group lead (level 1), then two working hours later → the support managers
(level 2). An Error about the accounting system goes to the first line, whose first executor
is its lead: the groups here hand new requests to their dispatcher, and the first line has none.

For an Error filed on Monday 6 April at 09:00:
- first reaction: warning 12:12 (3 h 12 min), deadline 13:00, level 2 at 16:00 (lunch skipped);
- resolution: warning Wednesday 12:12 (8 h + 8 h + 3 h 12 min), deadline Wednesday 18:00,
  level 2 on Thursday at 11:00 (the evening and night skipped).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from otklik.accounts.models import SupportGroup
from otklik.catalog.models import Priority
from otklik.core.errors import Conflict
from otklik.sla import timers
from otklik.sla.models import Clock, EscalationRule, Policy
from otklik.sla.services import Ledger
from otklik.testing.clock import set_now as when
from otklik.testing.factories import file_error
from otklik.testing.personas import Personas
from otklik.tickets.models import LogRecord, Ticket, Watcher
from otklik.tickets.selectors import ticket_activity
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_assign, ticket_comment, ticket_transition

MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 4, day, hh, mm, tzinfo=MSK)


FILED = at(6, 9)


@pytest.fixture
def p(db: None, request: pytest.FixtureRequest, settings: Any) -> Personas:
    # The demo (with its three sample requests) is loaded "in June", so those requests fall due
    # long after every moment used here and the passes below see only this test's requests;
    # the calendar is filled for 2025–2028 whatever the machine's date.
    when(settings, datetime(2026, 6, 1, 10, tzinfo=MSK))
    personas: Personas = request.getfixturevalue("dispatching")  # new requests to the dispatcher or lead
    when(settings, FILED)
    return personas


def run(settings: Any, moment: datetime) -> int:
    when(settings, moment)
    return timers.sla_timers_pass()


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def sla_log(ticket: Ticket) -> list[tuple[str, str]]:
    rows = LogRecord.objects.filter(ticket=ticket, event="sla").exclude(sla_event="applied").order_by("id")
    return list(rows.values_list("field", "sla_event"))


def escalations(ticket: Ticket, metric: str | None = None) -> list[dict[str, Any]]:
    rows = LogRecord.objects.filter(ticket=ticket, event="sla", sla_event="escalated").order_by("id")
    if metric:
        rows = rows.filter(field=metric)
    return [r.new_value for r in rows]


def clock(ticket: Ticket, metric: str) -> Clock:
    return Clock.objects.get(ticket=ticket, metric=metric)


def assert_each_fired_once(*tickets: Ticket) -> None:
    """No clock warned or breached twice in a cycle, no escalation rule fired twice for it."""
    seen: Counter[tuple[Any, ...]] = Counter()
    rows = LogRecord.objects.filter(ticket__in=tickets, event="sla", sla_event__in=("warned", "breached", "escalated"))
    for r in rows:
        seen[(r.ticket_id, r.field, r.new_value["cycle"], r.sla_event, r.new_value.get("rule"))] += 1
    assert seen, "nothing fired"
    assert [key for key, n in seen.items() if n > 1] == []


def rule_ids() -> dict[tuple[str, int], int]:
    return {(r.trigger, r.level): r.pk for r in EscalationRule.objects.all()}


def test_warning_breach_and_both_escalation_levels_fire_once_at_their_instants(p, settings):
    ticket = file_error(p.initiator)
    assert ticket.executor == p.lead
    when(settings, at(6, 10))
    ticket = ticket_assign(ticket=ticket, actor=p.lead, version=ticket.version, executor="agent")
    t = fresh(ticket)
    assert (t.sla_next_at, t.sla_warn_at, t.sla_due_at, t.sla_breached) == (
        at(6, 12, 12),
        at(6, 12, 12),
        at(6, 13),
        False,
    )
    rules = rule_ids()

    assert run(settings, at(6, 12, 11)) == 0  # a minute early: nothing
    assert sla_log(ticket) == []

    # 12:12: the first reaction's warning, and the warning's level 1 to the executor.
    assert run(settings, at(6, 12, 12)) == 1
    assert sla_log(ticket) == [("first_reaction", "warned"), ("first_reaction", "escalated")]
    [warning] = escalations(ticket)
    assert (warning["rule"], warning["level"], warning["trigger"]) == (rules[("warning", 1)], 1, "warning")
    assert (warning["due"], warning["notify"]) == (at(6, 12, 12).isoformat(), ["agent"])
    assert clock(ticket, "first_reaction").warned_at == at(6, 12, 12)
    t = fresh(ticket)
    assert (t.sla_next_at, t.sla_breached) == (at(6, 13), False)
    # A second pass at the same instant finds nothing due and records nothing.
    assert run(settings, at(6, 12, 12)) == 0
    assert run(settings, at(6, 12, 30)) == 0
    assert len(sla_log(ticket)) == 2

    # The worker comes five minutes late: the breach is still dated at the deadline.
    assert run(settings, at(6, 13, 5)) == 1
    assert sla_log(ticket)[2:] == [("first_reaction", "breached"), ("first_reaction", "escalated")]
    fr = clock(ticket, "first_reaction")
    assert (fr.state, fr.breached_at) == ("breached", at(6, 13))
    breach = LogRecord.objects.get(ticket=ticket, sla_event="breached")
    assert breach.new_value["due_at"] == at(6, 13).isoformat()
    assert (breach.internal, breach.actor_id, breach.actor_role) == (False, None, "system")
    level1 = escalations(ticket)[-1]
    assert (level1["rule"], level1["level"], level1["trigger"]) == (rules[("breach", 1)], 1, "breach")
    assert level1["due"] == at(6, 13).isoformat()
    assert level1["notify"] == ["agent", "lead"]  # the executor and the first line's lead
    t = fresh(ticket)
    assert (t.sla_next_at, t.sla_breached) == (at(6, 16), True)  # level 2: 13:00 + 2 working hours
    assert t.sla_due_at == at(8, 18)  # the running resolution clock's deadline

    # Level 2 needs two more working hours after the breach (lunch does not count).
    assert run(settings, at(6, 15, 59)) == 0
    assert run(settings, at(6, 16)) == 1
    level2 = escalations(ticket)[-1]
    assert (level2["rule"], level2["level"], level2["notify"]) == (rules[("breach", 2)], 2, ["manager"])
    assert level2["due"] == at(6, 16).isoformat()
    assert run(settings, at(6, 17)) == 0
    assert fresh(ticket).sla_next_at == at(8, 12, 12)  # the resolution's warning
    assert clock(ticket, "first_reaction").escalated == [
        rules[("warning", 1)],
        rules[("breach", 1)],
        rules[("breach", 2)],
    ]

    # A worker that was down from Wednesday morning to Thursday 10:00 catches up in order: the
    # resolution's warning (at its instant), its level 1, the breach (at the deadline), its level 1.
    before = len(sla_log(ticket))
    assert run(settings, at(9, 10)) == 1
    assert sla_log(ticket)[before:] == [
        ("resolution", "warned"),
        ("resolution", "escalated"),
        ("resolution", "breached"),
        ("resolution", "escalated"),
    ]
    res = clock(ticket, "resolution")
    assert (res.warned_at, res.breached_at, res.state) == (at(8, 12, 12), at(8, 18), "breached")
    assert [e["due"] for e in escalations(ticket, "resolution")] == [at(8, 12, 12).isoformat(), at(8, 18).isoformat()]
    t = fresh(ticket)
    assert (t.sla_next_at, t.sla_due_at, t.sla_breached) == (at(9, 11), None, True)
    assert run(settings, at(9, 10, 59)) == 0
    assert run(settings, at(9, 11)) == 1
    assert escalations(ticket, "resolution")[-1]["notify"] == ["manager"]
    assert fresh(ticket).sla_next_at is None  # nothing more is ever due
    assert run(settings, at(13, 12)) == 0
    counts = [(m, e) for m, e in sla_log(ticket) if e != "escalated"]
    assert sorted(counts) == sorted(
        [
            ("first_reaction", "warned"),
            ("first_reaction", "breached"),
            ("resolution", "warned"),
            ("resolution", "breached"),
        ]
    )
    assert len(escalations(ticket)) == 6
    assert_each_fired_once(ticket)


def test_a_request_resolved_after_the_breach_gets_no_level_two(p, settings):
    ticket = file_error(p.initiator)
    assert run(settings, at(6, 13)) == 1
    assert [e["level"] for e in escalations(ticket)] == [1, 1]  # warning L1, breach L1
    assert fresh(ticket).sla_next_at == at(6, 16)

    when(settings, at(6, 14, 30))
    for code in ("accept", "start"):
        ticket = ticket_transition(ticket=ticket, actor=p.agent, transition_code=code, version=ticket.version)
    ticket = ticket_transition(
        ticket=ticket, actor=p.agent, transition_code="resolve", version=ticket.version, comment="Fixed"
    )
    # The late first reaction is stopped where it happened: the breach no longer stands.
    fr = clock(ticket, "first_reaction")
    assert (fr.state, fr.breached_at, fr.stopped_at) == ("breached", at(6, 13), at(6, 14, 30))
    assert clock(ticket, "resolution").state == "met"
    t = fresh(ticket)
    assert (t.sla_next_at, t.sla_breached) == (None, True)
    assert run(settings, at(6, 16)) == 0

    # The initiator rejects the resolution: the request is open again, its resolution clock
    # resumes and the executor owes a next reaction (2 h: warning 16:36, deadline 17:00), but
    # the first reaction was given, so its level 2 (16:00) never comes.
    when(settings, at(6, 15))
    ticket = ticket_transition(
        ticket=ticket, actor=p.initiator, transition_code="reject", version=ticket.version, comment="Still fails"
    )
    assert fresh(ticket).sla_next_at == at(6, 16, 36)
    assert run(settings, at(6, 16)) == 0
    assert run(settings, at(6, 16, 36)) == 1
    assert sla_log(ticket)[-2:] == [("next_reaction", "warned"), ("next_reaction", "escalated")]
    assert [e["level"] for e in escalations(ticket, "first_reaction")] == [1, 1]
    assert_each_fired_once(ticket)


def test_worker_once_fires_what_is_due_then_nothing_more(p, settings):
    ticket = file_error(p.initiator)

    def once(moment: datetime) -> str:
        when(settings, moment)
        out = io.StringIO()
        call_command("worker", "--once", stdout=out)
        return out.getvalue()

    assert "sla.timers: 0" in once(at(6, 12))
    assert sla_log(ticket) == []
    assert "sla.timers: 1" in once(at(6, 13))
    assert sla_log(ticket) == [
        ("first_reaction", "warned"),
        ("first_reaction", "escalated"),
        ("first_reaction", "breached"),
        ("first_reaction", "escalated"),
    ]
    assert escalations(ticket)[-1]["notify"] == ["lead"]  # the lead is the executor here: named once
    assert "sla.timers: 0" in once(at(6, 13))
    assert "sla.timers: 0" in once(at(6, 15, 59))
    assert len(sla_log(ticket)) == 4
    assert "sla.timers: 1" in once(at(6, 16))
    assert escalations(ticket)[-1]["notify"] == ["manager"]
    assert (fresh(ticket).sla_next_at, fresh(ticket).sla_breached) == (at(8, 12, 12), True)
    assert_each_fired_once(ticket)


def errors_rule(**fields: Any) -> EscalationRule:
    """A rule of our own on the first reaction's breach of the "errors" policy."""
    watchers = fields.pop("add_watchers", [])
    rule = EscalationRule.objects.create(
        policy=Policy.objects.get(code="errors"), metric="first_reaction", trigger="breach", level=1, **fields
    )
    rule.add_watchers.set(watchers)
    return rule


def test_escalation_reassigns_to_a_group_and_its_dispatcher(p, settings):
    second = SupportGroup.objects.get(code="second-line")
    rule = errors_rule(reassign_group=second)
    ticket = file_error(p.initiator)
    assert (ticket.group.code, ticket.executor, ticket.version) == ("first-line", p.lead, 1)

    assert run(settings, at(6, 13)) == 1
    t = fresh(ticket)
    assert (t.group_id, t.executor, t.version, t.updated_at) == (second.pk, p.agent2, 2, at(6, 13))
    moves = LogRecord.objects.filter(ticket=ticket, event="assignment").order_by("id")
    assert [(r.field, r.old_value, r.new_value, r.actor_id, r.actor_role) for r in moves] == [
        ("group", ticket.group_id, second.pk, None, "system"),
        ("executor", p.lead.pk, p.agent2.pk, None, "system"),
    ]
    ours = [e for e in escalations(ticket) if e["rule"] == rule.pk]
    assert len(ours) == 1
    assert (ours[0]["group"], ours[0]["executor"]) == (second.pk, p.agent2.pk)
    # The demo's breach L1, an earlier rule at the same instant, told the first line's lead.
    assert [e["notify"] for e in escalations(ticket) if e["trigger"] == "breach"] == [["lead"], []]

    # An edit based on the request as it was before the escalation is refused: the version moved.
    when(settings, at(6, 13, 30))
    with pytest.raises(Conflict) as refused:
        ticket_transition(ticket=ticket, actor=p.lead, transition_code="accept", version=1)
    assert refused.value.code == "stale_version"
    # Fires once: the next passes leave the request where it is.
    assert run(settings, at(6, 15)) == 0
    assert run(settings, at(6, 16)) == 1  # the demo's level 2
    assert fresh(ticket).version == 2
    assert LogRecord.objects.filter(ticket=ticket, event="assignment").count() == 2
    assert_each_fired_once(ticket)


def test_escalation_raises_the_priority_and_recomputes_the_clocks(p, settings):
    high = Priority.objects.get(code="high")
    errors_rule(raise_priority_to=high)
    ticket = file_error(p.initiator)
    assert ticket.priority.code == "normal"

    assert run(settings, at(6, 13)) == 1
    t = fresh(ticket)
    assert (t.priority_id, t.version) == (high.pk, 2)
    change = LogRecord.objects.get(ticket=ticket, event="field_change")
    assert (change.field, change.old_value, change.new_value, change.actor_id) == ("priority", "normal", "high", None)
    # Errors, high: resolution 8 h. 4 h were used by 13:00, so 4 h more from 14:00 (after
    # lunch): due 18:00; the warning at 80 % (6 h 24 min) comes at 16:24.
    recomputed = LogRecord.objects.get(ticket=ticket, sla_event="recomputed", field="resolution")
    assert recomputed.new_value["reason"] == "escalation"
    assert recomputed.new_value["due_at"] == at(6, 18).isoformat()
    res = clock(ticket, "resolution")
    assert (res.due_at, res.warn_at, res.target.total_seconds()) == (at(6, 18), at(6, 16, 24), 8 * 3600)
    assert (t.sla_due_at, t.sla_next_at) == (at(6, 18), at(6, 16))  # level 2 of the first reaction first

    assert run(settings, at(6, 16)) == 1
    assert run(settings, at(6, 16, 24)) == 1  # the new resolution warning
    assert sla_log(ticket)[-2:] == [("resolution", "warned"), ("resolution", "escalated")]
    assert run(settings, at(6, 18)) == 1
    assert clock(ticket, "resolution").breached_at == at(6, 18)
    assert_each_fired_once(ticket)


def test_escalation_only_ever_raises_the_priority(p, settings):
    errors_rule(raise_priority_to=Priority.objects.get(code="high"))
    ticket = file_error(p.initiator, priority_code="critical")  # errors, critical: first reaction 30 min
    assert fresh(ticket).sla_next_at == at(6, 9, 24)

    assert run(settings, at(6, 9, 30)) == 1
    t = fresh(ticket)
    assert (t.priority.code, t.version) == ("critical", 1)
    assert not LogRecord.objects.filter(ticket=ticket, event="field_change").exists()
    assert not LogRecord.objects.filter(ticket=ticket, sla_event="recomputed").exists()
    assert clock(ticket, "first_reaction").breached_at == at(6, 9, 30)
    assert all("priority" not in e for e in escalations(ticket))
    assert_each_fired_once(ticket)


def test_escalation_adds_watchers_once(p, settings):
    errors_rule(add_watchers=[p.manager, p.agent2], notify_watchers=True)
    ticket = file_error(p.initiator)
    when(settings, at(6, 10))
    ticket_watch(ticket=ticket, actor=p.manager)  # already watching: not added again

    assert run(settings, at(6, 13)) == 1
    assert set(Watcher.objects.filter(ticket=ticket).values_list("user__username", flat=True)) == {
        "manager",
        "agent2",
    }
    added = LogRecord.objects.filter(ticket=ticket, event="watcher", actor=None)
    assert [(r.field, r.new_value, r.actor_role) for r in added] == [("watchers", "agent2", "system")]
    ours = escalations(ticket)[-1]
    assert ours["watchers_added"] == ["agent2"]
    assert ours["notify"] == ["agent2", "manager"]  # the watchers after this level: the new one learns why
    assert fresh(ticket).version == 1  # watchers are not a change of the request's state
    assert run(settings, at(6, 14)) == 0
    assert Watcher.objects.filter(ticket=ticket).count() == 2
    assert_each_fired_once(ticket)


def test_a_failing_request_does_not_block_the_others_and_is_retried_later(p, settings, monkeypatch, caplog):
    bad, good = file_error(p.initiator, subject="Bad"), file_error(p.initiator, subject="Good")
    real_save = Ledger.save

    def save_then_fail(self: Ledger, *, when: datetime) -> None:
        real_save(self, when=when)  # the records are written first: the failure must undo them
        if self.ticket.pk == bad.pk:
            raise RuntimeError("boom")

    monkeypatch.setattr(Ledger, "save", save_then_fail)
    assert run(settings, at(6, 12, 12)) == 2
    assert "could not be processed" in caplog.text
    assert sla_log(good) == [("first_reaction", "warned"), ("first_reaction", "escalated")]
    assert sla_log(bad) == []
    assert clock(bad, "first_reaction").warned_at is None
    assert fresh(bad).sla_next_at == at(6, 12, 17)  # looked at again five minutes later
    assert fresh(good).sla_next_at == at(6, 13)

    monkeypatch.setattr(Ledger, "save", real_save)
    assert run(settings, at(6, 12, 16)) == 0
    assert run(settings, at(6, 12, 17)) == 1
    assert sla_log(bad) == [("first_reaction", "warned"), ("first_reaction", "escalated")]
    assert clock(bad, "first_reaction").warned_at == at(6, 12, 12)  # dated at its instant, not the retry
    assert fresh(bad).sla_next_at == at(6, 13)
    assert run(settings, at(6, 13)) == 2
    assert_each_fired_once(bad, good)


def test_more_due_requests_than_a_batch_are_all_handled_in_one_pass(p, settings):
    tickets = [file_error(p.initiator, subject=f"n{i}") for i in range(5)]
    when(settings, at(6, 12, 12))
    assert timers.sla_timers_pass(batch=2) == 5  # batches of 2, 2, 1
    assert all(fresh(t).sla_next_at == at(6, 13) for t in tickets)
    assert LogRecord.objects.filter(ticket__in=tickets, sla_event="warned").count() == 5
    assert_each_fired_once(*tickets)


def test_escalation_tells_the_new_group_after_a_reassignment(p, settings):
    errors_rule(reassign_group=SupportGroup.objects.get(code="second-line"), notify_dispatcher=True)
    ticket = file_error(p.initiator)
    run(settings, at(6, 13))
    ours = escalations(ticket)[-1]
    assert fresh(ticket).executor_id == p.agent2.pk
    assert ours["notify"] == ["agent2"]  # second line's dispatcher, not first line's lead


def test_a_breach_noticed_a_day_late_is_recorded_at_its_deadline(p, settings):
    """No worker ran between Monday's 13:00 deadline and Tuesday 10:00 (a worker stopped overnight,
    or `otklik demo --history`'s last pass): the breach is recorded at Monday 13:00, its escalation
    at the pass that found it. A breach found by a catch-up (the request taken late, before any
    pass) is dated at its deadline too."""
    late = file_error(p.initiator)
    when(settings, at(6, 15))
    ticket_comment(ticket=late, actor=p.initiator, body="Any news?")
    assert run(settings, at(7, 10)) == 1
    breach = LogRecord.objects.get(ticket=late, sla_event="breached")
    assert (breach.field, breach.created_at) == ("first_reaction", at(6, 13))
    # The request's history tells it in the order it happened: the breach before the later comment.
    events = [(r.event, r.sla_event) for r in ticket_activity(p.lead, late)]
    assert events.index(("sla", "breached")) < events.index(("comment", ""))
    escalated = LogRecord.objects.filter(ticket=late, sla_event="escalated").order_by("id").last()
    assert escalated is not None and escalated.created_at == at(7, 10)

    caught = file_error(p.initiator)
    when(settings, at(7, 17))  # filed at 10:00: its 4 h passed at 15:00 (lunch skipped); no pass since
    ticket_transition(ticket=caught, actor=p.lead, transition_code="accept", version=caught.version)
    breach = LogRecord.objects.get(ticket=caught, sla_event="breached")
    assert (breach.field, breach.created_at) == ("first_reaction", at(7, 15))


# --- a batch's writes (issue 15: the full pass's cost) ------------------------------------------------


def test_a_pass_queues_its_batchs_notifications_in_one_insert_and_reads_people_once(p, settings):
    """Five requests breach at 13:00 (each: its executor and lead told, level 1) and reach level 2 at
    16:00 (the managers told): one INSERT of notifications per batch, the managers and the
    watchers read once for the batch, not once per level."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tickets = [file_error(p.initiator, subject=f"Breach {i}") for i in range(5)]
    ticket_watch(ticket=tickets[0], actor=p.lead, user_ref="agent2", add=True)
    run(settings, at(6, 12, 30))  # the warnings, out of the way
    for moment in (at(6, 13, 5), at(6, 16, 5)):
        when(settings, moment)
        with CaptureQueriesContext(connection) as ctx:
            assert timers.sla_timers_pass() == 5
        sqls = [q["sql"] for q in ctx.captured_queries]
        inserts = [s for s in sqls if s.startswith('INSERT INTO "notify_notification"')]
        assert len(inserts) == 1, sqls
        assert len([s for s in sqls if 'FROM "tickets_watcher"' in s]) <= 1
        assert len([s for s in sqls if 'FROM "accounts_user"' in s and "manager" in s]) <= 1
    assert [len(escalations(t, "first_reaction")) for t in tickets] == [3] * 5  # warning; breach, level 2
    from otklik.notify.models import Notification

    told = Notification.objects.filter(event="sla_escalated", ticket__in=tickets, channel="inapp")
    assert {n.recipient_id for n in told} >= {p.manager.pk, p.lead.pk}


def test_a_request_that_fails_loses_only_its_own_notifications(p, settings, monkeypatch):
    """Each request is handled in its own savepoint: one that fails is rolled back with the
    notifications it queued, and the batch's others are written."""
    from otklik.notify.models import Notification

    good, bad = file_error(p.initiator, subject="Fine"), file_error(p.initiator, subject="Breaks")
    real = timers.sla_fire_due

    def breaking(ticket: Ticket, **kwargs: Any) -> int:
        count = real(ticket, **kwargs)  # queues its warning first
        if ticket.pk == bad.pk:
            raise RuntimeError("the handler fails after queueing")
        return count

    monkeypatch.setattr(timers, "sla_fire_due", breaking)
    run(settings, at(6, 12, 30))
    warned = set(Notification.objects.filter(event="sla_warned").values_list("ticket_id", flat=True))
    assert good.pk in warned and bad.pk not in warned
    assert fresh(bad).sla_next_at == at(6, 12, 30) + timers.RETRY_AFTER  # looked at again later


def test_a_pass_costs_a_few_statements_per_batch_and_a_savepoint_per_request(p, settings):
    """The query count of one timer pass (issue 15): what a batch reads and writes is one
    statement each for the whole batch (its clocks read; the changed clocks, the requests' SLA
    columns and the escalations' recipients read or written once; the ledger records and the
    notifications inserted once), so a pass over 6 requests costs what a pass over 2 does plus
    a savepoint and its release per request. The same escalations as in a pass of one request each:
    each breach is recorded, its level fires, and the executor and the group lead are told."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from otklik.notify.models import Notification

    tickets = [file_error(p.initiator, subject=f"Counted {i}") for i in range(6)]
    ticket_watch(ticket=tickets[0], actor=p.lead, user_ref="agent2", add=True)
    run(settings, at(6, 12, 30))  # the warnings, out of the way
    when(settings, at(6, 13, 5))  # each breaches its first reaction, and its level 1 fires

    def one_pass(n: int) -> list[str]:
        """A pass at 13:05 over the first `n` of them (the others pushed out of reach), rolled back."""
        with transaction.atomic():
            Ticket.objects.filter(pk__in=[t.pk for t in tickets[n:]]).update(sla_next_at=at(20, 9))
            with CaptureQueriesContext(connection) as ctx:
                assert timers.sla_timers_pass() == n
            assert [len(escalations(t, "first_reaction")) for t in tickets[:n]] == [2] * n  # warning, breach
            told = Notification.objects.filter(event="sla_escalated", ticket__in=tickets[:n], channel="inapp")
            assert {(n.ticket_id, n.recipient_id) for n in told} >= {(t.pk, p.lead.pk) for t in tickets[:n]}
            transaction.set_rollback(True)
        return [q["sql"] for q in ctx.captured_queries]

    one_pass(6)  # the caches (people, reference) warm, as in a running worker
    two, six = one_pass(2), one_pass(6)

    def kinds(sqls: list[str]) -> Counter[str]:
        """Statements by what they do and to which table ("UPDATE sla_clock"), savepoints aside."""
        found = (re.match(r'(\w+).*?(?:FROM|INTO|UPDATE) "(\w+)"', s, re.DOTALL) for s in sqls)
        return Counter(f"{'UPDATE' if m[1] == 'WITH' else m[1]} {m[2]}" for m in found if m is not None)

    # Per request only its savepoint and the savepoint's release: everything else is per batch.
    assert len(six) - len(two) == 2 * (6 - 2), (kinds(six) - kinds(two), kinds(two) - kinds(six))
    assert kinds(six) == kinds(two)
    per_batch = {
        "SELECT sla_clock": 1,  # the batch's clocks
        "UPDATE sla_clock": 1,  # the changed ones
        "INSERT tickets_reaction": 1,  # its ledger records
        "UPDATE tickets_ticket": 1,  # its requests' SLA columns
        "INSERT notify_notification": 1,  # its notifications
    }
    counted = kinds(six)
    assert {k: counted[k] for k in per_batch} == per_batch, counted
    assert counted["SELECT accounts_user"] <= 2 and counted["SELECT tickets_watcher"] <= 1, counted
    assert len(six) <= 40, counted  # claims, reference reads at the pass's start, and the batch's
