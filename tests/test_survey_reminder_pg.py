"""Two workers sending survey reminders at once on PostgreSQL: each due survey is claimed by one
of them (FOR UPDATE SKIP LOCKED) and reminded exactly once.

Ivan (initiator) was asked to rate 40 Errors Alexei (agent) resolved."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from otklik.feedback.models import Survey
from otklik.feedback.surveys import survey_remind_due
from otklik.notify.models import Notification
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.workflow import ticket_transition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MSK = ZoneInfo("Europe/Moscow")
RESOLVED = datetime(2026, 10, 28, 15, tzinfo=MSK)
N = 40


def test_two_workers_remind_each_survey_exactly_once(personas, settings):
    set_now(settings, RESOLVED)
    ids = []
    for i in range(N):
        t = file_error(personas.initiator, subject=f"Survey {i}")
        for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
            t = ticket_transition(ticket=t, actor=personas.agent, transition_code=code, version=t.version, **kw)
        ids.append(t.pk)
    set_now(settings, RESOLVED + timedelta(days=3))
    barrier = threading.Barrier(2, timeout=60)
    handled: dict[str, int] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait()
            total = 0
            while count := survey_remind_due(batch=3):
                total += count
            handled[name] = total
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sum(handled.values()) == N, handled
    assert all(handled.values()), f"one worker did everything: {handled}"  # they did compete
    sent = Counter(
        Notification.objects.filter(ticket_id__in=ids, event="survey_reminded", channel="inapp").values_list(
            "ticket_id", flat=True
        )
    )
    assert sent == Counter(dict.fromkeys(ids, 1))
    assert Survey.objects.filter(ticket_id__in=ids, reminded_at__isnull=False, remind_at__isnull=True).count() == N
