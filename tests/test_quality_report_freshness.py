"""The report refreshes the facts before reading, boundedly: up to REPORT_MOST (500) new log records
inline; more, or the worker's pass holding the facts' lock (PostgreSQL: NOWAIT, the report never
queues behind it), are left to the worker, and the report says how fresh its facts are."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from otklik.quality.models import RefreshState
from otklik.quality.refresh import REPORT_MOST, facts_refresh_all
from otklik.quality.report import REFRESH_MOST, report_for
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord

from .quality_month import MSK

T9 = dt.datetime(2026, 4, 7, 9, tzinfo=MSK)


def comments(ticket, author, count: int, start: dt.datetime) -> list[LogRecord]:
    """`count` log records one second apart (the log as many busy agents would grow it)."""
    return LogRecord.objects.bulk_create(
        LogRecord(
            ticket=ticket,
            created_at=start + dt.timedelta(seconds=i),
            actor=author,
            actor_role="staff",
            point_id=ticket.point_id,
            event="comment",
            body=f"Note {i}",
        )
        for i in range(count)
    )


def april(user) -> dict:
    return report_for(user, from_text="2026-04-01", to_text="2026-04-30", group=None, agent=None).data


def test_the_bound_is_500_records():
    assert REFRESH_MOST == REPORT_MOST == 500


@pytest.mark.django_db
def test_a_short_backlog_is_read_inline(personas, settings):
    set_now(settings, T9)
    t = file_error(personas.initiator)
    facts_refresh_all()
    set_now(settings, T9 + dt.timedelta(hours=1))
    comments(t, personas.agent, 20, T9 + dt.timedelta(minutes=30))
    data = april(personas.manager)
    # Everything read: complete, and as fresh as the report itself.
    assert data["facts_complete"] is True
    assert data["facts_as_of"] == data["generated_at"] == "2026-04-07T10:00:00+03:00"
    assert RefreshState.objects.get().high_id == LogRecord.objects.order_by("-id").first().id


@pytest.mark.django_db
def test_a_long_backlog_is_left_to_the_worker_and_the_report_says_how_fresh_it_is(personas, settings):
    set_now(settings, T9)
    t = file_error(personas.initiator)
    facts_refresh_all()
    before = RefreshState.objects.get().high_id
    # 600 records from 09:30:00, a second apart: the report reads 500 of them, up to the one
    # written at 09:30:00 + 499 s = 09:38:19, and leaves 100.
    made = comments(t, personas.agent, 600, T9 + dt.timedelta(minutes=30))
    set_now(settings, T9 + dt.timedelta(hours=1))
    data = april(personas.manager)
    assert data["facts_complete"] is False
    assert data["facts_as_of"] == "2026-04-07T09:38:19+03:00"
    assert RefreshState.objects.get().high_id == made[499].id > before
    # The API and the page say it too.
    c = Client()
    c.force_login(personas.manager)
    body = c.get("/api/v1/reports/quality", {"from": "2026-04-01", "to": "2026-04-30"}).json()
    assert (body["facts_complete"], body["facts_as_of"]) == (True, "2026-04-07T10:00:00+03:00")  # the last 100
    comments(t, personas.agent, 501, T9 + dt.timedelta(minutes=45))
    personas.manager.language = "en"
    personas.manager.save(update_fields=["language"])
    page = c.get("/reports/quality", {"from": "2026-04-01", "to": "2026-04-30"}).content.decode()
    assert "Facts as of" in page and "newer changes are still being counted in the background" in page
    # The worker's pass catches up; then the report is complete again.
    assert facts_refresh_all() is True
    assert april(personas.manager)["facts_complete"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_report_does_not_wait_for_the_workers_pass(personas, settings):
    set_now(settings, T9)
    t = file_error(personas.initiator)
    facts_refresh_all()
    as_of = LogRecord.objects.order_by("-id").first().created_at
    comments(t, personas.agent, 10, T9 + dt.timedelta(minutes=30))
    set_now(settings, T9 + dt.timedelta(hours=1))
    locked, release, errors = threading.Event(), threading.Event(), []

    def worker_pass() -> None:
        # The worker's pass, as long as it takes: it holds the watermark's row lock.
        try:
            with transaction.atomic():
                RefreshState.objects.select_for_update().get(pk=1)
                locked.set()
                assert release.wait(30)
        except Exception as exc:  # pragma: no cover (reported below)
            errors.append(exc)
            locked.set()
        finally:
            connection.close()

    thread = threading.Thread(target=worker_pass)
    thread.start()
    try:
        assert locked.wait(30)
        started = time.monotonic()
        data = april(personas.manager)
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join(30)
    assert not errors
    assert waited < 10  # not the 30 s the pass holds the lock
    # Left to the worker: not complete, facts as of the last record read before (the filing).
    assert data["facts_complete"] is False
    assert data["facts_as_of"] == as_of.astimezone(MSK).isoformat()
    # Once the pass has let go, the next report reads the ten records itself.
    assert april(personas.manager)["facts_complete"] is True
