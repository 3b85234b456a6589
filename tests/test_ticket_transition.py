"""ticket_transition: the demo routes walked end to end, and every refusal leaving the request as it was."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from otklik.core.errors import Conflict, Forbidden, Invalid
from otklik.testing.factories import file_error
from otklik.tickets.access import available_transitions
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_create, ticket_transition

NOW = "2026-03-10T11:30:00+03:00"
NOW_DT = datetime(2026, 3, 10, 11, 30, tzinfo=ZoneInfo("Europe/Moscow"))


def new_error(p, **kw):
    return file_error(p.initiator, **kw)


def new_wish(p):
    # No category: the wish type's own group, second line (dispatcher agent2).
    return ticket_create(initiator=p.initiator, type_code="wish", subject="Export to Excel", fields={"benefit": "time"})


def new_request(p):
    return ticket_create(
        initiator=p.initiator, type_code="request", subject="Access", category_code="access", fields={"kind": "access"}
    )


def step(p, ticket, who, code, **kw):
    return ticket_transition(ticket=ticket, actor=getattr(p, who), transition_code=code, version=ticket.version, **kw)


def state(ticket):
    """What a refusal must leave untouched: the row as stored and the size of its log."""
    row = Ticket.objects.values("point__code", "executor_id", "version", "is_open", "closed_at").get(pk=ticket.pk)
    return row, LogRecord.objects.filter(ticket=ticket).count()


def transitions_logged(ticket):
    return list(
        LogRecord.objects.filter(ticket=ticket, event="transition")
        .order_by("id")
        .values_list("transition__code", "actor__username", "point__code", "to_point__code")
    )


# --- the three demo routes -----------------------------------------------------------------


def test_error_route_accept_start_resolve_confirm(personas, settings):
    settings.OTKLIK_NOW = NOW
    p = personas
    t = new_error(p)
    assert (t.point.code, t.executor_id, t.version) == ("new", None, 1)  # in the first line's queue
    t = step(p, t, "agent", "accept")
    assert (t.point.code, t.executor_id, t.version) == ("accepted", p.agent.pk, 2)
    t = step(p, t, "agent", "start")
    t = step(p, t, "agent", "resolve", comment="Fixed the formula")
    assert (t.point.code, t.is_open, t.closed_at) == ("resolved", True, None)
    t = step(p, t, "initiator", "confirm")
    stored = Ticket.objects.get(pk=t.pk)
    assert (stored.point.code, stored.version, stored.executor_id) == ("closed", 5, p.agent.pk)
    assert stored.is_open is False
    assert stored.closed_at == NOW_DT
    assert transitions_logged(t) == [
        ("accept", "agent", "new", "accepted"),
        ("start", "agent", "accepted", "in_work"),
        ("resolve", "agent", "in_work", "resolved"),
        ("confirm", "initiator", "resolved", "closed"),
    ]
    assert available_transitions(p.initiator, stored) == []
    assert available_transitions(p.manager, stored) == []


def test_wish_route_review_approve_develop_deliver_confirm(personas):
    p = personas
    t = new_wish(p)
    assert (t.group.code, t.executor_id) == ("second-line", None)  # in the second line's queue
    t = step(p, t, "manager", "review")
    assert (t.point.code, t.executor_id) == ("under_review", p.manager.pk)
    t = step(p, t, "manager", "approve")
    assert (t.point.code, t.executor_id) == ("approved", p.manager.pk)
    t = step(p, t, "manager", "develop", executor="agent2")
    assert (t.point.code, t.executor_id, t.version) == ("in_development", p.agent2.pk, 4)
    t = step(p, t, "agent2", "deliver", comment="In release 2.4")
    assert t.point.code == "delivered" and t.is_open is True
    t = step(p, t, "initiator", "confirm")
    stored = Ticket.objects.get(pk=t.pk)
    assert (stored.point.code, stored.is_open, stored.version) == ("closed", False, 6)
    assert stored.closed_at is not None
    assert [r[0] for r in transitions_logged(t)] == ["review", "approve", "develop", "deliver", "confirm"]
    deliver = LogRecord.objects.get(ticket=t, transition__code="deliver")
    assert deliver.body == "In release 2.4"


def test_request_route_take_ask_provide_resolve_confirm(personas):
    p = personas
    t = new_request(p)
    t = step(p, t, "agent", "take")
    assert (t.point.code, t.executor_id) == ("in_work", p.agent.pk)
    t = step(p, t, "agent", "ask", comment="Which section exactly?")
    assert t.point.code == "waiting" and t.point.clock == "paused"
    t = step(p, t, "initiator", "provide", comment="Contracts, read only")
    assert t.point.code == "in_work" and t.executor_id == p.agent.pk
    t = step(p, t, "agent", "resolve", comment="Granted")
    t = step(p, t, "initiator", "confirm")
    stored = Ticket.objects.get(pk=t.pk)
    assert (stored.point.code, stored.is_open, stored.version) == ("closed", False, 6)
    assert transitions_logged(t) == [
        ("take", "agent", "new", "in_work"),
        ("ask", "agent", "in_work", "waiting"),
        ("provide", "initiator", "waiting", "in_work"),
        ("resolve", "agent", "in_work", "resolved"),
        ("confirm", "initiator", "resolved", "closed"),
    ]


def test_rejected_resolution_goes_back_to_work_and_stays_open(personas):
    p = personas
    t = new_error(p)
    for who, code, kw in [("agent", "accept", {}), ("agent", "start", {}), ("agent", "resolve", {"comment": "ok"})]:
        t = step(p, t, who, code, **kw)
    t = step(p, t, "initiator", "reject", comment="Still fails")
    stored = Ticket.objects.get(pk=t.pk)
    assert (stored.point.code, stored.is_open, stored.closed_at, stored.executor_id) == (
        "in_work",
        True,
        None,
        p.agent.pk,
    )


def test_withdraw_by_the_initiator_closes_it_at_its_own_declined_point(personas):
    t = step(personas, new_error(personas), "initiator", "withdraw")
    assert (t.point.code, t.point.kind, t.is_open) == ("withdrawn", "declined", False)
    assert Ticket.objects.get(pk=t.pk).closed_at is not None


def test_decline_by_the_executor_needs_a_reason(personas):
    t = new_request(personas)
    with pytest.raises(Invalid) as exc:
        step(personas, t, "lead", "decline")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("comment", "required", "is required")]
    t = step(personas, t, "lead", "decline", comment="Ask HR instead")
    assert (t.point.code, t.is_open) == ("declined", False)


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("comment", [None, "", "   \n"])
def test_comment_required_is_refused_without_a_comment(personas, comment):
    p = personas
    t = step(p, step(p, new_error(p), "agent", "accept"), "agent", "start")
    before = state(t)
    with pytest.raises(Invalid) as exc:
        step(p, t, "agent", "resolve", comment=comment)
    assert exc.value.status == 422
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("comment", "required", "is required")]
    assert state(t) == before


def test_chosen_executor_is_required(personas):
    p = personas
    t = step(p, step(p, new_wish(p), "manager", "review"), "manager", "approve")
    before = state(t)
    with pytest.raises(Invalid) as exc:
        step(p, t, "manager", "develop")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("executor", "required", "required")]
    assert state(t) == before


@pytest.mark.parametrize(
    ("who", "code", "error"),
    [
        ("agent", "not_member", "not a member of the request's group"),  # first line, the wish is second line's
        ("initiator2", "not_member", "not a member of the request's group"),  # not support staff at all
        ("nobody", "unknown", "unknown user"),
    ],
)
def test_chosen_executor_must_be_a_member_of_the_requests_group(personas, who, code, error):
    p = personas
    t = step(p, step(p, new_wish(p), "manager", "review"), "manager", "approve")
    before = state(t)
    with pytest.raises(Invalid) as exc:
        step(p, t, "manager", "develop", executor=who)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("executor", code, error)]
    assert state(t) == before


def test_chosen_executor_may_be_named_by_id(personas):
    p = personas
    t = step(p, step(p, new_wish(p), "manager", "review"), "manager", "approve")
    t = step(p, t, "manager", "develop", executor=p.agent2.pk)
    assert t.executor_id == p.agent2.pk


def test_executor_given_where_the_transition_does_not_allow_it_is_refused(personas):
    t = new_error(personas)
    before = state(t)
    with pytest.raises(Invalid) as exc:
        step(personas, t, "agent", "accept", executor="lead")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [
        ("executor", "not_allowed", "not allowed for this transition")
    ]
    assert state(t) == before


IN_WORK = [("agent", "accept", {}), ("agent", "start", {})]
RESOLVED = [*IN_WORK, ("agent", "resolve", {"comment": "ok"})]


@pytest.mark.parametrize(
    ("who", "code", "setup"),
    [
        ("agent2", "accept", []),  # second line is not a member of first line
        ("initiator", "accept", []),  # the initiator does not accept their own request
        ("outsider", "withdraw", []),  # only the initiator withdraws
        ("lead", "resolve", IN_WORK),  # only the executor resolves, not the group lead
        ("initiator2", "confirm", RESOLVED),  # a colleague cannot confirm the initiator's request
        ("agent", "confirm", RESOLVED),  # nor can the executor
        ("manager", "confirm", RESOLVED),  # on the error route the manager cannot either
    ],
)
def test_forbidden_actor_is_refused_and_nothing_changes(personas, who, code, setup):
    t = new_error(personas)
    for actor, c, kw in setup:
        t = step(personas, t, actor, c, **kw)
    before = state(t)
    with pytest.raises(Forbidden) as exc:
        step(personas, t, who, code, comment="trying")
    assert exc.value.status == 403
    assert code in exc.value.detail and t.number in exc.value.detail
    assert state(t) == before


def test_manager_may_take_lead_transitions_on_any_group(personas):
    t = step(personas, new_wish(personas), "manager", "review")
    assert t.point.code == "under_review"


def test_stale_version_is_a_conflict_and_nothing_changes(personas):
    t = step(personas, new_error(personas), "agent", "accept")
    before = state(t)
    with pytest.raises(Conflict) as exc:
        ticket_transition(ticket=t, actor=personas.agent, transition_code="start", version=1)
    assert exc.value.status == 409 and exc.value.code == "stale_version"
    assert state(t) == before


def test_a_copy_read_before_someone_elses_change_is_a_conflict(personas):
    t = new_error(personas)
    mine = Ticket.objects.get(pk=t.pk)
    theirs = Ticket.objects.get(pk=t.pk)
    ticket_transition(ticket=theirs, actor=personas.lead, transition_code="accept", version=1)
    before = state(t)
    with pytest.raises(Conflict) as exc:
        ticket_transition(ticket=mine, actor=personas.agent, transition_code="accept", version=1)
    assert exc.value.code == "stale_version"
    assert state(t) == before
    assert before[0]["executor_id"] == personas.lead.pk
    assert transitions_logged(t) == [("accept", "lead", "new", "accepted")]


def test_transition_from_another_point_is_a_conflict(personas):
    t = new_error(personas)
    before = state(t)
    with pytest.raises(Conflict) as exc:
        step(personas, t, "initiator", "confirm")
    assert exc.value.code == "wrong_point"
    assert "'confirm'" in exc.value.detail and "'new'" in exc.value.detail
    assert state(t) == before


@pytest.mark.parametrize("code", ["teleport", "approve"])  # "approve" exists, but on the wish route only
def test_unknown_transition_is_invalid(personas, code):
    t = new_error(personas)
    before = state(t)
    with pytest.raises(Invalid) as exc:
        step(personas, t, "agent", code)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("transition", "unknown", "unknown")]
    assert state(t) == before


def test_a_final_point_has_no_way_out(personas):
    t = step(personas, new_error(personas), "initiator", "withdraw")
    with pytest.raises(Conflict) as exc:
        step(personas, t, "lead", "accept")
    assert exc.value.code == "wrong_point"


def test_comment_is_kept_on_the_transition_record_stripped(personas):
    p = personas
    t = step(p, step(p, new_error(p), "agent", "accept"), "agent", "start")
    step(p, t, "agent", "resolve", comment="  Fixed  ")
    assert LogRecord.objects.get(ticket=t, transition__code="resolve").body == "Fixed"


def test_over_long_comment_is_refused(personas, settings):
    settings.MAX_TEXT_LENGTH = 10
    p = personas
    t = step(p, step(p, new_error(p), "agent", "accept"), "agent", "start")
    before = state(t)
    with pytest.raises(Invalid) as exc:
        step(p, t, "agent", "resolve", comment="x" * 11)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [
        ("comment", "too_long", "at most 10 characters")
    ]
    assert state(t) == before


def test_available_transitions_follow_capacities(personas):
    p = personas
    t = Ticket.objects.get(pk=new_error(p).pk)
    assert [x.code for x in available_transitions(p.initiator, t)] == ["withdraw"]
    assert [x.code for x in available_transitions(p.agent, t)] == ["accept"]
    assert [x.code for x in available_transitions(p.lead, t)] == ["accept", "decline"]
    assert [x.code for x in available_transitions(p.agent2, t)] == []
    assert [x.code for x in available_transitions(p.initiator2, t)] == []
