"""The system's closing against the initiator's own reaction at the same moment: a request the
initiator confirmed or rejected a moment earlier is never touched (it is read again under its row
lock), and the initiator's click after the system closed it is refused as stale, not applied twice.
On PostgreSQL, with real concurrent transactions: the worker skips a request whose row is locked,
and a closing that waits for the lock sees the initiator's confirmation.

Ivan (initiator) reacts to an Error Alexei (agent) resolved on Friday 30 October 2026; it would
close by itself on Monday 9 November at 18:00 (see test_auto_confirm.py)."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from otklik.core.errors import Conflict
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_transition
from otklik.workflow.transitions import ticket_auto_confirm, ticket_auto_confirm_due

MSK = ZoneInfo("Europe/Moscow")
RESOLVED = datetime(2026, 10, 30, 16, tzinfo=MSK)
CLOSES = datetime(2026, 11, 9, 18, tzinfo=MSK)


def resolved_error(p, settings) -> Ticket:
    set_now(settings, RESOLVED)
    t = file_error(p.initiator)
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=p.agent, transition_code=code, version=t.version, **kw)
    return t


def moves(t: Ticket) -> list[tuple[str, str]]:
    rows = LogRecord.objects.filter(ticket=t, event="transition").order_by("id")
    return [(r.transition.code, r.reaction) for r in rows][3:]  # after accept, start, resolve


@pytest.mark.parametrize(("code", "point"), [("confirm", "closed"), ("reject", "in_work")])
def test_a_reaction_a_moment_earlier_is_not_touched(personas, settings, code, point):
    t = resolved_error(personas, settings)
    stale = Ticket.objects.get(pk=t.pk)  # what a worker read before the initiator's click
    assert stale.auto_close_at == CLOSES
    set_now(settings, CLOSES)
    ticket_transition(
        ticket=t, actor=personas.initiator, transition_code=code, version=t.version, comment="Still fails"
    )
    assert ticket_auto_confirm(ticket_id=stale.pk, moment=CLOSES) is False
    assert ticket_auto_confirm_due() == 0
    stored = Ticket.objects.get(pk=t.pk)
    assert (stored.point.code, stored.version, stored.auto_close_at) == (point, 5, None)
    assert moves(t) == [(code, f"initiator_{'confirmed' if code == 'confirm' else 'rejected'}")]


def test_the_initiators_click_after_the_system_closed_it_is_stale(personas, settings):
    t = resolved_error(personas, settings)
    seen_by_initiator = Ticket.objects.select_related("point").get(pk=t.pk)
    set_now(settings, CLOSES)
    assert ticket_auto_confirm_due() == 1
    with pytest.raises(Conflict):
        ticket_transition(
            ticket=seen_by_initiator,
            actor=personas.initiator,
            transition_code="confirm",
            version=seen_by_initiator.version,
        )
    assert moves(t) == [("confirm", "auto_confirmed")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrently_the_locked_request_is_skipped_and_a_waiting_closing_sees_the_confirmation(personas, settings):
    t = resolved_error(personas, settings)
    set_now(settings, CLOSES)
    locked, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def initiator() -> None:
        try:
            with transaction.atomic():
                ticket = Ticket.objects.get(pk=t.pk)
                ticket_transition(
                    ticket=ticket, actor=personas.initiator, transition_code="confirm", version=ticket.version
                )
                locked.set()  # the row is updated and locked, not yet committed
                release.wait(30)
            results["initiator"] = "confirmed"
        except Exception as exc:
            results["initiator"] = exc
        finally:
            locked.set()
            connection.close()

    def closing() -> None:
        try:
            results["closing"] = ticket_auto_confirm(ticket_id=t.pk, moment=CLOSES)
        except Exception as exc:
            results["closing"] = exc
        finally:
            connection.close()

    first = threading.Thread(target=initiator)
    first.start()
    assert locked.wait(30)
    # The worker's pass: the locked row is skipped, not waited for.
    results["worker"] = ticket_auto_confirm_due()
    # A closing aimed at this very request waits for the lock, then reads the row again.
    second = threading.Thread(target=closing)
    second.start()
    second.join(0.5)
    assert second.is_alive(), f"the closing did not wait for the initiator's lock: {results}"
    release.set()
    first.join(30)
    second.join(30)
    assert results == {"initiator": "confirmed", "worker": 0, "closing": False}
    stored = Ticket.objects.get(pk=t.pk)
    assert (stored.point.code, stored.version, stored.auto_close_at) == ("closed", 5, None)
    assert moves(t) == [("confirm", "initiator_confirmed")]
