"""The agent's workspace (/work): the six queues and who sees what in them, sorting, filters, search,
keyset pages, the SLA badge, the rows fragment for htmx, and a fixed number of queries.

Tuesday 10 March 2026, 11:30 Moscow; calendar Mon–Fri 09:00–13:00, 14:00–18:00. Demo policy
"errors": high → first reaction 1 h, normal → 4 h; warnings at 80 %. Alexei (agent) and Sergei
(lead) are first line, Olga (agent2) second line.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from otklik.catalog.reference import reference
from otklik.routes.models import RoutePoint
from otklik.sla import clockmath as cm
from otklik.sla.reference import sla_reference
from otklik.sla.timers import sla_timers_pass
from otklik.testing.client import browser
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.tickets.selectors import LIST_COLUMNS, ticket_row
from otklik.web.badges import Badge, duration, sla_badge
from otklik.web.selectors import Sort, encode_cursor
from otklik.workflow import ticket_create, ticket_transition

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
NUMBER = re.compile(r'<tr data-number="([A-Z]+-\d+)"')
NEXT = re.compile(r'<a href="(/work\?[^"]+)"[^>]*rel="next"')
PRIORITIES = ("critical", "high", "normal", "low")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=MSK)


@pytest.fixture(autouse=True)
def _clock(settings):
    # Before the personas: the demo's own requests are filed at this moment too.
    set_now(settings, at(10, 11, 30))


def html(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def listed(client: Client, query: str) -> list[str]:
    return NUMBER.findall(html(client.get(f"/work?{query}")))


def row(page: str, number: str) -> str:
    match = re.search(rf'<tr data-number="{number}">(.*?)</tr>', page, re.S)
    assert match, f"{number} is not on the page"
    return match.group(1)


def badge(page: str, number: str) -> tuple[str, str]:
    match = re.search(r'<span class="badge ([a-z]*)"[^>]*>([^<]*)</span>', row(page, number))
    assert match, row(page, number)
    return match.group(1), match.group(2)


def point(route: str, code: str) -> RoutePoint:
    return RoutePoint.objects.get(route__code=route, code=code)


def move(ticket: Ticket, **columns) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(**columns)


@pytest.fixture
def filed(personas):
    """Five requests besides the demo's three (first line, waiting unassigned in its queue)."""
    p = personas
    mine = file_error(p.initiator, subject="Printer on fire", priority_code="high")
    move(mine, executor=p.agent)
    # Alexei took a request and asked Ivan's colleague for details: it waits for her now.
    vpn = ticket_create(
        initiator=p.initiator2,
        type_code="request",
        subject="Need VPN",
        category_code="access",
        fields={"kind": "access"},
    )
    vpn = ticket_transition(ticket=vpn, actor=p.agent, transition_code="take", version=vpn.version)
    ticket_transition(ticket=vpn, actor=p.agent, transition_code="ask", version=vpn.version, comment="Which office?")
    nobody = file_error(p.initiator, subject="Mail bounces", category_code="email")
    move(nobody, executor=None)
    payroll = file_error(p.initiator, subject="Payroll is wrong", category_code="accounting-payroll")
    move(payroll, executor=p.agent2)  # Olga took it from her group's queue
    old = file_error(p.initiator2, subject="Old report")
    move(old, executor=p.agent, is_open=False, point=point("error", "closed"))
    tickets = {"mine": mine, "vpn": vpn, "nobody": nobody, "payroll": payroll, "old": old}
    return {name: Ticket.objects.get(pk=t.pk).number for name, t in tickets.items()}


def test_each_queue_holds_the_right_requests(personas, filed):
    f = filed
    demo = set(Ticket.objects.filter(executor=None).exclude(number=f["nobody"]).values_list("number", flat=True))
    assert len(demo) == 3  # the demo's new requests wait in the first line's queue
    agent = browser(personas.agent)
    assert set(listed(agent, "")) == {f["mine"], f["vpn"]}  # "My work" is the default
    assert set(listed(agent, "queue=mine")) == {f["mine"], f["vpn"]}
    assert listed(agent, "queue=waiting") == [f["mine"]]  # the VPN request waits for the initiator
    assert set(listed(agent, "queue=unassigned")) == {f["nobody"], *demo}
    everything = set(listed(agent, "queue=all"))
    assert {f["mine"], f["vpn"], f["nobody"], f["old"]} <= everything
    assert f["payroll"] not in everything  # second line's: never in a first-line agent's lists
    for queue in ("mine", "waiting", "awaiting", "unassigned", "at_risk", "breached", "all"):
        assert f["payroll"] not in listed(agent, f"queue={queue}&state=any")

    olga = browser(personas.agent2)
    assert listed(olga, "queue=mine") == [f["payroll"]]
    assert listed(olga, "queue=all") == [f["payroll"]]
    assert listed(olga, "queue=unassigned") == []

    assert set(listed(browser(personas.lead), "queue=unassigned")) == {f["nobody"], *demo}
    # A manager in no group answers for every group's unassigned requests.
    assert set(listed(browser(personas.manager), "queue=unassigned")) == {f["nobody"], *demo}


def test_the_page_is_labelled_ordered_and_marks_the_current_queue(personas, filed):
    page = html(browser(personas.agent).get("/work?queue=waiting"))
    assert page.count("<h1") == 1 and "<h1>Waiting for my reaction</h1>" in page
    assert '<a href="/work?queue=waiting" aria-current="page">' in page
    ids = re.findall(r'<(?:input|select)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page)
    ids = [i for i in ids if i != "lang-select"]  # the frame's own, labelled by the frame
    assert {"id_q", "id_type", "id_priority", "id_group", "id_state", "id_executor"} <= set(ids)
    for control in ids:
        assert f'<label for="{control}"' in page, control
    assert all('scope="' in th for th in re.findall(r"<th\b[^>]*>", page))
    assert '<table class="responsive queue">' in page
    assert '<th scope="col" aria-sort="descending">' in page  # newest first
    assert 'rel="stylesheet" href="/static/web/work.css"' in page
    # Without JavaScript the form is a plain GET of the page; with htmx it swaps the rows only.
    assert 'method="get" action="/work"' in page and 'hx-get="/work/rows"' in page


def test_the_deadline_column_is_named_in_the_readers_language_and_says_which_deadline(personas, filed):
    head = re.compile(r'<th scope="col" title="([^"]+)">\s*<a [^>]*sort=[^>]*>([^<]+)</a>')
    en = html(browser(personas.agent).get("/work?queue=all"))
    assert ("The nearest deadline whose clock is running", "Service level") in head.findall(en)
    assert 'data-label="Service level"' in en
    ru = html(browser(personas.agent, language="ru").get("/work?queue=all"))
    assert ("Ближайший срок, по которому идёт отсчёт", "Уровень обслуживания") in head.findall(ru)
    assert ">SLA<" not in ru and 'data-label="SLA"' not in ru


def test_filters_and_search(personas, filed):
    f = filed
    manager = browser(personas.manager)
    mine = set(filed.values())

    def only(query: str) -> set[str]:
        return set(listed(manager, f"queue=all&{query}")) & mine

    assert only("type=request") == {f["vpn"]}
    assert only("priority=high") == {f["mine"]}
    assert only("group=second-line") == {f["payroll"]}
    assert only("state=closed") == {f["old"]}
    assert only("state=open") == mine - {f["old"]}
    assert only("state=waiting") == {f["vpn"]}  # a kind of point
    assert only("state=request:waiting") == {f["vpn"]}  # one route's point
    assert only("state=error:closed") == {f["old"]}
    assert only("executor=none") == {f["nobody"]}
    assert only("executor=agent2") == {f["payroll"]}
    assert only("q=printer") == {f["mine"]}
    assert only("q=PAYROLL+is") == {f["payroll"]}
    assert only(f"q={f['vpn'].lower()}") == {f["vpn"]}
    assert only("type=error&priority=normal&group=first-line") == {f["nobody"], f["old"]}
    # A queue's own state is a default the form may change: Alexei's closed work.
    assert listed(browser(personas.agent), "queue=mine&state=closed") == [f["old"]]


def test_a_wrong_filter_is_said_next_to_its_field_and_the_list_still_shows(personas, filed):
    agent = browser(personas.agent)
    page = html(agent.get("/work?queue=mine&type=nope&q=" + "x" * 201))
    assert 'id="id_type-error"' in page and "Select a valid choice" in page
    assert 'id="id_q-error"' in page and 'aria-invalid="true"' in page
    assert set(NUMBER.findall(page)) == {filed["mine"], filed["vpn"]}  # the wrong filters are left out
    assert set(listed(agent, "queue=nonsense&sort=sideways")) == {filed["mine"], filed["vpn"]}


def test_the_sla_badge_says_time_left_in_working_time_and_its_colour(personas, filed, settings):
    manager = browser(personas.manager)
    f = filed
    set_now(settings, at(10, 11, 40))
    page = html(manager.get("/work?queue=all"))
    assert badge(page, f["mine"]) == ("ok", "50 min left")  # high: first reaction within 1 h
    assert badge(page, f["nobody"]) == ("ok", "3 h 50 min left")  # normal: 4 h
    assert badge(page, f["vpn"])[0] == ""  # waiting for the initiator: paused, no colour
    assert badge(page, f["vpn"])[1].startswith("Paused · ")
    assert 'title="First reaction: 16% of 1 h used"' in row(page, f["mine"])
    assert "no deadline" in row(page, f["old"])  # closed: nothing is owed any more

    set_now(settings, at(10, 12, 20))  # past the warning at 80 % (12:18)
    page = html(manager.get("/work?queue=all"))
    assert badge(page, f["mine"]) == ("warn", "At risk · 10 min left")
    assert f["mine"] in listed(manager, "queue=at_risk")
    assert f["mine"] not in listed(manager, "queue=breached")

    set_now(settings, at(10, 14, 10))  # 12:30 was the deadline; the lunch hour is not working time
    page = html(manager.get("/work?queue=all"))
    assert badge(page, f["mine"]) == ("bad", "Overdue 40 min")  # before the timer worker ran
    assert f["mine"] in listed(manager, "queue=breached")
    assert f["mine"] not in listed(manager, "queue=at_risk")
    assert badge(page, f["nobody"]) == ("ok", "2 h 20 min left")  # 1 h 30 min before lunch, 10 min after

    sla_timers_pass()
    ticket = Ticket.objects.get(number=f["mine"])
    assert ticket.sla_breached
    assert badge(html(manager.get("/work?queue=all")), f["mine"]) == ("bad", "Overdue 40 min")
    # Accepted late: the first reaction is missed for good, the resolution clock runs on.
    ticket_transition(ticket=ticket, actor=personas.agent, transition_code="accept", version=ticket.version)
    tone, text = badge(html(manager.get("/work?queue=all")), f["mine"])
    assert (tone, text) == ("bad", "Breached · 6 h 20 min left")  # resolution: 8 h


def test_the_badge_words_for_paused_missed_and_no_targets():
    with translation.override("en"):
        moment = at(10, 12, 0)
        cal = sla_reference().calendar(None)  # round the clock
        paused = cm.start(metric="resolution", target=timedelta(hours=2), warning_percent=80, cal=cal, moment=moment)
        cm.pause(paused, cal, moment + timedelta(minutes=30))
        clocks = [("Resolution", paused, cal)]
        assert sla_badge(clocks, breached=False, moment=moment + timedelta(hours=1)) == Badge(
            "", "Paused · 1 h 30 min left", "Resolution: the clock is paused", 5400
        )
        assert sla_badge(clocks, breached=True, moment=moment).text == "Breached · paused"
        assert sla_badge([], breached=True, moment=moment).tone == "bad"
        assert sla_badge([], breached=False, moment=moment) is None
        assert [duration(s) for s in (20, 60, 3600, 3660 + 540, 40 * 3600)] == [
            "under 1 min",
            "1 min",
            "1 h",
            "1 h 10 min",
            "40 h",
        ]


def test_the_rows_fragment_refreshes_without_a_new_history_entry(personas, filed):
    agent = browser(personas.agent)
    r = agent.get("/work/rows?queue=mine&sort=due", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="queue-rows")
    body = html(r)
    assert body.lstrip().startswith('<div id="queue-rows"') and "<html" not in body
    assert 'hx-get="/work/rows?queue=mine&amp;state=active&amp;sort=due"' in body
    assert 'hx-trigger="every 30s"' in body and 'hx-swap="outerHTML"' in body
    assert set(NUMBER.findall(body)) == {filed["mine"], filed["vpn"]}
    assert "HX-Push-Url" not in r
    # The filter form (or a sort or page link) shows the page's own address in the address bar.
    r = agent.get("/work/rows?queue=mine&type=request", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="queue-filter")
    assert r["HX-Push-Url"] == "/work?queue=mine&type=request&state=active&sort=-number"
    assert NUMBER.findall(html(r)) == [filed["vpn"]]
    # The sort order travels with the form, which lives outside the rows.
    assert '<input type="hidden" name="sort" value="-number" form="queue-filter">' in html(r)


def test_initiators_and_strangers_are_kept_out(personas, filed):
    ivan = browser(personas.initiator)
    for path in ("/work", "/work/rows", "/work?queue=all"):
        r = ivan.get(path)
        assert r.status_code == 403
        assert "Not allowed" in r.content.decode()
    r = Client().get("/work")
    assert r.status_code == 302 and r["Location"].startswith("/login?next=/work")
    # A refresh after the session ended takes the whole page to the sign-in, not the table.
    r = Client().get(
        "/work/rows?queue=all", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/work?queue=all"
    )
    assert r.status_code == 204 and r["HX-Redirect"] == "/login?next=%2Fwork%3Fqueue%3Dall"


@pytest.fixture
def many(personas):
    """60 requests for Alexei's group: four priorities, some with no running deadline, all filed
    at the same instant (so sorting by update or deadline is all ties, broken by id)."""
    p = personas
    tickets = []
    for i in range(60):
        t = file_error(p.initiator, subject=f"Bulk {i:02d}", priority_code=PRIORITIES[i % 4])
        tickets.append(t)
    for t in tickets[::7]:
        move(t, sla_due_at=None)
    move(tickets[5], updated_at=at(10, 11, 45))
    return tickets


def expected_order(sort: str) -> list[str]:
    ranks = {pk: pr.rank for pk, pr in reference().priorities.items()}
    rows = list(Ticket.objects.values_list("pk", "number", "priority_id", "sla_due_at", "updated_at"))
    key = sort.lstrip("-")
    desc = sort.startswith("-")
    sign = -1 if desc else 1

    def order(r):
        pk, _n, prio, due, updated = r
        if key == "number":
            return (sign * pk,)
        if key == "priority":
            return (sign * ranks[prio], sign * pk)
        if key == "updated":
            return (sign * updated.timestamp(), sign * pk)
        return (due is None, sign * (due.timestamp() if due else 0), sign * pk)  # no deadline: last

    return [r[1] for r in sorted(rows, key=order)]


@pytest.mark.parametrize("sort", ["-number", "number", "priority", "-priority", "due", "-due", "-updated", "updated"])
def test_keyset_pages_walk_every_request_once_in_order(personas, many, sort):
    manager = browser(personas.manager)
    seen: list[str] = []
    url = f"/work?queue=all&sort={sort}"
    pages = 0
    while url:
        page = html(manager.get(url.replace("&amp;", "&")))
        numbers = NUMBER.findall(page)
        assert len(numbers) <= 25
        seen += numbers
        pages += 1
        nxt = NEXT.search(page)
        url = nxt.group(1) if nxt else ""
        assert "OFFSET" not in url
    assert pages == 3  # 63 requests with the demo's three
    assert seen == expected_order(sort)


def test_a_stale_or_foreign_cursor_gives_the_first_page(personas, many):
    manager = browser(personas.manager)
    first = listed(manager, "queue=all")
    assert listed(manager, "queue=all&cursor=not-a-cursor") == first
    values = Ticket.objects.order_by("pk").values_list(*LIST_COLUMNS)[0]
    cursor = encode_cursor(Sort("due", False), ticket_row(values))  # made for another order
    assert listed(manager, f"queue=all&sort=-number&cursor={cursor}") == first


def test_a_queue_page_reads_a_fixed_number_of_queries(personas, many, django_assert_max_num_queries):
    manager = browser(personas.manager)
    agent = browser(personas.agent)
    # Session, user, the bell's count, the queues' counts (one query), the requests, their SLA
    # clocks; by deadline the breached requests first (none here), then those with a deadline; the
    # list's own count unless a queue's count is it (the queue as it opens; "all" is not counted).
    cases = ((manager, "queue=all&sort=due", 8), (agent, "queue=mine", 6), (manager, "queue=at_risk", 6))
    for client, query, most in cases:
        html(client.get(f"/work?{query}"))  # the reference snapshots and the people cache warm up
        with django_assert_max_num_queries(most):
            html(client.get(f"/work?{query}"))
        with django_assert_max_num_queries(most):
            html(client.get(f"/work/rows?{query}"))
    assert len(NUMBER.findall(html(manager.get("/work?queue=all")))) == 25
    # By priority a page reads rank by rank (each in id order, off an index): at most one query
    # more per priority rank, however many requests.
    html(manager.get("/work?queue=all&sort=priority"))
    with django_assert_max_num_queries(7 + len(PRIORITIES) - 1):
        html(manager.get("/work?queue=all&sort=priority"))


def test_the_executors_own_queues_list_what_the_visibility_filter_would(personas, filed):
    """The queues of one's own requests as executor leave the visibility filter out (the access
    rules let staff and managers see what they execute): the same rows as with it, for everyone."""
    from otklik.tickets.access import visible_tickets
    from otklik.web.selectors import EXECUTOR_QUEUES, QueueQuery, queue_queryset

    seen = 0
    for user in (personas.agent, personas.lead, personas.manager, personas.agent2):
        for queue in sorted(EXECUTOR_QUEUES):
            for state in ("", "any"):
                rows = set(queue_queryset(user, QueueQuery(queue=queue, state=state)).values_list("pk", flat=True))
                assert rows == set(
                    visible_tickets(user, queue_queryset(user, QueueQuery(queue=queue, state=state))).values_list(
                        "pk", flat=True
                    )
                )
                seen += len(rows)
    assert seen > 0
