"""The complaints' timers run by two real `otklik worker` processes on PostgreSQL at once: every
missed target is recorded exactly once and told once, however the workers share the complaints
(each claims its batches with FOR UPDATE SKIP LOCKED).

The complaints are filed on Friday 8 May 2026 at 15:00 (Moscow): taken up by Tuesday 12 May 11:00,
answered by Thursday 14 May 16:00 (tests/test_complaint_targets.py). The workers run "on Tuesday
at 12:00", when the first deadline has passed and the second has not."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from otklik.accounts.models import Role, User
from otklik.complaints.models import Complaint, ComplaintEvent
from otklik.complaints.services import complaint_file
from otklik.notify.models import Notification
from otklik.testing.personas import Personas
from otklik.testing.processes import WorkerProcesses

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
FILED = datetime(2026, 5, 8, 15, tzinfo=MSK)
TUESDAY = datetime(2026, 5, 12, 12, tzinfo=MSK)
REACTION_DUE = datetime(2026, 5, 12, 11, tzinfo=MSK)
ANSWER_DUE = datetime(2026, 5, 14, 16, tzinfo=MSK)
N = 1200
WAIT_SECONDS = 120


class Workers(WorkerProcesses):
    def start(self, name: str, moment: datetime) -> Any:  # type: ignore[override]
        return super().start(name, {"OTKLIK_DEBUG": "1", "OTKLIK_NOW": moment.isoformat()})

    def handled(self, name: str) -> int:
        return sum(int(n) for n in re.findall(r"complaints\.timers handled (\d+)", self.log(name)))


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    with Workers(tmp_path) as w:
        yield w


def test_two_workers_record_each_breach_exactly_once(personas: Personas, settings: Any, workers: Workers) -> None:
    settings.OTKLIK_NOW = FILED.isoformat()
    # One open complaint about the regulation per person: N people, each with theirs.
    org = personas.initiator.organisation_id
    authors = User.objects.bulk_create(
        User(username=f"author{i}", role=Role.INITIATOR, organisation_id=org) for i in range(N)
    )
    ids = [complaint_file(author=authors[i], body=f"Complaint {i}", kind="regulation").pk for i in range(N)]
    due = Complaint.objects.filter(next_check_at__lte=TUESDAY)
    assert due.count() == N

    for name in ("a", "b"):
        workers.start(name, TUESDAY)
    started = time.monotonic()
    while due.exists():
        assert not workers.died(), workers.logs()
        assert time.monotonic() - started < WAIT_SECONDS, f"{due.count()} still due\n{workers.logs()}"
        time.sleep(0.2)
    for name in ("a", "b"):
        workers.stop(name)

    handled = {name: workers.handled(name) for name in ("a", "b")}
    print(f"{N} complaints in {time.monotonic() - started:.1f} s; handled {handled}")
    assert sum(handled.values()) == N, workers.logs()  # each claimed by one worker only
    assert all(handled.values()), handled  # and both took part

    counts = (
        ComplaintEvent.objects.filter(complaint_id__in=ids, event__endswith="_breached")
        .values_list("complaint_id", "event")
        .annotate(n=Count("id"))
    )
    assert sorted({(event, n) for _, event, n in counts}) == [("reaction_breached", 1)]
    assert len(counts) == N
    stored = Complaint.objects.filter(pk__in=ids)
    assert (
        stored.filter(reaction_breached_at=REACTION_DUE, answer_breached_at=None, next_check_at=ANSWER_DUE).count() == N
    )
    told = (
        Notification.objects.filter(event="complaint_overdue", channel="inapp", recipient=personas.manager)
        .values_list("context__complaint")
        .annotate(n=Count("id"))
    )
    assert len(told) == N and {n for _, n in told} == {1}
