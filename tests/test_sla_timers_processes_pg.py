"""SLA timers fired by real `otklik worker` processes on PostgreSQL: two workers competing over
2,000 due requests, and a worker killed (SIGKILL) in the middle of a batch, then restarted.
Every warning and breach must be recorded exactly once, every escalation level once.

The requests are Errors filed on Monday 6 April 2026 at 09:00 (demo "errors" policy, normal:
first reaction 4 h, resolution 24 h, warnings at 80 %; see tests/test_sla_timers.py):
- by Monday 12:30 the first reaction's warning (12:12) and its level 1 are due;
- by Monday 16:30 also its breach (13:00) with levels 1 and 2 (16:00); next: the resolution's
  warning on Wednesday at 12:12;
- by Wednesday 18:30 also the resolution's warning with its level 1 and its breach (18:00) with
  level 1; its level 2 (Thursday 11:00) is not yet due, so every request stays scheduled.
The workers run with such a "now" (OTKLIK_NOW) against the test database. A worker handles
some 20–40 requests a second here when each fires several events, which sets the sizes below.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.fields.json import KeyTextTransform

from otklik.sla import timers
from otklik.sla.models import Clock, EscalationRule
from otklik.testing.factories import file_error
from otklik.testing.personas import Personas
from otklik.testing.processes import WorkerProcesses
from otklik.tickets.models import LogRecord, Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
FILED = datetime(2026, 4, 6, 9, tzinfo=MSK)
EARLY = datetime(2026, 4, 6, 12, 30, tzinfo=MSK)
AFTERNOON = datetime(2026, 4, 6, 16, 30, tzinfo=MSK)
LATER = datetime(2026, 4, 8, 18, 30, tzinfo=MSK)
RES_WARNING = datetime(2026, 4, 8, 12, 12, tzinfo=MSK)
RES_LEVEL2 = datetime(2026, 4, 9, 11, tzinfo=MSK)
N = 2000  # two competing workers
N_KILL = 600  # one worker, killed after at least two committed batches of 100
WAIT_SECONDS = 120
STOP_SECONDS = 30


@pytest.fixture
def p(request: pytest.FixtureRequest, settings: Any) -> Personas:
    # The demo's sample requests are filed "in June", after every moment used here, so the
    # workers see only this test's requests.
    settings.OTKLIK_NOW = datetime(2026, 6, 1, 10, tzinfo=MSK).isoformat()
    personas: Personas = request.getfixturevalue("personas")
    return personas


def file_many(settings: Any, personas: Personas, count: int) -> list[int]:
    settings.OTKLIK_NOW = FILED.isoformat()
    started = time.monotonic()
    ids = [file_error(personas.initiator, subject=f"Timer {i}").pk for i in range(count)]
    print(f"filed {count} requests in {time.monotonic() - started:.1f} s")
    return ids


class Workers(WorkerProcesses):
    """Workers with their own fixed "now"."""

    def start(self, name: str, moment: datetime) -> subprocess.Popen[bytes]:  # type: ignore[override]
        return super().start(name, {"OTKLIK_DEBUG": "1", "OTKLIK_NOW": moment.isoformat()})

    def handled(self, name: str) -> int:
        """Requests the worker reports it handled (claimed and processed)."""
        return sum(int(n) for n in re.findall(r"sla\.timers handled (\d+)", self.log(name)))


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    with Workers(tmp_path) as w:
        yield w


def due(moment: datetime) -> int:
    return Ticket.objects.filter(sla_next_at__lte=moment).count()


def wait_until_nothing_due(w: Workers, moment: datetime) -> float:
    started = time.monotonic()
    while due(moment):
        dead = {n: p.returncode for n, p in w.procs.items() if n not in w.ended and p.poll() is not None}
        assert not dead, f"a worker died: {dead}\n{w.logs()}"
        assert time.monotonic() - started < WAIT_SECONDS, f"{due(moment)} requests still due\n{w.logs()}"
        time.sleep(0.2)
    return time.monotonic() - started


def rules() -> dict[tuple[str, int], str]:
    return {(r.trigger, r.level): str(r.pk) for r in EscalationRule.objects.all()}


def assert_exactly_once(ids: list[int], *, fired: dict[str, set[str]], escalated: dict[str, set[str]]) -> None:
    """Per request: one record of each warning/breach in `fired` (metric -> events), one
    'escalated' record per (metric, rule) in `escalated`, and nothing else fired."""
    rows = (
        LogRecord.objects.filter(event="sla", sla_event__in=("warned", "breached"))
        .values_list("ticket_id", "field", "sla_event")
        .annotate(n=Count("id"))
    )
    counts = {(t, f, e): n for t, f, e, n in rows}
    assert {k: n for k, n in counts.items() if n != 1} == {}, "fired more than once"
    expected = {(t, m, e) for t in ids for m, es in fired.items() for e in es}
    assert set(counts) == expected, f"missing {len(expected - set(counts))}, unexpected {len(set(counts) - expected)}"

    rows = (
        LogRecord.objects.filter(event="sla", sla_event="escalated")
        .annotate(rule=KeyTextTransform("rule", "new_value"))
        .values_list("ticket_id", "field", "rule")
        .annotate(n=Count("id"))
    )
    counts = {(t, f, r): n for t, f, r, n in rows}
    assert {k: n for k, n in counts.items() if n != 1} == {}, "escalated more than once"
    expected = {(t, m, r) for t in ids for m, rs in escalated.items() for r in rs}
    assert set(counts) == expected, f"missing {len(expected - set(counts))}, unexpected {len(set(counts) - expected)}"


def assert_all_done_by_later(ids: list[int]) -> None:
    r = rules()
    both = {"warned", "breached"}
    assert_exactly_once(
        ids,
        fired={"first_reaction": both, "resolution": both},
        escalated={
            "first_reaction": {r[("warning", 1)], r[("breach", 1)], r[("breach", 2)]},
            "resolution": {r[("warning", 1)], r[("breach", 1)]},
        },
    )
    states = Clock.objects.filter(ticket_id__in=ids).values_list("metric", "state").annotate(n=Count("id"))
    assert sorted(states) == [("first_reaction", "breached", len(ids)), ("resolution", "breached", len(ids))]
    tickets = Ticket.objects.filter(pk__in=ids)
    assert tickets.filter(sla_breached=True, sla_next_at=RES_LEVEL2).count() == len(ids)


def run_phase(w: Workers, names: tuple[str, ...], moment: datetime, count: int) -> None:
    """Start the workers at `moment`, wait until nothing is due, stop them (SIGTERM); each
    request was claimed by one of them only, and each of them took part."""
    for name in names:
        w.start(name, moment)
    took = wait_until_nothing_due(w, moment)
    for name in names:
        w.stop(name)
    handled = {name: w.handled(name) for name in names}
    print(f"{moment:%a %H:%M}: {took:.1f} s; handled {handled}")
    assert sum(handled.values()) == count, w.logs()
    assert all(handled.values()), w.logs()


def test_two_workers_fire_every_event_exactly_once(p, settings, workers):
    ids = file_many(settings, p, N)
    assert due(EARLY) == N
    r = rules()

    # Monday 12:30: two workers compete for the first reaction's warnings.
    run_phase(workers, ("early-a", "early-b"), EARLY, N)
    assert_exactly_once(ids, fired={"first_reaction": {"warned"}}, escalated={"first_reaction": {r[("warning", 1)]}})
    assert Ticket.objects.filter(pk__in=ids, sla_next_at=datetime(2026, 4, 6, 13, tzinfo=MSK)).count() == N

    # 16:30, two fresh workers: the breaches and both levels; the warnings stay recorded once.
    run_phase(workers, ("afternoon-a", "afternoon-b"), AFTERNOON, N)
    assert_exactly_once(
        ids,
        fired={"first_reaction": {"warned", "breached"}},
        escalated={"first_reaction": {r[("warning", 1)], r[("breach", 1)], r[("breach", 2)]}},
    )
    assert Ticket.objects.filter(pk__in=ids, sla_breached=True, sla_next_at=RES_WARNING).count() == N


def _inside_batch(name: str) -> bool:
    """The worker's session holds the lock its claim (SELECT … FOR UPDATE) takes on the requests
    table: it is inside a batch, between the claim and the commit."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE a.application_name = %s AND l.relation = 'tickets_ticket'::regclass AND l.mode = 'RowShareLock'
            """,
            [name],
        )
        return cur.fetchone()[0] > 0


def _sessions(name: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name])
        return cur.fetchone()[0]


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(p, settings, workers):
    ids = file_many(settings, p, N_KILL)
    assert due(LATER) == N_KILL

    victim = workers.start("victim", LATER)
    started = time.monotonic()
    while True:
        left = due(LATER)
        if left <= N_KILL - 2 * timers.BATCH and _inside_batch("victim"):
            break  # some batches are committed and the worker is inside the next one
        assert left > 0, "the worker finished before it could be killed: use more requests"
        assert victim.poll() is None, workers.logs()
        assert time.monotonic() - started < WAIT_SECONDS, workers.logs()
        time.sleep(0.05)
    workers.kill("victim")
    # PostgreSQL rolls the dead session's open batch back when it sees the connection gone.
    deadline = time.monotonic() + STOP_SECONDS
    while _sessions("victim"):
        assert time.monotonic() < deadline, "the killed worker's session stays open"
        time.sleep(0.1)
    done_before = N_KILL - due(LATER)
    print(f"killed after {done_before} of {N_KILL} requests")
    # Only whole batches were committed, each request with all its events; the batch the
    # worker was in left no trace.
    assert 0 < done_before < N_KILL
    assert done_before % timers.BATCH == 0
    assert Ticket.objects.filter(pk__in=ids, sla_next_at=RES_LEVEL2).count() == done_before
    assert LogRecord.objects.filter(event="sla", sla_event="breached").count() == 2 * done_before
    assert LogRecord.objects.filter(event="sla", sla_event="escalated").count() == 5 * done_before

    run_phase(workers, ("successor",), LATER, N_KILL - done_before)
    assert_all_done_by_later(ids)
