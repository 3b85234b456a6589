"""Keeping the quality facts up to date: the worker's pass follows the per-stage log past its
watermark, rebuilding only the requests with new records; reprocessing changes nothing; ids that
a transaction took earlier but committed later (gaps) are read when they appear; gaps never
filled are forgotten after GAP_SECONDS; two passes at once never interleave (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from otklik.core.worker import Worker
from otklik.quality import refresh
from otklik.quality.models import DayCount, Fact, NextReaction, RefreshState
from otklik.quality.refresh import facts_rebuild, facts_refresh, facts_refresh_all
from otklik.runtime.jobs import default_jobs
from otklik.testing.clock import set_now
from otklik.testing.concurrency import run_threads
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_comment, ticket_transition

from .quality_month import MSK, build_month


def at(hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(2026, 4, 7, hh, mm, tzinfo=MSK)


def day_counts() -> list[tuple]:
    """The daily counts, without the rows that changes have brought back to zero."""
    columns = [f.attname for f in DayCount._meta.concrete_fields if f.attname != "id"]
    rows = DayCount.objects.values_list(*columns)
    return sorted(r for r in rows if any(r[5:]))


def snapshot() -> dict:
    return {
        "facts": sorted(Fact.objects.values_list(*[f.attname for f in Fact._meta.concrete_fields])),
        "next": sorted(NextReaction.objects.values_list("ticket_id", "cycle", "at", "met", "group_id")),
        "days": day_counts(),
    }


@pytest.mark.django_db
def test_the_worker_runs_the_pass_every_thirty_seconds():
    job = next(j for j in default_jobs() if j.name == "quality.facts")
    assert (job.run, job.every_seconds, job.drain) == (facts_refresh, 30, True)


@pytest.mark.django_db
def test_new_records_rebuild_their_requests_only(personas, settings):
    set_now(settings, at(9))
    t = file_error(personas.initiator)
    other = file_error(personas.initiator, subject="Other")
    assert Worker(jobs=[j for j in default_jobs() if j.name == "quality.facts"]).run_once()["quality.facts"] > 0
    fact = Fact.objects.get(pk=t.pk)
    assert (fact.first_reaction_at, fact.executor_id) == (None, None)  # waiting in the first line's queue
    high = RefreshState.objects.get().high_id
    assert high == LogRecord.objects.order_by("-id").values_list("id", flat=True).first()

    set_now(settings, at(10))
    ticket_transition(ticket=t, actor=personas.agent, transition_code="accept", version=t.version)
    Fact.objects.filter(pk=other.pk).update(reopens=99)  # a mark: the other request is not rebuilt
    read = facts_refresh()
    assert read == LogRecord.objects.filter(id__gt=high).count() > 0
    fact = Fact.objects.get(pk=t.pk)
    assert (fact.first_reaction_at, fact.first_reaction_seconds, fact.executor_id) == (at(10), 3600, personas.agent.pk)
    assert Fact.objects.get(pk=other.pk).reopens == 99
    assert facts_refresh() == 0  # up to date


@pytest.mark.django_db
def test_reprocessing_changes_nothing(settings):
    month = build_month(settings)
    before = snapshot()
    assert before["next"]  # A's two next-reaction cycles
    facts_rebuild(Ticket.objects.values_list("pk", flat=True))
    assert snapshot() == before
    RefreshState.objects.filter(pk=1).update(high_id=0, pending=[])  # read the whole log again
    assert facts_refresh_all() is True
    assert snapshot() == before
    assert Fact.objects.filter(pk=month.a.pk).exists()


@pytest.mark.django_db
def test_the_daily_counts_kept_change_by_change_equal_a_count_from_scratch(settings):
    build_month(settings)  # every request's facts rebuilt several times along its history
    kept = day_counts()
    assert sum(r[5] for r in kept) == Ticket.objects.count()  # "received": each request once
    Fact.objects.all().delete()
    NextReaction.objects.all().delete()
    DayCount.objects.all().delete()
    facts_rebuild(Ticket.objects.values_list("pk", flat=True))
    assert day_counts() == kept


@pytest.mark.django_db
def test_a_gap_is_read_when_it_appears_and_forgotten_if_it_never_does(personas, settings, monkeypatch):
    set_now(settings, at(9))
    early, late = file_error(personas.initiator), file_error(personas.initiator, subject="Late")
    facts_refresh_all()
    top = LogRecord.objects.order_by("-id").values_list("id", flat=True).first()

    def reply(ticket: Ticket, record_id: int, moment: dt.datetime) -> None:
        # Written with its own id, as a transaction that took its id earlier and commits later.
        LogRecord.objects.create(
            id=record_id,
            ticket=ticket,
            created_at=moment,
            actor=personas.agent,
            actor_role="staff",
            point_id=ticket.point_id,
            event="comment",
            reaction="executor_replied",
            body="On it",
        )

    reply(late, top + 10, at(11))
    assert facts_refresh() == 1
    assert Fact.objects.get(pk=late.pk).first_reaction_at == at(11)
    assert [i for i, _ in RefreshState.objects.get().pending] == list(range(top + 1, top + 10))

    reply(early, top + 4, at(10))  # id top + 4 commits now
    assert facts_refresh() == 1
    assert Fact.objects.get(pk=early.pk).first_reaction_at == at(10)
    state = RefreshState.objects.get()
    assert state.high_id == top + 10
    assert [i for i, _ in state.pending] == [i for i in range(top + 1, top + 10) if i != top + 4]

    # Ten minutes later the rest were rolled back, never to appear: forgotten.
    real = refresh.time.time
    monkeypatch.setattr(refresh.time, "time", lambda: real() + refresh.GAP_SECONDS + 1)
    assert facts_refresh() == 0
    assert RefreshState.objects.get().pending == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_committing_after_a_later_one_is_not_missed(personas, settings):
    set_now(settings, at(9))
    slow_ticket, fast_ticket = file_error(personas.initiator), file_error(personas.initiator, subject="Fast")
    facts_refresh_all()
    written, release, errors = threading.Event(), threading.Event(), []

    def slow() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                ticket = Ticket.objects.get(pk=slow_ticket.pk)
                ticket_comment(ticket=ticket, actor=personas.agent, body="First, but slow")
                written.set()
                assert release.wait(30)
        except Exception as exc:  # pragma: no cover (reported below)
            errors.append(exc)
            written.set()
        finally:
            connection.close()

    thread = threading.Thread(target=slow)
    thread.start()
    assert written.wait(30)
    set_now(settings, at(9, 30))
    ticket_comment(ticket=Ticket.objects.get(pk=fast_ticket.pk), actor=personas.agent, body="Second, committed first")
    facts_refresh_all()
    assert Fact.objects.get(pk=fast_ticket.pk).first_reaction_at == at(9, 30)
    assert Fact.objects.get(pk=slow_ticket.pk).first_reaction_at is None
    assert RefreshState.objects.get().pending  # the slow one's id, not seen yet
    release.set()
    thread.join(30)
    assert not errors
    facts_refresh_all()
    assert Fact.objects.get(pk=slow_ticket.pk).first_reaction_at == at(9)
    assert RefreshState.objects.get().pending == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_queue_on_the_watermark(personas, settings):
    set_now(settings, at(9))
    for i in range(6):
        file_error(personas.initiator, subject=f"Request {i}")

    def run(i: int, barrier: threading.Barrier) -> int:
        barrier.wait()
        return facts_refresh()

    results = run_threads(2, run, timeout=30)
    total = LogRecord.objects.count()
    # One pass read everything; the other waited for it and found nothing new.
    assert sorted(results) == [0, total], results
    assert Fact.objects.count() == Ticket.objects.count()


@pytest.mark.django_db
def test_the_rebuild_command_starts_from_scratch_and_ends_where_the_worker_did(settings):
    import io

    from django.core.management import call_command

    build_month(settings)
    before = snapshot()
    Fact.objects.update(reopens=7)  # facts written by hand
    out = io.StringIO()
    call_command("quality_rebuild", stdout=out)
    assert snapshot() == before
    assert f"Rebuilt the facts of {Ticket.objects.count()} requests" in out.getvalue()
