"""The workspace a team lands in (issue 14): the demo's new requests wait in their group's
unassigned queue, where an agent's first view finds them; each queue's count beside its name; pages
that say where they are ("26–50 of 63"); the deadline order with the breached requests first; "My
work" without the resolved requests awaiting confirmation, which have a queue of their own; the
page as wide as the screen with numbers that never wrap; the counts in one query over the open
requests' covering index.

Tuesday 10 March 2026, 11:30 Moscow. Alexei (agent) and Sergei (lead) are first line, Olga
(agent2) second line; the demo's groups assign nothing by themselves.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik import web
from otklik.accounts.directory import invalidate
from otklik.accounts.models import SupportGroup
from otklik.testing.client import browser
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.web.selectors import QUEUES, queue_counts
from otklik.workflow import ticket_assign, ticket_create, ticket_transition

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
NUMBER = re.compile(r'<tr data-number="([A-Z]+-\d+)"')
NEXT = re.compile(r'<a href="(/work\?[^"]+)"[^>]*rel="next"')
RANGE = re.compile(r'<span class="range">(\d+)–(\d+) of (\d+)</span>')
TAB = re.compile(r'<a href="/work\?queue=(\w+)"[^>]*>[^<]*?(?: <span class="count" data-queue-count="(\d+)">|</a>)')


@pytest.fixture(autouse=True)
def _clock(settings):
    set_now(settings, datetime(2026, 3, 10, 11, 30, tzinfo=MSK))


def html(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def walk(client: Client, url: str) -> tuple[list[str], list[tuple[int, int, int]]]:
    """Every request of a list, following its pages, and each page's "first–last of total"."""
    seen: list[str] = []
    ranges: list[tuple[int, int, int]] = []
    while url:
        page = html(client.get(url.replace("&amp;", "&")))
        seen += NUMBER.findall(page)
        ranges += [(int(a), int(b), int(c)) for a, b, c in RANGE.findall(page)]
        nxt = NEXT.search(page)
        url = nxt.group(1) if nxt else ""
    return seen, ranges


def tabs(page: str) -> dict[str, int | None]:
    return {queue: int(n) if n else None for queue, n in TAB.findall(page)}


def test_the_demos_new_requests_wait_in_the_groups_queue(personas):
    p = personas
    demo = set(Ticket.objects.values_list("number", flat=True))
    assert len(demo) == 3 and not Ticket.objects.exclude(executor=None).exists()  # nobody was handed them
    new = file_error(p.initiator, subject="Printer on fire")
    assert new.executor_id is None
    agent = browser(p.agent)
    first_view = html(agent.get("/work?queue=unassigned"))
    assert set(NUMBER.findall(first_view)) == demo | {new.number}
    assert NUMBER.findall(html(browser(p.lead).get("/work?queue=mine"))) == []  # not the lead's own list
    # A member takes it from the queue: it is theirs, and out of the queue.
    ticket_transition(ticket=new, actor=p.agent, transition_code="accept", version=new.version)
    assert NUMBER.findall(html(agent.get("/work?queue=mine"))) == [new.number]
    assert new.number not in NUMBER.findall(html(agent.get("/work?queue=unassigned")))


def test_a_group_that_assigns_automatically_hands_new_requests_to_its_dispatcher(personas):
    """The mechanism stays for organisations that want it: the dispatcher, else the first lead,
    gets the group's new requests and those handed to the group."""
    p = personas
    SupportGroup.objects.filter(code__in=["first-line", "second-line"]).update(auto_assign=True)
    invalidate()
    assert file_error(p.initiator).executor_id == p.lead.pk  # first line has no dispatcher
    payroll = file_error(p.initiator, category_code="accounting-payroll")
    assert payroll.executor_id == p.agent2.pk  # second line's dispatcher
    SupportGroup.objects.filter(code="second-line").update(auto_assign=False)
    invalidate()
    moved = ticket_assign(ticket=file_error(p.initiator), actor=p.lead, version=1, group_code="second-line")
    assert (moved.group.code, moved.executor_id) == ("second-line", None)  # its queue, not Olga
    assert file_error(p.initiator, category_code="accounting-payroll").executor_id is None


@pytest.fixture
def work(personas):
    """Alexei's: two in work, one resolved awaiting confirmation; the first line's queue: the demo's
    three and two more."""
    p = personas
    mine = []
    for subject in ("Printer on fire", "Report fails", "Mail bounces"):
        t = file_error(p.initiator, subject=subject)
        t = ticket_transition(ticket=t, actor=p.agent, transition_code="accept", version=t.version)
        mine.append(ticket_transition(ticket=t, actor=p.agent, transition_code="start", version=t.version))
    done = mine.pop()
    done = ticket_transition(ticket=done, actor=p.agent, transition_code="resolve", version=done.version, comment="ok")
    queued = [file_error(p.initiator2, subject=f"Queued {i}") for i in range(2)]
    vpn = ticket_create(
        initiator=p.initiator2,
        type_code="request",
        subject="Need VPN",
        category_code="access",
        fields={"kind": "access"},
    )
    return {"mine": [t.number for t in mine], "done": done.number, "queued": [t.number for t in queued], "vpn": vpn}


def test_my_work_leaves_the_resolved_to_their_own_queue(personas, work):
    agent = browser(personas.agent)
    assert set(NUMBER.findall(html(agent.get("/work")))) == set(work["mine"])  # "My work" is the default
    page = html(agent.get("/work?queue=awaiting"))
    assert "<h1>Awaiting confirmation</h1>" in page
    assert NUMBER.findall(page) == [work["done"]]
    # The state filter still shows all of one's open work on asking.
    assert set(NUMBER.findall(html(agent.get("/work?queue=mine&state=open")))) == {*work["mine"], work["done"]}
    assert '<option value="active" selected>Open, not resolved</option>' in html(agent.get("/work"))


def test_each_queue_shows_its_count_and_the_list_agrees(personas, work):
    for who in ("agent", "lead", "manager", "agent2"):
        client = browser(getattr(personas, who))
        counts = tabs(html(client.get("/work")))
        assert list(counts) == list(QUEUES)
        assert counts["all"] is None  # closed requests too: not a work queue, not counted
        for queue in QUEUES[:-1]:
            listed, ranges = walk(client, f"/work?queue={queue}")
            assert counts[queue] == len(listed), (who, queue)
            if listed:
                assert ranges[0] == (1, len(listed), len(listed))
    agent = tabs(html(browser(personas.agent).get("/work")))
    assert (agent["mine"], agent["awaiting"], agent["unassigned"]) == (2, 1, 3 + 2 + 1)


def test_pages_say_where_they_are(personas):
    p = personas
    for i in range(60):
        file_error(p.initiator, subject=f"Bulk {i:02d}")
    manager = browser(p.manager)
    seen, ranges = walk(manager, "/work?queue=unassigned")
    assert ranges == [(1, 25, 63), (26, 50, 63), (51, 63, 63)]
    assert len(set(seen)) == 63
    # A filtered list is counted as it is filtered (here by a search), its pages too.
    seen, ranges = walk(manager, "/work?queue=all&q=bulk+1")
    assert ranges == [(1, 10, 10)] and len(seen) == 10
    # The counts refresh with the rows: the fragment carries the tabs out of band.
    body = html(manager.get("/work/rows?queue=unassigned", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="queue-rows"))
    assert '<nav class="tabs" id="queue-tabs"' in body and 'hx-swap-oob="true"' in body
    assert tabs(body)["unassigned"] == 63
    assert "hx-swap-oob" not in html(manager.get("/work?queue=unassigned"))


def _due_order(descending: bool) -> list[str]:
    rows = Ticket.objects.values_list("pk", "number", "sla_breached", "sla_due_at")
    part = {0: 2, 1: 0, 2: 1} if descending else {0: 0, 1: 1, 2: 2}
    sign = -1 if descending else 1

    def key(r: tuple[int, str, bool, datetime | None]) -> tuple[int, float, int]:
        pk, _n, breached, due = r
        segment = 0 if breached else 1 if due else 2
        return (part[segment], sign * due.timestamp() if segment == 1 and due else 0.0, sign * pk)

    return [r[1] for r in sorted(rows, key=key)]


@pytest.mark.parametrize("sort", ["due", "-due"])
def test_sorting_by_the_deadline_puts_the_breached_first(personas, sort):
    p = personas
    filed = [
        file_error(p.initiator, subject=f"Bulk {i:02d}", priority_code=("high", "normal")[i % 2]) for i in range(60)
    ]
    # Some missed a target (their next deadline is a later one, or none), some have no deadline.
    for i, t in enumerate(filed):
        if i % 6 == 0:
            Ticket.objects.filter(pk=t.pk).update(sla_breached=True, sla_due_at=None if i % 12 else t.sla_due_at)
        elif i % 7 == 0:
            Ticket.objects.filter(pk=t.pk).update(sla_due_at=None)
    breached = {t.number for i, t in enumerate(filed) if i % 6 == 0}
    seen, ranges = walk(browser(p.manager), f"/work?queue=all&sort={sort}")
    assert seen == _due_order(sort.startswith("-"))
    assert [r[:2] for r in ranges] == [(1, 25), (26, 50), (51, 63)]
    if sort == "due":
        assert set(seen[: len(breached)]) == breached
    else:
        assert set(seen[-len(breached) :]) == breached


def test_the_page_uses_the_screens_width_and_numbers_never_wrap(personas, work):
    page = html(browser(personas.agent).get("/work?queue=unassigned"))
    assert '<main id="main" tabindex="-1" class="wide">' in page
    assert re.search(r'<th scope="row" class="number" data-label="Number"><a href="/requests/ERR-\d+">', page)
    css = (Path(web.__file__).parent / "static" / "web" / "work.css").read_text()
    assert "main.wide { max-width: none; }" in css
    assert "table.queue .number, table.queue .nowrap, table.queue .badge { white-space: nowrap; }" in css
    # Other pages keep their reading width.
    assert '<main id="main" tabindex="-1">' in html(browser(personas.lead).get("/dashboard"))


def test_the_counts_are_one_query_over_the_open_requests_index(personas, work):
    index = next(i for i in Ticket._meta.indexes if i.name == "ticket_open_cover")
    held = {Ticket._meta.get_field(name).column for name in (*index.fields, *index.include)}
    assert index.condition == Q(is_open=True)
    for who in ("manager", "lead", "agent"):
        with CaptureQueriesContext(connection) as captured:
            counts = queue_counts(getattr(personas, who))
        ticket_queries = [q["sql"] for q in captured.captured_queries if '"tickets_ticket"' in q["sql"]]
        assert len(ticket_queries) == 1, ticket_queries
        sql = ticket_queries[0]
        assert "GROUP BY" not in sql and '"tickets_ticket"."is_open"' in sql
        read = set(re.findall(r'"tickets_ticket"\."(\w+)"', sql)) - {"is_open"}
        assert read <= held, (who, read - held)
        assert set(counts) == set(QUEUES) - {"all"}


def test_the_filters_choices_follow_the_catalogue_and_the_language(personas):
    """The type, priority, group and state choices are built once per language and kept while the
    catalogue and the groups stay as they are (web.views.queue._fixed_choices)."""
    from otklik.catalog.models import Priority
    from otklik.catalog.reference import invalidate as invalidate_catalogue

    critical = Priority.objects.get(code="critical")
    english = html(browser(personas.agent).get("/work"))
    assert '<option value="" selected>Any priority</option>' in english
    assert f'<option value="critical">{critical.name_en}</option>' in english
    russian = html(browser(personas.agent, language="ru").get("/work"))
    assert f'<option value="critical">{critical.name_ru}</option>' in russian
    assert "Any priority" not in russian
    Priority.objects.filter(pk=critical.pk).update(is_active=False)
    invalidate_catalogue()
    agent = browser(personas.agent)
    assert 'value="critical"' not in html(agent.get("/work"))
    SupportGroup.objects.create(code="zz-night", name_en="Night shift", name_ru="Ночная смена")
    invalidate()
    assert '<option value="zz-night">Night shift</option>' in html(agent.get("/work"))
