"""Importance that means something (notify/importance.py): critical only for a missed deadline or a
complaint not handled in time, high for a complaint, a low score and a request of critical priority,
normal for the ordinary life of a request (a move is not «высокая» on a high-priority request), low
for what can wait for a digest; a rule's own importance overrides the event's."""

from __future__ import annotations

import pytest

from otklik.notify.importance import EVENT_IMPORTANCE, importance_of_event
from otklik.notify.models import Event, Importance, Notification, Rule
from otklik.testing.factories import file_error
from otklik.tickets.notices import importance_of
from otklik.workflow import ticket_comment, ticket_transition, ticket_update

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("event", "floor", "expected"),
    [
        ("ticket_moved", "normal", "normal"),
        ("ticket_moved", "high", "high"),  # a request of critical priority
        ("ticket_comment", "normal", "normal"),
        ("sla_warned", "normal", "normal"),
        ("sla_escalated", "normal", "critical"),
        ("complaint_overdue", "normal", "critical"),
        ("complaint_filed", "normal", "high"),
        ("survey_low_score", "normal", "high"),
        ("ticket_changed", "high", "low"),  # digest material stays low
        ("survey_reminded", "normal", "low"),
        ("quality_monthly", "normal", "low"),
        ("sla_escalated", "high", "critical"),  # what is critical stays so
        ("erp.posted", "normal", "normal"),  # another system's event
    ],
)
def test_the_scale(event, floor, expected):
    assert importance_of_event(event, floor) == expected


def test_every_level_is_used_and_every_event_is_known():
    assert set(EVENT_IMPORTANCE) <= set(Event.values)
    assert {Importance.LOW, Importance.HIGH, Importance.CRITICAL} <= set(EVENT_IMPORTANCE.values())


def rows(user, ticket, event: str) -> list[str]:
    qs = Notification.objects.filter(recipient=user, ticket=ticket, event=event, channel="inapp").order_by("id")
    return list(qs.values_list("importance", flat=True))


def test_a_status_change_on_a_high_priority_request_is_normal(personas):
    p = personas
    t = file_error(p.initiator, priority_code="high")
    assert importance_of(t.priority_id) == "normal"
    assert rows(p.lead, t, "ticket_created") == ["normal"]
    t = ticket_transition(ticket=t, actor=p.lead, transition_code="accept", version=t.version)
    assert rows(p.initiator, t, "ticket_moved") == ["normal"]
    ticket_comment(ticket=t, actor=p.lead, body="Looking into it")
    assert rows(p.initiator, t, "ticket_comment") == ["normal"]
    t.refresh_from_db()
    ticket_update(ticket=t, actor=p.lead, version=t.version, changes={"priority": "low"})
    assert rows(p.initiator, t, "ticket_changed") == ["low"]


def test_the_events_of_a_critical_request_are_high(personas):
    p = personas
    t = file_error(p.initiator, priority_code="critical")
    assert rows(p.lead, t, "ticket_created") == ["high"]
    t = ticket_transition(ticket=t, actor=p.lead, transition_code="accept", version=t.version)
    assert rows(p.initiator, t, "ticket_moved") == ["high"]


def test_a_low_priority_request_is_not_digest_material(personas):
    p = personas
    t = file_error(p.initiator, priority_code="low")
    ticket_comment(ticket=t, actor=p.lead, body="Done?")
    assert rows(p.initiator, t, "ticket_comment") == ["normal"]


def test_a_rule_sets_its_own_importance(personas):
    p = personas
    Rule.objects.create(name="moves are low here", event="ticket_moved", to_initiator=True, importance="low")
    t = file_error(p.initiator, priority_code="critical")
    t = ticket_transition(ticket=t, actor=p.lead, transition_code="accept", version=t.version)
    assert rows(p.initiator, t, "ticket_moved") == ["low"]
