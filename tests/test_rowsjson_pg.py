"""core.rowsjson writes a row exactly as Django's own INSERT would: every field type the request's
first rows use (texts with quotes, backslashes, line breaks and Cyrillic; JSON; durations; UUIDs;
times with their zone; NULLs), read back and compared field by field."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.models import Model

from otklik.core.rowsjson import insert_rows
from otklik.notify.models import Notification
from otklik.sla.models import Clock
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

AWKWARD = "Кавычки «ёлочки», \"прямые\" и 'одиночные', обратная \\ черта, \\n не перевод,\nа это перевод; 100% — ✓ 🙂"


def _fields(obj: Model) -> dict[str, object]:
    """Every stored field but the id (model_to_dict would leave out the ones not editable)."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}


def _another(ticket: Ticket, number: str) -> Ticket:
    """A copy of `ticket` with its own id (taken from the sequence, as filing does) and number."""
    copy = Ticket.objects.get(pk=ticket.pk)
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('tickets_ticket', 'id'))")
        copy.pk = cur.fetchone()[0]
    copy._state.adding = True
    copy.number, copy.seq = number, int(number.rpartition("-")[2])
    copy.subject = AWKWARD
    return copy


def test_rows_read_back_as_the_orm_wrote_them(personas):
    if connection.vendor != "postgresql":
        pytest.skip("json_populate_recordset is PostgreSQL's")
    ticket = file_error(personas.initiator)  # through the ORM: inside the test's transaction
    originals = [
        *LogRecord.objects.filter(ticket=ticket).order_by("id"),
        *Clock.objects.filter(ticket=ticket).order_by("id"),
        *Notification.objects.filter(ticket=ticket).order_by("id"),
    ]
    assert {type(o) for o in originals} == {LogRecord, Clock, Notification}
    twin = _another(ticket, "ERR-999998")
    copies: list[Model] = [twin]
    for row in originals:
        copy = type(row).objects.get(pk=row.pk)
        copy.pk = None
        copy._state.adding = True
        copy.ticket_id = twin.pk
        if isinstance(copy, LogRecord):
            copy.body = AWKWARD
            copy.new_value = {"текст": AWKWARD, "list": [1, 2.5, None, True], "nested": {"a": "\\"}}
            copy.old_value = None
        if isinstance(copy, Clock):
            copy.used = dt.timedelta(days=3, hours=4, seconds=5, microseconds=678)
        if isinstance(copy, Notification):
            copy.key = uuid.uuid4()
            copy.body = AWKWARD
            copy.texts = {"ru": {"subject": AWKWARD, "body": ""}, "en": {"subject": "x", "body": AWKWARD}}
            copy.read_at = dt.datetime(2026, 3, 29, 2, 30, 0, 123456, tzinfo=dt.UTC)
        copies.append(copy)
    insert_rows(copies)
    stored: list[Model] = [
        Ticket.objects.get(pk=twin.pk),
        *LogRecord.objects.filter(ticket=twin).order_by("id"),
        *Clock.objects.filter(ticket=twin).order_by("id"),
        *Notification.objects.filter(ticket=twin).order_by("id"),
    ]
    assert [type(s) for s in stored] == [type(c) for c in copies]
    for copy, row in zip(copies, stored, strict=True):
        assert _fields(row) == _fields(copy), type(copy).__name__


def test_a_rows_own_key_is_kept_and_the_rest_numbered(personas):
    if connection.vendor != "postgresql":
        pytest.skip("json_populate_recordset is PostgreSQL's")
    ticket = file_error(personas.initiator)
    record = LogRecord.objects.filter(ticket=ticket).first()
    assert record is not None
    record.pk = None
    record._state.adding = True
    twin = _another(ticket, "ERR-999999")
    record.ticket_id = twin.pk
    insert_rows([twin, record])
    assert Ticket.objects.get(pk=twin.pk).number == "ERR-999999"
    assert LogRecord.objects.filter(ticket_id=twin.pk).count() == 1
    assert record.pk is None  # numbered by the database, not read back
