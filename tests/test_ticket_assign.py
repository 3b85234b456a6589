"""ticket_assign: who may hand a request to whom, within the group or to another group."""

from __future__ import annotations

import pytest

from otklik.accounts.models import SupportGroup
from otklik.core.errors import Conflict, Forbidden, Invalid
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_assign, ticket_transition


@pytest.fixture
def ticket(personas, dispatching):
    """A first-line error request; its executor is the group lead: the groups hand new requests to
    their dispatcher here, and the first line has none."""
    return file_error(personas.initiator)


def assign(personas, ticket, who, **kw):
    kw.setdefault("version", ticket.version)
    return ticket_assign(ticket=ticket, actor=getattr(personas, who), **kw)


def stored(ticket):
    return Ticket.objects.values_list("group__code", "executor__username", "version").get(pk=ticket.pk)


def assignments(ticket):
    return list(
        LogRecord.objects.filter(ticket=ticket, event="assignment")
        .order_by("id")
        .values_list("field", "old_value", "new_value", "actor__username")
    )


@pytest.mark.parametrize("who", ["agent", "lead", "manager", "admin"])
def test_group_staff_may_hand_the_request_to_a_group_member(personas, ticket, who):
    t = assign(personas, ticket, who, executor="agent")
    assert t.executor_id == personas.agent.pk and t.version == 2
    assert stored(t) == ("first-line", "agent", 2)
    assert assignments(t) == [("executor", personas.lead.pk, personas.agent.pk, who)]


def test_executor_may_be_named_by_id(personas, ticket):
    assert assign(personas, ticket, "lead", executor=personas.agent.pk).executor_id == personas.agent.pk


def test_an_executor_from_outside_the_group_may_pass_it_on_within_the_group(personas, ticket):
    # agent2 (second line) ended up executor of a first-line request; they may hand it back in.
    Ticket.objects.filter(pk=ticket.pk).update(executor=personas.agent2)
    ticket.refresh_from_db()
    with pytest.raises(Forbidden):
        assign(personas, ticket, "agent2", group_code="second-line")
    t = assign(personas, ticket, "agent2", executor="agent")
    assert stored(t) == ("first-line", "agent", 2)


@pytest.mark.parametrize("who", ["agent2", "initiator", "initiator2", "outsider"])
def test_people_outside_the_group_may_not_reassign(personas, ticket, who):
    with pytest.raises(Forbidden) as exc:
        assign(personas, ticket, who, executor="agent")
    assert exc.value.status == 403
    assert stored(ticket) == ("first-line", "lead", 1)
    assert assignments(ticket) == []


def test_a_group_member_may_not_move_the_request_to_another_group(personas, ticket):
    with pytest.raises(Forbidden):
        assign(personas, ticket, "agent", group_code="second-line")
    assert stored(ticket) == ("first-line", "lead", 1)


@pytest.mark.parametrize("who", ["lead", "manager"])
def test_lead_or_manager_moves_it_to_another_group_whose_dispatcher_takes_it(personas, ticket, who):
    t = assign(personas, ticket, who, group_code="second-line")
    second = SupportGroup.objects.get(code="second-line")
    first = SupportGroup.objects.get(code="first-line")
    assert stored(t) == ("second-line", "agent2", 2)
    assert assignments(t) == [
        ("group", first.pk, second.pk, who),
        ("executor", personas.lead.pk, personas.agent2.pk, who),
    ]


def test_moving_to_another_group_with_a_named_member(personas, ticket):
    t = assign(personas, ticket, "manager", group_code="second-line", executor="agent2")
    assert stored(t) == ("second-line", "agent2", 2)


def test_moving_to_another_group_with_a_non_member_is_refused(personas, ticket):
    with pytest.raises(Invalid) as exc:
        assign(personas, ticket, "manager", group_code="second-line", executor="agent")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [
        ("executor", "not_member", "not a member of the request's group")
    ]
    assert stored(ticket) == ("first-line", "lead", 1)


def test_moving_to_a_group_without_dispatcher_or_lead_leaves_no_executor(personas, ticket):
    SupportGroup.objects.create(code="third-line", name_ru="Третья", name_en="Third")
    t = assign(personas, ticket, "lead", group_code="third-line")
    assert stored(t) == ("third-line", None, 2)
    assert [a[0] for a in assignments(t)] == ["group", "executor"]
    assert assignments(t)[1][2] is None


@pytest.mark.parametrize("group_code", ["fourth-line", "archived"])
def test_unknown_or_inactive_group_is_refused(personas, ticket, group_code):
    SupportGroup.objects.create(code="archived", name_ru="Архив", name_en="Archived", is_active=False)
    with pytest.raises(Invalid) as exc:
        assign(personas, ticket, "manager", group_code=group_code)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("group", "unknown", "unknown")]


@pytest.mark.parametrize(
    ("executor", "code", "error"),
    [
        ("agent2", "not_member", "not a member of the request's group"),
        ("initiator", "not_member", "not a member of the request's group"),
        ("nobody", "unknown", "unknown user"),
        ("999999", "unknown", "unknown user"),
    ],
)
def test_executor_must_be_staff_of_the_requests_group(personas, ticket, executor, code, error):
    with pytest.raises(Invalid) as exc:
        assign(personas, ticket, "lead", executor=executor)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("executor", code, error)]
    assert stored(ticket) == ("first-line", "lead", 1)


def test_an_inactive_member_cannot_be_assigned(personas, ticket):
    personas.agent.is_active = False
    personas.agent.save()
    with pytest.raises(Invalid) as exc:
        assign(personas, ticket, "lead", executor="agent")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("executor", "unknown", "unknown user")]


@pytest.mark.parametrize("kw", [{}, {"executor": ""}, {"group_code": "first-line"}])
def test_naming_nobody_is_refused(personas, ticket, kw):
    with pytest.raises(Invalid) as exc:
        assign(personas, ticket, "lead", **kw)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("executor", "required", "required")]


def test_assigning_the_current_executor_changes_nothing(personas, ticket):
    t = assign(personas, ticket, "lead", executor="lead", group_code="first-line")
    assert t.version == 1
    assert stored(ticket) == ("first-line", "lead", 1)
    assert assignments(ticket) == []


def test_stale_version_is_a_conflict(personas, ticket):
    assign(personas, ticket, "lead", executor="agent")
    with pytest.raises(Conflict) as exc:
        assign(personas, ticket, "lead", executor="lead", version=1)
    assert exc.value.code == "stale_version"
    assert stored(ticket) == ("first-line", "agent", 2)


def test_a_copy_read_before_someone_elses_change_is_a_conflict(personas, ticket):
    mine = Ticket.objects.get(pk=ticket.pk)
    assign(personas, ticket, "lead", executor="agent")
    with pytest.raises(Conflict):
        ticket_assign(ticket=mine, actor=personas.manager, version=1, group_code="second-line")
    assert stored(ticket) == ("first-line", "agent", 2)
    assert len(assignments(ticket)) == 1


def test_the_new_executor_may_then_take_executor_transitions(personas, ticket):
    t = ticket_transition(ticket=ticket, actor=personas.lead, transition_code="accept", version=1)
    t = ticket_transition(ticket=t, actor=personas.lead, transition_code="start", version=2)
    t = assign(personas, t, "lead", executor="agent")
    t = ticket_transition(ticket=t, actor=personas.agent, transition_code="resolve", version=4, comment="Done")
    assert t.point.code == "resolved"
