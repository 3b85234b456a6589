"""The live stream on PostgreSQL: a real stream process (uvicorn, with its connection pool) and a real
`otklik worker` against the test database. The stream polls only every 30 s here, so a notification
that arrives within seconds came by the workers' NOTIFY, heard by the stream's one LISTEN."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.utils import timezone

from otklik.accounts.services import token_create
from otklik.core.wakeup import wake_workers
from otklik.notify.models import Notification
from otklik.testing.processes import WorkerProcesses

from .test_notify_stream import Sse, _free_port, _wait_for_health, deliver, person, queue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def stream(tmp_path: Path) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "OTKLIK_DATA_DIR": str(tmp_path),
        "OTKLIK_DB_POOL": "1",
        "OTKLIK_STREAM_POLL_SECONDS": "30",
        "OTKLIK_STREAM_LOOKBACK_SECONDS": "120",
        "OTKLIK_STREAM_PING_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "stream.log"
    log = log_path.open("wb")
    # The stream's own process, as `otklik serve` runs it.
    cmd = [sys.executable, "-m", "uvicorn", "otklik.asgi_stream:application", "--host", "127.0.0.1"]
    cmd += ["--port", str(port)]
    proc = subprocess.Popen([*cmd, "--lifespan", "off"], env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        _wait_for_health(port, proc, log_path)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        print(log_path.read_text(errors="replace"))


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[WorkerProcesses]:
    with WorkerProcesses(tmp_path) as w:
        yield w


def test_a_committed_change_reaches_the_stream_at_once(personas, stream, workers):
    from otklik.testing.factories import file_error
    from otklik.workflow import ticket_comment

    t = file_error(personas.initiator)
    _, token = token_create(user=personas.initiator, name="stream")
    workers.start("w1", {"OTKLIK_WORKER_POLL_SECONDS": "30"})  # woken by NOTIFY, like the stream
    with Sse(stream, token=token) as s:
        assert s.next().type == "hello"
        time.sleep(1.0)  # the worker and the stream now wait in their LISTEN
        started = time.monotonic()
        ticket_comment(ticket=t, actor=personas.lead, body="Смотрим")
        event = s.next(10)
        took = time.monotonic() - started
        assert event is not None and event.type == "notification", workers.logs()
        row = Notification.objects.get(pk=int(event.id))
        assert (row.recipient_id, row.channel, row.event, row.state) == (
            personas.initiator.pk,
            "inapp",
            "ticket_comment",
            "delivered",
        )
        assert took < 5, f"{took:.1f} s: not woken by NOTIFY"
        print(f"on the stream {took:.2f} s after the commit")


def test_out_of_order_deliveries_and_reconnecting(stream):
    user, token = person()
    early = queue(user, "ранний")
    deliver(queue(user, "давний"), at=timezone.now() - timedelta(hours=1))
    with Sse(stream, token=token) as s:
        assert s.next().type == "hello"
        with transaction.atomic():
            later = deliver(queue(user, "поздний"))
            wake_workers()  # the NOTIFY a commit that queues work sends
        assert s.next(10).id == str(later.pk)
    with transaction.atomic():
        deliver(early)
        missed = deliver(queue(user, "пропущенный"))
        wake_workers()
    with Sse(stream, token=token, last_id=later.pk) as s:
        assert s.next().type == "hello"
        assert [e.id for e in s.notifications(2.0)] == [str(early.pk), str(missed.pk)]
        with transaction.atomic():
            n = deliver(queue(user, "живой"))
            wake_workers()
        assert s.next(10).id == str(n.pk)
