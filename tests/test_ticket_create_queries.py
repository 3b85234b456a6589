"""What filing a request costs the database, once the caches are warm (issue 15: the create path's
figure): the request's number, one insert per table it writes (the request, its first log record,
its SLA clocks, its notifications in one batch) and not a single read. The rules' recipients come
from the directory snapshot, not from queries per request."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.accounts.models import SupportGroup
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def statements(personas, subject: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        file_error(personas.initiator, subject=subject)
    return [q["sql"] for q in ctx.captured_queries if not re.match(r"(SAVEPOINT|RELEASE SAVEPOINT)", q["sql"])]


def kinds(sqls: list[str]) -> list[str]:
    return [" ".join(sql.split()[:3]).replace('"', "") for sql in sqls]


def test_filing_a_request_reads_nothing_and_writes_each_table_once(personas):
    file_error(personas.initiator, subject="warm the caches")
    sqls = statements(personas, "counted")
    assert not [s for s in sqls if s.lstrip().upper().startswith("SELECT")], sqls
    assert kinds(sqls) == [
        "UPDATE catalog_requesttype SET",  # the type's next number
        "INSERT INTO tickets_ticket",
        "INSERT INTO tickets_reaction",
        "INSERT INTO sla_clock",
        "INSERT INTO notify_notification",
        *(["NOTIFY otklik_work"] if connection.vendor == "postgresql" else []),  # wakes the worker at commit
    ], sqls


def test_a_group_that_assigns_its_dispatcher_costs_no_more(personas):
    """The dispatcher and the group's lead are told from the snapshot, whoever they are."""
    group = SupportGroup.objects.get(code="first-line")
    group.dispatcher, group.auto_assign = personas.agent, True
    group.save()  # saved, not updated: the directory snapshot hears of it
    file_error(personas.initiator, subject="warm the caches")
    sqls = statements(personas, "counted")
    assert not [s for s in sqls if s.lstrip().upper().startswith("SELECT")], sqls
    assert len(sqls) == (6 if connection.vendor == "postgresql" else 5), sqls
    newest = Ticket.objects.filter(initiator=personas.initiator).latest("id")
    assert (newest.subject, newest.executor_id) == ("counted", personas.agent.pk)
