"""What the two long lists cost the database once the caches are warm (issue 15: `/work` and `/my`
in the API's class): a fixed list of statements per page, whatever the number of rows — none per
row — and the queues' counts read once while no request changes, read again as soon as one does.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.testing.client import browser
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_assign

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
ROW = re.compile(r'<tr data-number="[A-Z]+-\d+">|<tr(?: class="awaits")?>\s*<td class="number"')
COUNT = re.compile(r'<a href="/work\?queue=mine"[^>]*>[^<]*<span class="count" data-queue-count="(\d+)">')


@pytest.fixture(autouse=True)
def _clock(settings):
    set_now(settings, datetime(2026, 3, 10, 11, 30, tzinfo=MSK))
    settings.QUEUE_COUNTS_TTL = 3600  # a slow machine must not see the counts expire mid-test


@pytest.fixture
def filed(personas):
    """30 requests of the initiator's, 20 of them taken by Alexei (agent)."""
    p = personas
    tickets = [file_error(p.initiator, subject=f"Printer {i:02d}") for i in range(30)]
    for t in tickets[:20]:
        ticket_assign(ticket=t, actor=p.lead, version=t.version, executor=p.agent.username)
    return tickets


def kinds(client: Client, url: str, **headers: str) -> list[str]:
    """The statements of one visit, each as its verb and first table."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content[:300]
    out = []
    for q in ctx.captured_queries:
        table = re.search(r'FROM "(\w+)"', q["sql"])
        verb = "COUNT" if re.match(r"SELECT COUNT\(\*\)", q["sql"]) else q["sql"].split()[0]
        out.append(f"{verb} {table.group(1) if table else '?'}")
    return out


def visit(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


FRAME = ["SELECT django_session", "SELECT accounts_user"]  # the session and its person
BELL = ["COUNT notify_notification"]  # the frame's unread notifications


@pytest.mark.parametrize("who", ["agent", "manager"])
def test_the_work_queue_reads_a_fixed_list_of_statements(personas, filed, who):
    client = browser(getattr(personas, who))
    page = visit(client, "/work?queue=all")  # warms the snapshots, the people and the counts
    assert len(ROW.findall(page)) == 25
    expected = [
        *FRAME,
        "SELECT tickets_reaction",  # the newest log record: the counts are still current
        "SELECT tickets_ticket",  # the page's 25 requests (and one more: is there a next page?)
        # "1–25 of 33": "all" is not among the counts beside the names; its own count is kept the
        # same way once counted, while the newest log record stays the same.
        "SELECT tickets_reaction",
        "SELECT sla_clock",  # their clocks, for the badges
        *BELL,
    ]
    assert kinds(client, "/work?queue=all") == expected
    # The queue as it opens: its count beside its name is its total (the manager's own is empty:
    # no clocks to read).
    # Without the second read of the newest record ("all" own count), and the clocks if none.
    mine = [q for i, q in enumerate(expected) if i != 4 and (who == "agent" or q != "SELECT sla_clock")]
    visit(client, "/work")
    assert kinds(client, "/work") == mine
    # The htmx fragment (the filter, a sort, a page, the refresh): the same reads, no frame's bell.
    assert kinds(client, "/work/rows?queue=all", HX_Request="true") == expected[: -len(BELL)]
    # Filtered, "all" is counted as it is.
    assert "COUNT tickets_ticket" in kinds(client, "/work?queue=all&state=open")


def test_a_list_that_fits_on_its_first_page_is_not_counted_again(personas, filed):
    """A search that finds less than a page: its total is the rows shown (a search too short for
    trigrams reads every request's text once per statement, so a second reading cost as much again)."""
    client = browser(personas.manager)
    page = visit(client, "/work?queue=all&q=err-000003")
    assert len(ROW.findall(page)) == 1 and "1–1 of 1" in page
    assert "COUNT tickets_ticket" not in kinds(client, "/work?queue=all&q=err-000003")
    assert "COUNT tickets_ticket" in kinds(client, "/work?queue=all&q=err-0000")  # a full page: counted
    assert visit(client, "/work?queue=all&q=nothing-like-it").count("No requests here.") == 1


def test_the_portal_list_reads_a_fixed_list_of_statements(personas, filed):
    client = browser(personas.initiator)
    page = visit(client, "/my")
    assert len(ROW.findall(page)) == 25
    assert kinds(client, "/my") == [
        *FRAME,
        "SELECT tickets_ticket",  # the page's 25 requests (and one more: is there a next page?)
        # How many await the initiator's answer or confirmation: counted at the first visit, then
        # kept while no request changes (the newest log record is the key: tickets.kept).
        "SELECT tickets_reaction",
        *BELL,
    ]
    file_error(personas.initiator, subject="one more")
    assert "COUNT tickets_ticket" in kinds(client, "/my")


def test_the_counts_are_read_again_as_soon_as_a_request_changes(personas, filed):
    agent = browser(personas.agent)
    assert COUNT.search(visit(agent, "/work"))[1] == "20"
    before = kinds(agent, "/work")
    assert "SELECT tickets_ticket" in before and before.count("SELECT tickets_ticket") == 1  # counts kept
    taken = Ticket.objects.get(pk=filed[25].pk)
    ticket_assign(ticket=taken, actor=personas.lead, version=taken.version, executor=personas.agent.username)
    after = kinds(agent, "/work")
    assert after.count("SELECT tickets_ticket") == 2  # the counts, then the page
    assert COUNT.search(visit(agent, "/work"))[1] == "21"


def test_the_all_visible_total_is_counted_again_as_soon_as_a_request_changes(personas, filed):
    manager = browser(personas.manager)
    total = re.compile(r"1–25 of (\d+)")
    before = int(total.search(visit(manager, "/work?queue=all"))[1])
    assert "COUNT tickets_ticket" not in kinds(manager, "/work?queue=all")  # kept
    file_error(personas.initiator, subject="one more")
    assert "COUNT tickets_ticket" in kinds(manager, "/work?queue=all")
    assert int(total.search(visit(manager, "/work?queue=all"))[1]) == before + 1


def test_the_portal_list_walks_its_index_newest_filed_first(personas, filed):
    """tickets 0011: the person's requests by filing time, one index (the initiator's one-column
    index gave way to it: filing a request writes no more indexes than before)."""
    from django.db import transaction

    from otklik.core.snapshot import reset_all
    from otklik.tickets.own import own_tickets
    from otklik.tickets.selectors import LIST_COLUMNS, awaiting_initiator_count

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Ticket._meta.db_table)
    by_columns = [tuple(c["columns"]) for c in found.values() if c["index"]]
    assert any(c[:3] == ("initiator_id", "created_at", "id") for c in by_columns), by_columns
    assert ("initiator_id",) not in by_columns
    if connection.vendor != "postgresql":
        return
    qs = own_tickets(personas.initiator).order_by("-created_at", "-pk").values_list(*LIST_COLUMNS)[:26]
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # A test's few rows would be read whole, or sorted after another index: whether the query
        # *can* walk this index in its order is the question.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_initiator_filed" in plan and "Sort" not in plan, plan
    # The count of those awaiting the person can be read from that index alone (it holds the point).
    # Which index the planner takes for a test's few rows is its choice: only an index-only scan is
    # left open to it here, and it must find one.
    reset_all()  # counted, not the value kept (tickets.kept)
    with CaptureQueriesContext(connection) as ctx:
        awaiting_initiator_count(personas.initiator)
    (count_sql,) = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        for method in ("seqscan", "indexscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN {count_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using ticket_initiator_filed" in plan, plan
