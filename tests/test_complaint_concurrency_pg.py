"""Managers pressing the same button at once on PostgreSQL: one answer wins, the rest get 409 and
nothing is written twice (the services lock the complaint's row and compare its version)."""

from __future__ import annotations

import threading

import pytest

from otklik.accounts.models import User
from otklik.complaints.models import Complaint, ComplaintEvent
from otklik.complaints.services import complaint_answer, complaint_file
from otklik.core.errors import Conflict
from otklik.notify.models import Notification
from otklik.testing.concurrency import run_threads
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TIMEOUT = 60


def test_eight_simultaneous_answers_one_wins(personas):
    ticket = file_error(personas.initiator)
    complaint = complaint_file(author=personas.initiator, body="Slow", ticket=ticket)

    def answer(i: int, barrier: threading.Barrier) -> int:
        actor = User.objects.get(username="manager" if i % 2 else "admin")
        fresh = Complaint.objects.get(pk=complaint.pk)
        barrier.wait()
        complaint_answer(
            complaint=fresh,
            actor=actor,
            decision="upheld" if i % 2 else "rejected",
            answer=f"answer {i}",
            version=1,
        )
        return i

    results = run_threads(8, answer, timeout=TIMEOUT)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict) and r.code in ("closed", "stale_version") for r in results if r not in winners)
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.version, stored.answer) == (2, f"answer {winners[0]}")
    assert ComplaintEvent.objects.filter(complaint=stored, event__in=("upheld", "rejected")).count() == 1
    assert LogRecord.objects.filter(ticket=ticket, event="complaint").count() == 2  # filed, answered
    assert Notification.objects.filter(event="complaint_answered", channel="inapp").count() == 1
