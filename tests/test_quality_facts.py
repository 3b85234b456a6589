"""The pure rebuild of a request's facts (otklik.quality.facts.build_facts) from hand-made logs and
clocks: each measure's attribution read backwards from the current executor, resolutions and
reopens, the reassignment rule, automatic confirmation, next-reaction cycles, and the clocks'
outcomes."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from otklik.quality import facts as F
from otklik.quality.facts import ClockFacts, Record, TicketState, build_facts

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
AGENT, LEAD, OLGA, PETROV = 11, 12, 13, 14
FIRST_LINE, SECOND_LINE = 1, 2


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def ticket(**kw) -> TicketState:
    values = {
        "id": 7,
        "type_id": 3,
        "priority_id": 4,
        "group_id": FIRST_LINE,
        "executor_id": LEAD,
        "created_at": T0,
        "closed_at": None,
        "point_kind": "in_work",
    }
    return TicketState(**{**values, **kw})


class Log:
    """Records in id order, as the services write them."""

    def __init__(self) -> None:
        self.records: list[Record] = [Record(1, T0, "created", role="initiator", kind="new")]

    def add(self, at: dt.datetime, event: str, **kw) -> Log:
        self.records.append(Record(len(self.records) + 1, at, event, **kw))
        return self

    def move(
        self, at: dt.datetime, src: str, dst: str, reaction: str = "", role: str = "executor", actor: int | None = None
    ) -> Log:
        return self.add(at, "transition", kind=src, to_kind=dst, reaction=reaction, role=role, actor=actor)

    def assign(self, at: dt.datetime, old: int | None, new: int | None, field: str = "executor") -> Log:
        return self.add(at, "assignment", field=field, old=old, new=new, role="staff")


def test_the_codes_agree_with_the_models():
    from otklik.routes.models import PointKind, ReactionKind
    from otklik.sla.models import ClockState, Metric
    from otklik.tickets.models import ActorRole, Event

    assert {F.TRANSITION, F.ASSIGNMENT, F.SLA} <= set(Event.values)
    assert {"resolved", "closed", F.DECLINED} <= set(PointKind.values)
    assert {PointKind.RESOLVED, PointKind.CLOSED} == F.RESOLVED_KINDS
    assert ReactionKind.AUTO_CONFIRMED == F.AUTO_CONFIRMED
    assert {F.FIRST_REACTION, F.RESOLUTION, F.NEXT_REACTION} == set(Metric.values)
    assert {F.MET, F.BREACHED} <= set(ClockState.values)
    assert {ActorRole.EXECUTOR, ActorRole.STAFF} == F.SUPPORT_ROLES


def test_a_request_nobody_touched():
    fact = build_facts(ticket(point_kind="new"), Log().records, {})
    assert fact.columns() == {
        "ticket_id": 7,
        "type_id": 3,
        "priority_id": 4,
        "group_id": FIRST_LINE,
        "executor_id": LEAD,
        # Nothing happened: every measure is the filing holder's (who holds it now).
        "received_group_id": FIRST_LINE,
        "received_executor_id": LEAD,
        "reaction_group_id": FIRST_LINE,
        "reaction_executor_id": LEAD,
        "resolution_group_id": FIRST_LINE,
        "resolution_executor_id": LEAD,
        "first_resolution_group_id": FIRST_LINE,
        "first_resolution_executor_id": LEAD,
        # No breach: nobody's.
        "reaction_breach_group_id": 0,
        "reaction_breach_executor_id": None,
        "resolution_breach_group_id": 0,
        "resolution_breach_executor_id": None,
        "created_at": T0,
        "closed_at": None,
        "first_reaction_at": None,
        "first_reaction_seconds": None,
        "first_reaction_met": None,
        "first_reaction_breached_at": None,
        "first_resolved_at": None,
        "resolved_at": None,
        "resolution_seconds": None,
        "resolution_met": None,
        "resolution_breached_at": None,
        "next_met": 0,
        "next_breached": 0,
        "reopens": 0,
        "reassignments": 0,
        "auto_confirmed": False,
    }


def test_each_measure_counts_for_whom_it_belongs_to_after_a_reopen_and_a_handover():
    # Filed with the lead (first line); Alexei takes it (his reaction) and resolves it; rejected;
    # handed to Olga in the second line, who has not resolved it yet.
    log = (
        Log()
        .move(h(1), "new", "in_work", "executor_accepted", actor=AGENT)
        .assign(h(1), LEAD, AGENT)
        .move(h(3), "in_work", "resolved", "executor_resolved", actor=AGENT)
        .move(h(4), "resolved", "in_work", "initiator_rejected", role="initiator")
        .assign(h(5), FIRST_LINE, SECOND_LINE, field="group")
        .assign(h(5), AGENT, OLGA)
    )
    now = ticket(group_id=SECOND_LINE, executor_id=OLGA, point_kind="in_work")
    fact = build_facts(now, log.records, {})
    # Received by the lead's first line; reacted to by Alexei (the actor, in the first line then).
    assert (fact.received_group_id, fact.received_executor_id) == (FIRST_LINE, LEAD)
    assert (fact.reaction_group_id, fact.reaction_executor_id, fact.first_reaction_at) == (FIRST_LINE, AGENT, h(1))
    # The reopen is of Alexei's resolution: his first-resolved and reopened.
    assert (fact.first_resolution_group_id, fact.first_resolution_executor_id) == (FIRST_LINE, AGENT)
    assert (fact.first_resolved_at, fact.resolved_at, fact.reopens) == (h(3), None, 1)
    # Not resolved now: the resolution (and the backlog) are Olga's, the holder now.
    assert (fact.resolution_group_id, fact.resolution_executor_id) == (SECOND_LINE, OLGA)
    assert (fact.group_id, fact.executor_id) == (SECOND_LINE, OLGA)
    assert fact.reassignments == 1  # Lead → Alexei is the assignment, Alexei → Olga a reassignment


def test_a_request_never_resolved_counts_for_the_current_executor():
    log = Log().assign(h(1), LEAD, AGENT).assign(h(2), AGENT, LEAD).assign(h(3), LEAD, AGENT)
    fact = build_facts(ticket(executor_id=AGENT), log.records, {})
    assert (fact.executor_id, fact.resolution_executor_id, fact.reassignments) == (AGENT, AGENT, 2)
    assert fact.received_executor_id == LEAD  # filed with the lead


def test_the_executor_it_was_filed_with_is_read_backwards():
    # Filed with the lead (no record of it); the lead resolves it himself, then it goes to Alexei.
    log = (
        Log()
        .move(h(1), "new", "resolved", "executor_resolved", role="executor")
        .move(h(2), "resolved", "closed", "initiator_confirmed", role="initiator")
        .move(h(3), "closed", "in_work", "initiator_rejected", role="initiator")
        .assign(h(3), LEAD, AGENT)
        .move(h(5), "in_work", "closed", "executor_resolved")
    )
    fact = build_facts(ticket(executor_id=AGENT, point_kind="closed", closed_at=h(5)), log.records, {})
    # The last resolution (h5) was Alexei's; a move out of "closed" is a reopen too, of the lead's
    # first resolution (h1).
    assert (fact.resolution_executor_id, fact.reopens) == (AGENT, 1)
    assert (fact.first_resolved_at, fact.resolved_at) == (h(1), h(5))
    assert (fact.first_resolution_executor_id, fact.received_executor_id) == (LEAD, LEAD)
    assert fact.reassignments == 0  # one record handing it to someone: the assignment


def test_declining_is_not_resolving_nor_reopening():
    log = Log().move(h(1), "new", "declined", "executor_declined")
    fact = build_facts(ticket(point_kind="declined", closed_at=h(1)), log.records, {})
    assert (fact.first_resolved_at, fact.resolved_at, fact.reopens, fact.closed_at) == (None, None, 0, h(1))
    assert fact.first_reaction_at == h(1)  # declining is the executor's reaction


def test_the_initiators_own_reactions_and_notes_are_not_first_reactions():
    log = (
        Log()
        .add(h(1), "comment", reaction="initiator_replied", role="initiator")
        .add(h(2), "comment", reaction="executor_replied", role="initiator")  # the initiator is staff too
        .add(h(3), "comment", reaction="executor_replied", role="staff")
    )
    assert build_facts(ticket(), log.records, {}).first_reaction_at == h(3)


def test_automatic_confirmation():
    log = (
        Log()
        .move(h(1), "in_work", "resolved", "executor_resolved")
        .move(h(30), "resolved", "closed", "auto_confirmed", role="system")
    )
    fact = build_facts(ticket(point_kind="closed", closed_at=h(30)), log.records, {})
    assert (fact.auto_confirmed, fact.resolved_at, fact.reopens) == (True, h(1), 0)


def test_clock_outcomes():
    log = Log().move(h(3), "new", "in_work", "executor_accepted").move(h(9), "in_work", "resolved", "executor_resolved")
    clocks = {
        "first_reaction": ClockFacts("breached", dt.timedelta(hours=3), breached_at=h(1), stopped_at=h(3)),
        "resolution": ClockFacts("met", dt.timedelta(hours=6), stopped_at=h(9)),
    }
    fact = build_facts(ticket(point_kind="resolved"), log.records, clocks)
    assert (fact.first_reaction_met, fact.first_reaction_seconds, fact.first_reaction_breached_at) == (
        False,
        10800,
        h(1),
    )
    assert (fact.resolution_met, fact.resolution_seconds, fact.resolution_breached_at) == (True, 21600, None)


def test_a_breach_without_a_reaction_has_no_reaction_time():
    # Late, then withdrawn: the clock stopped at the cancellation, not at a reaction.
    log = Log().move(h(5), "new", "declined", "initiator_withdrew", role="initiator")
    clocks = {
        "first_reaction": ClockFacts("breached", dt.timedelta(hours=5), breached_at=h(4), stopped_at=h(5)),
        "resolution": ClockFacts("cancelled", dt.timedelta(hours=5), stopped_at=h(5)),
    }
    fact = build_facts(ticket(point_kind="declined", closed_at=h(5)), log.records, clocks)
    assert (fact.first_reaction_at, fact.first_reaction_seconds, fact.first_reaction_met) == (None, None, False)
    assert fact.first_reaction_breached_at == h(4)
    assert (fact.resolution_met, fact.resolution_seconds, fact.resolution_breached_at) == (None, None, None)


def test_a_reopened_request_keeps_its_resolution_breach_but_has_no_resolution_time():
    log = Log().move(h(2), "in_work", "resolved").move(h(3), "resolved", "in_work", "initiator_rejected")
    clocks = {"resolution": ClockFacts("breached", dt.timedelta(hours=9), breached_at=h(2.5))}
    fact = build_facts(ticket(point_kind="in_work"), log.records, clocks)
    assert (fact.resolved_at, fact.resolution_seconds, fact.resolution_met) == (None, None, None)
    assert fact.resolution_breached_at == h(2.5)


def test_next_reaction_cycles_from_the_ledger():
    log = Log()
    log.add(h(1), "sla", field="next_reaction", sla_event="applied", new={"cycle": 1})
    log.add(h(2), "sla", field="next_reaction", sla_event="met", new={"cycle": 1, "due_at": h(5).isoformat()})
    log.add(h(3), "sla", field="next_reaction", sla_event="applied", new={"cycle": 2})
    # The timer recorded the breach late (h 9); it happened at the deadline, h 7.
    log.add(h(9), "sla", field="next_reaction", sla_event="breached", new={"cycle": 2, "due_at": h(7).isoformat()})
    log.add(h(10), "sla", field="resolution", sla_event="breached", new={"cycle": 1, "due_at": h(6).isoformat()})
    log.add(h(11), "sla", field="next_reaction", sla_event="breached", new={"cycle": 3, "due_at": "not a date"})
    fact = build_facts(ticket(), log.records, {})
    outcomes = [(o.cycle, o.at, o.met) for o in fact.next_reactions]
    assert outcomes == [(1, h(2), True), (2, h(7), False), (3, h(11), False)]
    assert (fact.next_met, fact.next_breached) == (1, 2)


def test_rebuilding_gives_the_same_facts_whatever_order_the_records_come_in():
    log = (
        Log()
        .move(h(1), "new", "in_work", "executor_accepted")
        .assign(h(1), LEAD, AGENT)
        .move(h(3), "in_work", "resolved", "executor_resolved")
    )
    state = ticket(executor_id=AGENT, point_kind="resolved")
    first = build_facts(state, log.records, {})
    assert build_facts(state, list(reversed(log.records)), {}) == first
    assert build_facts(state, log.records, {}) == first


MSK = zoneinfo.ZoneInfo("Europe/Moscow")


def test_each_instant_counts_on_its_own_local_day():
    log = (
        Log()
        .move(h(1), "new", "in_work", "executor_accepted")
        .move(h(14), "in_work", "resolved", "executor_resolved")  # 23:00 UTC: 02:00 the next day in Moscow
        .move(h(15), "resolved", "in_work", "initiator_rejected", role="initiator")
        .move(h(40), "in_work", "resolved", "executor_resolved")
    )
    clocks = {
        "first_reaction": ClockFacts("met", dt.timedelta(hours=1), stopped_at=h(1)),
        "resolution": ClockFacts("breached", dt.timedelta(hours=20), breached_at=h(30), stopped_at=h(40)),
    }
    fact = build_facts(ticket(executor_id=None, point_kind="resolved"), log.records, clocks)
    got = F.contributions(fact, MSK)
    day = dt.date(2026, 3, 2)
    dims = (FIRST_LINE, 0, 3, 4)  # nobody executing: 0
    assert got == {
        (day, *dims, "received"): 1,
        (day, *dims, "fr_met"): 1,
        (day + dt.timedelta(days=1), *dims, "first_resolved"): 1,
        (day + dt.timedelta(days=1), *dims, "reopened"): 1,
        (day + dt.timedelta(days=1), *dims, "res_breached"): 1,  # h 30: 15:00 UTC on the 3rd
        (day + dt.timedelta(days=2), *dims, "resolved"): 1,  # h 40: 01:00 UTC on the 4th, 04:00 Moscow
    }


def test_the_deltas_move_a_request_between_days_and_people():
    # A hand-over leaves "received" with whom it was filed with (the lead): nothing moves.
    before = build_facts(ticket(), Log().records, {})
    handed = build_facts(ticket(executor_id=AGENT), Log().assign(h(1), LEAD, AGENT).records, {})
    assert F.day_deltas([before], [handed], MSK) == {}
    # Alexei resolves it in the evening (h 14: 02:00 the next day in Moscow): "resolved" appears
    # on that day, his; "first_resolved" too.
    resolved = build_facts(
        ticket(executor_id=AGENT, point_kind="resolved"),
        Log().assign(h(1), LEAD, AGENT).move(h(14), "in_work", "resolved", "executor_resolved").records,
        {},
    )
    next_day = dt.date(2026, 3, 3)
    assert F.day_deltas([handed], [resolved], MSK) == {
        (next_day, FIRST_LINE, AGENT, 3, 4): {"resolved": 1, "first_resolved": 1},
    }
    assert F.day_deltas([resolved], [resolved], MSK) == {}  # reprocessing changes nothing


def test_each_measure_lands_on_its_owner_in_the_daily_counts():
    # Filed with the lead; Alexei takes it (met at h 1) and resolves it (h 3), the initiator
    # rejects it (h 4), the lead hands it to Olga (h 5) who resolves it (h 6) and it stays
    # resolved; a next-reaction cycle is answered at h 2 (Alexei's) and one breached at h 5.5
    # (Olga's: she holds it at that deadline).
    log = (
        Log()
        .move(h(1), "new", "in_work", "executor_accepted", actor=AGENT)
        .assign(h(1), LEAD, AGENT)
        .add(h(2), "sla", field="next_reaction", sla_event="met", new={"cycle": 1})
        .move(h(3), "in_work", "resolved", "executor_resolved", actor=AGENT)
        .move(h(4), "resolved", "in_work", "initiator_rejected", role="initiator")
        .assign(h(5), AGENT, OLGA)
        .move(h(6), "in_work", "resolved", "executor_resolved", actor=OLGA)
        .add(h(7), "sla", field="next_reaction", sla_event="breached", new={"cycle": 2, "due_at": h(5.5).isoformat()})
    )
    clocks = {"first_reaction": ClockFacts("met", dt.timedelta(hours=1), stopped_at=h(1))}
    fact = build_facts(ticket(executor_id=OLGA, point_kind="resolved"), log.records, clocks)
    day = dt.date(2026, 3, 2)  # h 0–7: 12:00–19:00 in Moscow, one day
    assert F.contributions(fact, MSK) == {
        (day, FIRST_LINE, LEAD, 3, 4, "received"): 1,
        (day, FIRST_LINE, AGENT, 3, 4, "fr_met"): 1,
        (day, FIRST_LINE, AGENT, 3, 4, "first_resolved"): 1,  # the first resolution was his…
        (day, FIRST_LINE, AGENT, 3, 4, "reopened"): 1,  # …and it was the one reopened
        (day, FIRST_LINE, OLGA, 3, 4, "resolved"): 1,  # the last resolution is hers
        (day, FIRST_LINE, 0, 3, 4, "reassigned"): 1,  # the group's, nobody's
        (day, FIRST_LINE, 0, 3, 4, "reassignments"): 1,
        (day, FIRST_LINE, AGENT, 3, 4, "nr_met"): 1,
        (day, FIRST_LINE, OLGA, 3, 4, "nr_breached"): 1,
    }


def test_a_first_reaction_known_only_from_its_clock_is_whoever_held_it_then():
    # No executor reaction in the log (written before reactions had kinds); the clock stopped at
    # h 2, while the lead held it; Alexei got it at h 3: the reaction is the lead's.
    log = Log().assign(h(3), LEAD, AGENT)
    clocks = {"first_reaction": ClockFacts("met", dt.timedelta(hours=2), stopped_at=h(2))}
    fact = build_facts(ticket(executor_id=AGENT), log.records, clocks)
    assert (fact.first_reaction_at, fact.reaction_group_id, fact.reaction_executor_id) == (h(2), FIRST_LINE, LEAD)
    assert fact.executor_id == AGENT  # the holder now


def test_a_first_reaction_breach_is_the_group_that_held_the_request_at_the_deadline():
    # ERR-1 is filed to the first line (A) at 09:00 with no executor, a 1 h first-reaction target;
    # nobody in A reacts. At 14:00 it is moved to the second line (B), and Petrov (B) takes it at
    # 14:05. The breach (10:00) is A's, who let the deadline pass; the late reaction is Petrov's.
    at_14 = h(5)
    log = (
        Log()
        .assign(at_14, FIRST_LINE, SECOND_LINE, field="group")
        .move(h(5 + 5 / 60), "new", "in_work", "executor_accepted", actor=PETROV)
        .assign(h(5 + 5 / 60), None, PETROV)
    )
    clocks = {
        "first_reaction": ClockFacts("breached", dt.timedelta(minutes=305), breached_at=h(1), stopped_at=h(5 + 5 / 60))
    }
    fact = build_facts(ticket(group_id=SECOND_LINE, executor_id=PETROV), log.records, clocks)
    assert (fact.reaction_breach_group_id, fact.reaction_breach_executor_id) == (FIRST_LINE, None)
    assert (fact.reaction_group_id, fact.reaction_executor_id) == (SECOND_LINE, PETROV)
    assert (fact.first_reaction_at, fact.first_reaction_seconds, fact.first_reaction_met) == (
        h(5 + 5 / 60),
        18300,
        False,
    )
    day = dt.date(2026, 3, 2)  # 12:00–17:05 in Moscow
    # By hand: filed to A (A's received, and Petrov's: the first to take it), breached under A, and
    # nothing else of Petrov's: his reaction was late (not met) and the breach is not his.
    assert F.contributions(fact, MSK) == {
        (day, FIRST_LINE, PETROV, 3, 4, "received"): 1,
        (day, FIRST_LINE, 0, 3, 4, "fr_breached"): 1,
    }

    # Before the move (13:00, unreacted, still A's), the breach was A's already: the move and the
    # late reaction change none of the day's breach counts; only "received" gains its person.
    before = build_facts(
        ticket(executor_id=None),
        Log().records,
        {"first_reaction": ClockFacts("breached", dt.timedelta(hours=4), breached_at=h(1))},
    )
    assert (before.reaction_breach_group_id, before.reaction_breach_executor_id) == (FIRST_LINE, None)
    assert F.day_deltas([before], [fact], MSK) == {
        (day, FIRST_LINE, 0, 3, 4): {"received": -1},
        (day, FIRST_LINE, PETROV, 3, 4): {"received": 1},
    }


def test_an_unreacted_breach_does_not_travel_with_the_request():
    # Breached at h 1 with the lead (first line), handed to the second line at h 2 and to Olga at
    # h 3, still unreacted: the breach stays the lead's; the pending reaction is the holder's now.
    log = Log().assign(h(2), FIRST_LINE, SECOND_LINE, field="group").assign(h(3), LEAD, OLGA)
    clocks = {"first_reaction": ClockFacts("breached", dt.timedelta(hours=3), breached_at=h(1))}
    fact = build_facts(ticket(group_id=SECOND_LINE, executor_id=OLGA), log.records, clocks)
    assert (fact.reaction_breach_group_id, fact.reaction_breach_executor_id) == (FIRST_LINE, LEAD)
    assert (fact.reaction_group_id, fact.reaction_executor_id) == (SECOND_LINE, OLGA)


def test_a_resolution_breach_is_whoever_held_the_request_at_the_deadline():
    # Alexei takes it (h 1, met); the resolution deadline passes at h 4 while he holds it; at h 5 it
    # is handed to Olga in the second line, who resolves it at h 6: the resolution is hers, the
    # breach Alexei's (first line).
    log = (
        Log()
        .move(h(1), "new", "in_work", "executor_accepted", actor=AGENT)
        .assign(h(1), LEAD, AGENT)
        .assign(h(5), FIRST_LINE, SECOND_LINE, field="group")
        .assign(h(5), AGENT, OLGA)
        .move(h(6), "in_work", "resolved", "executor_resolved", actor=OLGA)
    )
    clocks = {
        "first_reaction": ClockFacts("met", dt.timedelta(hours=1), stopped_at=h(1)),
        "resolution": ClockFacts("breached", dt.timedelta(hours=6), breached_at=h(4), stopped_at=h(6)),
    }
    fact = build_facts(ticket(group_id=SECOND_LINE, executor_id=OLGA, point_kind="resolved"), log.records, clocks)
    assert (fact.resolution_breach_group_id, fact.resolution_breach_executor_id) == (FIRST_LINE, AGENT)
    assert (fact.resolution_group_id, fact.resolution_executor_id, fact.resolution_met) == (SECOND_LINE, OLGA, False)
    day = dt.date(2026, 3, 2)
    assert F.contributions(fact, MSK) == {
        (day, FIRST_LINE, LEAD, 3, 4, "received"): 1,
        (day, FIRST_LINE, AGENT, 3, 4, "fr_met"): 1,
        (day, FIRST_LINE, AGENT, 3, 4, "res_breached"): 1,
        (day, SECOND_LINE, OLGA, 3, 4, "resolved"): 1,
        (day, SECOND_LINE, OLGA, 3, 4, "first_resolved"): 1,
        (day, SECOND_LINE, 0, 3, 4, "reassigned"): 1,
        (day, SECOND_LINE, 0, 3, 4, "reassignments"): 1,
    }


def test_a_request_filed_into_the_groups_queue_is_received_by_whoever_first_takes_it():
    # Filed with nobody (it waits in the first line's queue); Alexei takes it the next morning, and
    # hands it to Olga later: received by the first line and, from the take on, by Alexei, on the
    # day it was filed.
    waiting = build_facts(ticket(executor_id=None, point_kind="new"), Log().records, {})
    assert (waiting.received_group_id, waiting.received_executor_id) == (FIRST_LINE, None)
    log = Log().move(h(20), "new", "in_work", "executor_accepted", actor=AGENT).assign(h(20), None, AGENT)
    taken = build_facts(ticket(executor_id=AGENT), log.records, {})
    assert (taken.received_group_id, taken.received_executor_id) == (FIRST_LINE, AGENT)
    handed = build_facts(ticket(executor_id=OLGA), log.assign(h(30), AGENT, OLGA).records, {})
    assert (handed.received_group_id, handed.received_executor_id) == (FIRST_LINE, AGENT)
    # The take moves the filing day's count from "nobody" to Alexei; the hand-over moves nothing.
    day = dt.date(2026, 3, 2)
    assert F.day_deltas([waiting], [taken], MSK) == {
        (day, FIRST_LINE, 0, 3, 4): {"received": -1},
        (day, FIRST_LINE, AGENT, 3, 4): {"received": 1},
    }
    assert "received" not in str(F.day_deltas([taken], [handed], MSK))


def test_an_unassignment_before_anyone_took_it_names_nobody():
    # Filed with nobody, assigned to nobody again (a record whose new value is empty): still the group's.
    fact = build_facts(ticket(executor_id=None), Log().assign(h(1), None, None).records, {})
    assert (fact.received_group_id, fact.received_executor_id) == (FIRST_LINE, None)
