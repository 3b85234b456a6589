"""ticket_create as production runs it on PostgreSQL: outside any caller's transaction, where the
number is reserved by its own autocommit statement. (Most tests run inside a test transaction,
which takes the in-transaction path instead.)"""

import pytest
from django.db import connection

from otklik.catalog.models import RequestType
from otklik.core.errors import Invalid
from otklik.sla.models import Clock
from otklik.testing.personas import load_personas
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_numbers_log_and_out_of_scope_outside_a_transaction():
    p = load_personas()
    assert not connection.in_atomic_block
    start = RequestType.objects.get(code="request").last_number

    first = ticket_create(initiator=p.initiator, type_code="request", subject="Доступ", fields={"kind": "access"})
    declined = ticket_create(
        initiator=p.initiator,
        type_code="request",
        subject="Принтер",
        category_code="hardware",
        fields={"kind": "other"},
    )

    assert [first.seq, declined.seq] == [start + 1, start + 2]
    assert RequestType.objects.get(code="request").last_number == start + 2
    stored = Ticket.objects.get(pk=first.pk)
    assert (stored.number, stored.point.code, stored.fields) == (f"REQ-{start + 1:06d}", "new", {"kind": "access"})
    assert list(LogRecord.objects.filter(ticket=first).order_by("id").values_list("event", "sla_event")) == [
        ("created", ""),
        ("sla", "applied"),
        ("sla", "applied"),
    ]
    # The clocks went in with the request, in the same statement batch.
    assert sorted(Clock.objects.filter(ticket=first).values_list("metric", "state")) == [
        ("first_reaction", "running"),
        ("resolution", "running"),
    ]
    assert stored.sla_due_at is not None and stored.sla_next_at is not None
    assert stored.regulation_version_id is not None
    assert list(LogRecord.objects.filter(ticket=declined).values_list("event", "reaction", "actor_role")) == [
        ("created", "", "initiator"),
        ("transition", "declined_out_of_scope", "system"),
    ]
    assert Ticket.objects.get(pk=declined.pk).point.code == "out_of_scope"


def test_a_refused_request_takes_no_number_outside_a_transaction():
    p = load_personas()
    before = RequestType.objects.get(code="error").last_number
    with pytest.raises(Invalid):
        ticket_create(initiator=p.initiator, type_code="error", subject="x", fields={})  # steps missing
    assert RequestType.objects.get(code="error").last_number == before
    t = ticket_create(initiator=p.initiator, type_code="error", subject="x", fields={"steps": "1"})
    assert t.seq == before + 1
