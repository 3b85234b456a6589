"""ticket_comment: who may write, public replies versus internal notes, and no version bump."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from otklik.core.errors import Forbidden, Invalid
from otklik.tickets.models import LogRecord, Ticket, Watcher
from otklik.workflow import ticket_comment, ticket_create, ticket_transition

LATER = "2026-03-11T15:00:00+03:00"
LATER_DT = datetime(2026, 3, 11, 15, 0, tzinfo=ZoneInfo("Europe/Moscow"))


@pytest.fixture
def ticket(personas, settings, dispatching):
    settings.OTKLIK_NOW = "2026-03-10T10:00:00+03:00"
    t = ticket_create(
        initiator=personas.initiator,
        type_code="error",
        subject="Report fails",
        category_code="accounting",
        fields={"steps": "open it"},
    )
    settings.OTKLIK_NOW = LATER
    return t


def comment(personas, ticket, who, body="Any news?", **kw):
    return ticket_comment(ticket=ticket, actor=getattr(personas, who), body=body, **kw)


@pytest.mark.parametrize(
    ("who", "role", "reaction"),
    [
        ("initiator", "initiator", "initiator_replied"),
        ("lead", "executor", "executor_replied"),  # the dispatcher-assigned executor
        ("agent", "staff", "executor_replied"),  # a member of the request's group
        ("manager", "staff", "executor_replied"),
        ("admin", "staff", "executor_replied"),
    ],
)
def test_public_comment_records_who_and_which_reaction(personas, ticket, who, role, reaction):
    record = comment(personas, ticket, who, body="  Any news?  ")
    record = LogRecord.objects.get(pk=record.pk)
    assert record.event == "comment"
    assert record.body == "Any news?"
    assert record.internal is False
    assert (record.actor, record.actor_role, record.reaction) == (getattr(personas, who), role, reaction)
    assert record.point_id == ticket.point_id and record.to_point is None
    assert record.created_at == LATER_DT


def test_internal_note_is_no_reaction(personas, ticket):
    record = comment(personas, ticket, "agent", body="Looks like the known bug", internal=True)
    record = LogRecord.objects.get(pk=record.pk)
    assert (record.event, record.internal, record.reaction, record.actor_role) == ("note", True, "", "staff")


@pytest.mark.parametrize("who", ["initiator", "initiator2", "outsider"])
def test_only_staff_write_internal_notes(personas, ticket, who):
    with pytest.raises(Forbidden) as exc:
        comment(personas, ticket, who, internal=True)
    assert exc.value.detail == "only support staff may write internal notes"
    assert not LogRecord.objects.filter(ticket=ticket, event__in=["comment", "note"]).exists()


@pytest.mark.parametrize("who", ["agent2", "initiator2", "outsider"])
def test_people_with_no_part_in_the_request_may_not_comment(personas, ticket, who):
    with pytest.raises(Forbidden) as exc:
        comment(personas, ticket, who)
    assert exc.value.status == 403 and ticket.number in exc.value.detail
    assert not LogRecord.objects.filter(ticket=ticket, event="comment").exists()


def test_a_colleague_who_may_see_the_organisations_requests_still_only_reads(personas, ticket):
    personas.initiator2.sees_organisation_requests = True
    personas.initiator2.save()
    with pytest.raises(Forbidden):
        comment(personas, ticket, "initiator2")


def test_a_watcher_may_comment_as_an_other_user_without_a_reaction(personas, ticket):
    Watcher.objects.create(ticket=ticket, user=personas.initiator2)
    record = LogRecord.objects.get(pk=comment(personas, ticket, "initiator2", body="Same here").pk)
    assert (record.actor_role, record.reaction, record.event) == ("other", "", "comment")


def test_a_staff_watcher_from_another_group_may_comment(personas, ticket):
    Watcher.objects.create(ticket=ticket, user=personas.agent2)
    record = LogRecord.objects.get(pk=comment(personas, ticket, "agent2").pk)
    assert (record.actor_role, record.reaction) == ("staff", "executor_replied")


@pytest.mark.parametrize("body", ["", "   ", None])
def test_empty_body_is_refused(personas, ticket, body):
    with pytest.raises(Invalid) as exc:
        comment(personas, ticket, "initiator", body=body)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("body", "required", "is required")]


def test_over_long_body_is_refused(personas, ticket, settings):
    settings.MAX_TEXT_LENGTH = 20
    assert comment(personas, ticket, "initiator", body="x" * 20).body == "x" * 20
    with pytest.raises(Invalid) as exc:
        comment(personas, ticket, "initiator", body="x" * 21)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("body", "too_long", "at most 20 characters")]


def test_a_comment_touches_updated_at_but_not_the_version(personas, ticket):
    comment(personas, ticket, "initiator")
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.version == 1
    assert row.updated_at == LATER_DT
    assert row.point.code == "new" and row.executor_id == personas.lead.pk


def test_a_comment_never_makes_a_colleagues_pending_transition_stale(personas, ticket):
    comment(personas, ticket, "initiator", body="Please hurry")
    comment(personas, ticket, "agent", body="Looking", internal=True)
    t = ticket_transition(ticket=ticket, actor=personas.agent, transition_code="accept", version=1)
    assert (t.point.code, t.version) == ("accepted", 2)


def test_comments_are_allowed_on_a_closed_request(personas, ticket):
    t = ticket_transition(ticket=ticket, actor=personas.initiator, transition_code="withdraw", version=1)
    record = comment(personas, t, "initiator", body="Sorry, wrong button")
    assert LogRecord.objects.get(pk=record.pk).point.code == "withdrawn"
