"""E-mail notifications delivered by real `otklik worker` processes on PostgreSQL into a real SMTP
server on loopback: two workers over 5,000 rows deliver each exactly once; a worker killed with
SIGKILL mid-batch and a successor deliver every row, duplicating only the rows that were in
flight, each copy with the same Message-ID (the row's idempotency key)."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from otklik.accounts.models import User
from otklik.core.clock import now
from otklik.notify.delivery import BATCH
from otklik.notify.models import DeliveryAttempt, Notification
from otklik.testing.processes import WorkerProcesses
from otklik.testing.smtp import LoopbackController, MessageIdSink

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 5000
WAIT_SECONDS = 120


@pytest.fixture
def sink() -> Iterator[tuple[MessageIdSink, int]]:
    handler = MessageIdSink()
    controller = LoopbackController(handler)
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[WorkerProcesses]:
    with WorkerProcesses(tmp_path) as w:
        yield w


def queue(count: int) -> list[str]:
    people = list(User.objects.exclude(email="").order_by("pk"))
    moment = now()
    rows = [
        Notification(
            event="bench",
            recipient=people[i % len(people)],
            channel="email",
            subject=f"Сообщение {i}",
            body="Текст уведомления.",
            due_at=moment,
            created_at=moment,
        )
        for i in range(count)
    ]
    Notification.objects.bulk_create(rows, batch_size=2000)
    return [str(n.key) for n in rows]


def pending() -> int:
    return Notification.objects.filter(event="bench").exclude(state="delivered").count()


def wait_for_all(w: WorkerProcesses) -> float:
    started = time.monotonic()
    while pending():
        assert not w.died(), f"a worker died: {w.died()}\n{w.logs()}"
        assert time.monotonic() - started < WAIT_SECONDS, f"{pending()} rows still pending\n{w.logs()}"
        time.sleep(0.2)
    return time.monotonic() - started


def env(port: int) -> dict[str, str]:
    return {"OTKLIK_EMAIL_URL": f"smtp://127.0.0.1:{port}", "OTKLIK_NOTIFY_LEASE_SECONDS": "5"}


def test_two_workers_deliver_each_row_exactly_once(personas, sink, workers):
    handler, port = sink
    keys = queue(N)
    workers.start("w1", env(port))
    workers.start("w2", env(port))
    took = wait_for_all(workers)
    workers.stop("w1")
    workers.stop("w2")
    print(f"{N} e-mails by two workers in {took:.1f} s")
    assert {k: handler.seen[k] for k in keys if handler.seen[k] != 1} == {}
    attempts = Counter(
        DeliveryAttempt.objects.filter(notification__event="bench").values_list("notification_id", flat=True)
    )
    assert len(attempts) == N and set(attempts.values()) == {1}
    for name in ("w1", "w2"):  # both took part
        assert re.search(r"notify\.deliver handled \d+", workers.log(name)), workers.logs()


def test_a_killed_worker_loses_nothing_and_duplicates_only_what_was_in_flight(personas, sink, workers):
    handler, port = sink
    keys = queue(N)
    workers.start("doomed", env(port))
    started = time.monotonic()
    while Notification.objects.filter(event="bench", state="delivered").count() < 400:
        assert time.monotonic() - started < WAIT_SECONDS, workers.logs()
        time.sleep(0.05)
    workers.kill("doomed")
    before = Notification.objects.filter(event="bench", state="delivered").count()
    assert before < N, "the worker finished before it could be killed: make N larger"
    workers.start("successor", env(port))
    wait_for_all(workers)
    workers.stop("successor")
    missing = [k for k in keys if handler.seen[k] == 0]
    twice = [k for k in keys if handler.seen[k] > 1]
    assert missing == []
    assert all(handler.seen[k] == 2 for k in twice)
    assert len(twice) <= BATCH  # only the batch the killed worker had in flight
    # The killed worker recorded nothing for its last batch: each row has exactly one attempt.
    attempts = Counter(
        DeliveryAttempt.objects.filter(notification__event="bench").values_list("notification_id", flat=True)
    )
    assert len(attempts) == N and set(attempts.values()) == {1}


def test_a_committed_change_wakes_an_idle_worker_at_once(personas, sink, workers):
    from otklik.testing.factories import file_error
    from otklik.workflow import ticket_comment

    handler, port = sink
    t = file_error(personas.initiator)
    # Polling every 30 s: only LISTEN/NOTIFY can make it deliver within a second or two.
    workers.start("idle", {**env(port), "OTKLIK_WORKER_POLL_SECONDS": "30"})
    started = time.monotonic()
    while Notification.objects.filter(ticket=t).exclude(state="delivered").exists():  # the request's own
        assert time.monotonic() - started < WAIT_SECONDS, workers.logs()
        time.sleep(0.1)
    time.sleep(1.0)  # now it sleeps in its 30 s wait
    ticket_comment(ticket=t, actor=personas.lead, body="Смотрим")
    queued = time.monotonic()
    rows = Notification.objects.filter(ticket=t, event="ticket_comment")
    while rows.exclude(state="delivered").exists() or not rows.exists():
        assert time.monotonic() - queued < 5, f"not woken\n{workers.logs()}"
        time.sleep(0.05)
    print(f"delivered {time.monotonic() - queued:.2f} s after the commit")
    workers.stop("idle")
    assert all(handler.seen[str(n.key)] == 1 for n in rows.filter(channel="email"))
