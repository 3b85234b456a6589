"""A query compiled once (core.prepared) reads the same rows as its queryset, on both databases:
model instances with their JSON values and moments converted, values_list tuples and flat values,
by an id or a code, each shape compiled once; shapes it cannot run are refused when compiled."""

from __future__ import annotations

import pytest
from django.db.models import QuerySet

from otklik.core.prepared import Prepared
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket, Watcher
from otklik.workflow import ticket_comment, ticket_transition

pytestmark = pytest.mark.django_db


def fields(rows: list[LogRecord]) -> list[dict[str, object]]:
    return [{f.attname: getattr(r, f.attname) for f in LogRecord._meta.concrete_fields} for r in rows]


def test_model_rows_are_the_querysets_rows(personas):
    p = personas
    t = file_error(p.initiator)
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="accept", version=t.version)
    ticket_comment(ticket=t, actor=p.agent, body="Checking", internal=True)
    ticket_comment(ticket=t, actor=p.initiator, body="Thanks")

    def build(ticket_id: int, internal: bool) -> QuerySet[LogRecord]:
        qs = LogRecord.objects.filter(ticket_id=ticket_id)
        return (qs if internal else qs.filter(internal=False)).order_by("created_at", "id")

    log: Prepared[LogRecord] = Prepared(build, int)
    for internal in (True, False):
        got = log.models(t.pk, shape=(internal,))
        assert fields(got) == fields(list(build(t.pk, internal))), internal
        assert all(isinstance(r, LogRecord) and r._state.adding is False for r in got)
    assert len(log.models(t.pk, shape=(True,))) == len(log.models(t.pk, shape=(False,))) + 1
    assert log.models(t.pk + 1000, shape=(True,)) == []
    assert len(log._compiled) == 2  # a shape per flag, each compiled once


def test_values_and_codes(personas):
    p = personas
    t = file_error(p.initiator)
    Watcher.objects.create(ticket=t, user=p.lead)
    Watcher.objects.create(ticket=t, user=p.agent)
    flat: Prepared[Watcher] = Prepared(
        lambda t: Watcher.objects.filter(ticket_id=t).order_by("id").values_list("user_id", flat=True), int
    )
    pairs: Prepared[Watcher] = Prepared(
        lambda t: Watcher.objects.filter(ticket_id=t).order_by("id").values_list("ticket_id", "user_id"), int
    )
    assert flat.values(t.pk) == [p.lead.pk, p.agent.pk]
    assert pairs.values(t.pk) == [(t.pk, p.lead.pk), (t.pk, p.agent.pk)]
    by_number: Prepared[Ticket] = Prepared(lambda n: Ticket.objects.filter(number=n)[:1], str)
    assert [x.pk for x in by_number.models(t.number)] == [t.pk]
    assert by_number.models("NO-SUCH") == []
    with pytest.raises(TypeError):
        by_number.models(t.pk)  # an id where a code was declared
    with pytest.raises(TypeError):
        flat.models(t.pk)  # a values_list shape has no model rows


def test_shapes_it_cannot_run_are_refused(personas):
    joined: Prepared[LogRecord] = Prepared(lambda t: LogRecord.objects.filter(ticket_id=t).select_related("actor"), int)
    with pytest.raises(ValueError):
        joined.models(1)
    ignored: Prepared[LogRecord] = Prepared(lambda t: LogRecord.objects.filter(ticket_id=1), int)
    with pytest.raises(ValueError):
        ignored.models(1)  # the value never reaches the SQL
