"""ticket_watch: following a request oneself, and staff adding or removing others."""

from __future__ import annotations

import pytest

from otklik.accounts.models import User
from otklik.core.errors import Forbidden, Invalid
from otklik.testing.factories import file_error
from otklik.tickets.access import may_see, visible_tickets
from otklik.tickets.models import LogRecord, Ticket, Watcher
from otklik.tickets.watchers import ticket_watch


@pytest.fixture
def ticket(personas, dispatching):
    return file_error(personas.initiator)


def watchers(ticket):
    return sorted(Watcher.objects.filter(ticket=ticket).values_list("user__username", flat=True))


def records(ticket):
    return list(
        LogRecord.objects.filter(ticket=ticket, event="watcher")
        .order_by("id")
        .values_list("actor__username", "field", "old_value", "new_value")
    )


def test_anyone_on_the_request_may_follow_it_themselves(personas, ticket):
    assert ticket_watch(ticket=ticket, actor=personas.agent) is True
    assert watchers(ticket) == ["agent"]
    assert records(ticket) == [("agent", "watchers", None, "agent")]


@pytest.mark.parametrize("ref_of", [lambda u: u.username, lambda u: u.pk, lambda u: str(u.pk), lambda u: ""])
def test_naming_oneself_is_the_same_as_naming_nobody(personas, ticket, ref_of):
    assert ticket_watch(ticket=ticket, actor=personas.initiator, user_ref=ref_of(personas.initiator)) is True
    assert watchers(ticket) == ["initiator"]


def test_following_twice_changes_nothing_the_second_time(personas, ticket):
    assert ticket_watch(ticket=ticket, actor=personas.agent) is True
    assert ticket_watch(ticket=ticket, actor=personas.agent) is False
    assert watchers(ticket) == ["agent"]
    assert len(records(ticket)) == 1


def test_unfollowing(personas, ticket):
    ticket_watch(ticket=ticket, actor=personas.agent)
    assert ticket_watch(ticket=ticket, actor=personas.agent, add=False) is True
    assert ticket_watch(ticket=ticket, actor=personas.agent, add=False) is False
    assert watchers(ticket) == []
    assert records(ticket) == [("agent", "watchers", None, "agent"), ("agent", "watchers", "agent", None)]


@pytest.mark.parametrize("who", ["agent", "lead", "manager"])
def test_staff_may_add_and_remove_a_colleague_of_the_initiator(personas, ticket, who):
    actor = getattr(personas, who)
    assert ticket_watch(ticket=ticket, actor=actor, user_ref="initiator2") is True
    assert watchers(ticket) == ["initiator2"]
    assert ticket_watch(ticket=ticket, actor=actor, user_ref=personas.initiator2.pk, add=False) is True
    assert watchers(ticket) == []
    assert records(ticket) == [(who, "watchers", None, "initiator2"), (who, "watchers", "initiator2", None)]


def test_staff_may_add_other_staff(personas, ticket):
    assert ticket_watch(ticket=ticket, actor=personas.lead, user_ref="agent2") is True
    assert watchers(ticket) == ["agent2"]


@pytest.mark.parametrize("who", ["initiator", "initiator2"])
def test_non_staff_may_not_add_or_remove_others(personas, ticket, who):
    Watcher.objects.create(ticket=ticket, user=personas.agent)
    with pytest.raises(Forbidden) as exc:
        ticket_watch(ticket=ticket, actor=getattr(personas, who), user_ref="manager")
    assert exc.value.detail == "only support staff may add or remove other watchers"
    with pytest.raises(Forbidden):
        ticket_watch(ticket=ticket, actor=getattr(personas, who), user_ref="agent", add=False)
    assert watchers(ticket) == ["agent"]
    assert records(ticket) == []


@pytest.mark.parametrize("ref", ["nobody", "999999"])
def test_unknown_user_is_refused(personas, ticket, ref):
    with pytest.raises(Invalid) as exc:
        ticket_watch(ticket=ticket, actor=personas.lead, user_ref=ref)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("user", "unknown", "unknown")]
    assert watchers(ticket) == []


def test_an_inactive_user_cannot_be_added(personas, ticket):
    personas.initiator2.is_active = False
    personas.initiator2.save()
    with pytest.raises(Invalid) as exc:
        ticket_watch(ticket=ticket, actor=personas.lead, user_ref="initiator2")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("user", "unknown", "unknown")]


def test_someone_from_another_organisation_cannot_be_made_a_watcher(personas, ticket):
    # A watcher sees everything on the request: another organisation's employee must not.
    with pytest.raises(Invalid) as exc:
        ticket_watch(ticket=ticket, actor=personas.lead, user_ref="outsider")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [
        ("user", "not_member", "not of the request's organisation")
    ]
    assert watchers(ticket) == []
    assert may_see(personas.outsider, Ticket.objects.get(pk=ticket.pk)) is False


def test_someone_with_no_organisation_cannot_be_made_a_watcher(personas, ticket):
    User.objects.create(username="freelancer", role="initiator")
    with pytest.raises(Invalid) as exc:
        ticket_watch(ticket=ticket, actor=personas.manager, user_ref="freelancer")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [
        ("user", "not_member", "not of the request's organisation")
    ]


def test_the_initiator_may_follow_their_own_request_after_changing_organisation(personas, ticket):
    personas.initiator.organisation = personas.outsider.organisation
    personas.initiator.save()
    assert ticket_watch(ticket=ticket, actor=personas.initiator) is True


def test_a_watcher_sees_the_request(personas, ticket):
    t = Ticket.objects.get(pk=ticket.pk)
    assert may_see(personas.initiator2, t) is False
    assert may_see(personas.agent2, t) is False
    ticket_watch(ticket=ticket, actor=personas.lead, user_ref="initiator2")
    ticket_watch(ticket=ticket, actor=personas.lead, user_ref="agent2")
    assert may_see(personas.initiator2, t) is True
    assert may_see(personas.agent2, t) is True
    assert list(visible_tickets(personas.initiator2).filter(pk=t.pk).values_list("number", flat=True)) == [t.number]


def test_a_watcher_record_has_the_stage_and_the_actors_role(personas, ticket):
    ticket_watch(ticket=ticket, actor=personas.lead, user_ref="initiator2")
    record = LogRecord.objects.get(ticket=ticket, event="watcher")
    assert (record.actor_role, record.point_id, record.reaction, record.internal) == (
        "executor",
        ticket.point_id,
        "",
        False,
    )


def test_a_reader_cannot_make_themselves_a_participant(personas, ticket):
    """Maria may read her organisation's requests; watching would let her reply and add files."""
    personas.initiator2.sees_organisation_requests = True
    personas.initiator2.save()
    with pytest.raises(Forbidden, match="only support staff may add watchers"):
        ticket_watch(ticket=ticket, actor=personas.initiator2)
    assert watchers(ticket) == []
    # Support may add her, and she may leave again.
    assert ticket_watch(ticket=ticket, actor=personas.agent, user_ref="initiator2") is True
    assert ticket_watch(ticket=ticket, actor=personas.initiator2, add=False) is True
