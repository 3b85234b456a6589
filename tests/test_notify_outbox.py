"""Events become notification rows in the same transaction as the change (the outbox): who hears of
what, nobody of their own action, internal notes never reach the initiator, a refused change
leaves nothing."""

from __future__ import annotations

import pytest

from otklik.core.errors import Conflict
from otklik.notify.models import Notification
from otklik.testing.factories import file_error
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_assign, ticket_comment, ticket_transition

# The groups hand new requests to their dispatcher: each request starts with an executor to tell.
pytestmark = pytest.mark.usefixtures("dispatching")


def inbox(user, event=None, ticket=None):
    """The user's in-app rows (about `ticket` only, when given: the demo's own requests notify too)."""
    qs = Notification.objects.filter(recipient=user, channel="inapp")
    if ticket is not None:
        qs = qs.filter(ticket=ticket)
    if event:
        qs = qs.filter(event=event)
    return list(qs.order_by("id"))


def test_a_new_request_reaches_its_first_executor_in_their_language(personas):
    p = personas
    p.lead.language = "en"
    p.lead.save()
    t = file_error(p.initiator, subject="Payroll is down", priority_code="critical")
    (n,) = inbox(p.lead, "ticket_created", t)
    assert (n.ticket_id, n.importance, n.state) == (t.pk, "high", "pending")  # critical priority: high
    assert n.subject == f"{t.number}: new request: Payroll is down"
    assert "awaits your reaction" in n.body
    assert n.link.endswith(f"/requests/{t.number}")
    assert inbox(p.initiator, ticket=t) == []  # their own action


def test_a_move_reaches_the_initiator_and_an_assignment_the_new_executor(personas):
    p = personas
    t = file_error(p.initiator)
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="accept", version=t.version)
    (moved,) = inbox(p.initiator, "ticket_moved", t)
    assert "Принята" in moved.subject or "Accepted" in moved.subject
    assert inbox(p.agent, "ticket_assigned", t) == []  # the agent took it themself
    ticket_assign(ticket=t, actor=p.lead, version=t.version, executor="agent")  # no change
    t.refresh_from_db()
    lead_before = len(inbox(p.lead, ticket=t))
    ticket_assign(ticket=t, actor=p.agent, version=t.version, executor="lead")
    assert len(inbox(p.lead, "ticket_assigned", t)) == 1
    assert len(inbox(p.lead, ticket=t)) == lead_before + 1


def test_comments_reach_the_other_side_and_watchers_but_notes_only_staff(personas):
    p = personas
    t = file_error(p.initiator)
    ticket_watch(ticket=t, actor=p.agent2, add=True)
    ticket_comment(ticket=t, actor=p.initiator, body="Any news?")
    assert [n.event for n in inbox(p.lead, ticket=t)] == ["ticket_created", "ticket_comment"]
    assert [n.event for n in inbox(p.agent2)] == ["ticket_comment"]
    ticket_comment(ticket=t, actor=p.lead, body="Known bug in 5.1", internal=True)
    assert [n.event for n in inbox(p.agent2)] == ["ticket_comment", "ticket_note"]
    assert [n.event for n in inbox(p.initiator, ticket=t)] == []  # the note never reaches them
    ticket_comment(ticket=t, actor=p.lead, body="Fixed in 5.2")
    assert [n.event for n in inbox(p.initiator, ticket=t)] == ["ticket_comment"]
    assert "Fixed in 5.2" in inbox(p.initiator, ticket=t)[0].body


def test_a_refused_change_leaves_no_notification(personas):
    p = personas
    t = file_error(p.initiator)
    before = Notification.objects.count()
    with pytest.raises(Conflict):
        ticket_transition(ticket=t, actor=p.agent, transition_code="accept", version=t.version + 5)
    assert Notification.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_takes_its_notifications_along(personas):
    from django.db import transaction

    p = personas
    t = file_error(p.initiator)
    before = Notification.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_comment(ticket=t, actor=p.initiator, body="lost")
        assert Notification.objects.count() > before
        raise RuntimeError("the caller's transaction fails after the service")
    assert Notification.objects.count() == before


def test_sla_warnings_and_escalations_reach_the_people_the_rules_name(personas, settings):
    from otklik.sla.timers import sla_timers_pass

    p = personas
    settings.OTKLIK_NOW = "2026-03-10T11:30:00+03:00"  # first reaction (high): 12:30, warned at 12:18
    t = file_error(p.initiator, priority_code="high")
    settings.OTKLIK_NOW = "2026-03-10T12:40:00+03:00"
    sla_timers_pass()
    events = [(n.event, n.importance) for n in inbox(p.lead, ticket=t)]
    # The warning, its escalation (executor: the lead), the breach's (executor and lead: the lead).
    # A high priority makes no event high by itself (notify/importance.py); a missed deadline is critical.
    assert events == [
        ("ticket_created", "normal"),
        ("sla_warned", "normal"),
        ("sla_escalated", "critical"),
        ("sla_escalated", "critical"),
    ]
    assert inbox(p.initiator, ticket=t) == []
    settings.OTKLIK_NOW = "2026-03-10T17:00:00+03:00"  # two working hours after the breach: level 2
    sla_timers_pass()
    (n,) = inbox(p.manager, ticket=t)
    assert (n.event, n.context["target"]) == ("sla_escalated", "first_reaction")
