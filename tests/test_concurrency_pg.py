"""Real concurrency on PostgreSQL: many people pressing the same button at once, many filing at once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from otklik.accounts.models import User
from otklik.catalog.models import RequestType
from otklik.catalog.reference import reference
from otklik.core.errors import Conflict
from otklik.testing.concurrency import run_threads
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_create, ticket_transition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_sixteen_simultaneous_accepts_one_wins_the_rest_conflict(personas):
    t = ticket_create(
        initiator=personas.initiator,
        type_code="error",
        subject="Race",
        category_code="accounting",
        fields={"steps": "x"},
    )
    reference()  # built once here, not sixteen times at the start line

    def accept(i: int, barrier: threading.Barrier) -> str:
        actor = User.objects.get(username="agent" if i % 2 else "lead")
        ticket = Ticket.objects.select_related("point").get(pk=t.pk)
        barrier.wait()
        ticket_transition(ticket=ticket, actor=actor, transition_code="accept", version=1)
        return actor.username

    results = run_threads(16, accept)
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if not isinstance(r, str)]
    assert len(winners) == 1, results
    assert len(losers) == 15
    assert all(isinstance(r, Conflict) and r.code == "stale_version" for r in losers), losers

    stored = Ticket.objects.get(pk=t.pk)
    assert stored.version == 2
    assert stored.point.code == "accepted"
    assert stored.executor.username == winners[0]
    transitions = LogRecord.objects.filter(ticket=t, event="transition")
    assert transitions.count() == 1
    assert transitions.get().actor.username == winners[0]
    # The winner's taking of the request from the group's queue is logged once, whoever won.
    assert LogRecord.objects.filter(ticket=t, event="assignment").count() == 1


def test_forty_simultaneous_filings_get_forty_distinct_gap_free_numbers(personas):
    start = RequestType.objects.get(code="error").last_number
    assert start == 1  # the demo's sample
    reference()

    def file_five(i: int, barrier: threading.Barrier) -> list[str]:
        who = User.objects.get(username="initiator" if i % 2 else "initiator2")
        barrier.wait()
        return [
            ticket_create(initiator=who, type_code="error", subject=f"t{i}-{n}", fields={"steps": "x"}).number
            for n in range(5)
        ]

    results = run_threads(8, file_five)
    assert all(isinstance(r, list) for r in results), results
    numbers = [n for r in results for n in r]
    assert len(numbers) == 40
    assert len(set(numbers)) == 40
    assert sorted(numbers) == [f"ERR-{n:06d}" for n in range(start + 1, start + 41)]
    assert RequestType.objects.get(code="error").last_number == start + 40
    seqs = sorted(Ticket.objects.filter(request_type__code="error").values_list("seq", flat=True))
    assert seqs == list(range(1, start + 41))
    assert (
        Counter(
            LogRecord.objects.filter(event="created", ticket__request_type__code="error").values_list(
                "ticket_id", flat=True
            )
        ).most_common(1)[0][1]
        == 1
    )
    # Each thread's own filings are numbered in the order it made them.
    for r in results:
        assert r == sorted(r)
