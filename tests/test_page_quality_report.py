"""The quality report page (/reports/quality) on the scripted March (tests/quality_month.py): who may
open it and from the navigation, the headline figures and tables, charts as images with their
tables, every figure a link to exactly the requests it counts (paged through to the end), lists
limited to what the viewer may open, bad input answered with a message, escaped names, and a
number of queries that does not grow with the data."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.accounts.directory import invalidate as directory_invalidate
from otklik.accounts.models import SupportGroup
from otklik.quality.access import access_quality
from otklik.quality.refresh import facts_refresh_all
from otklik.quality.report import period_for, report_build
from otklik.testing.client import browser
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.workflow import ticket_assign, ticket_transition

from .quality_month import at, build_month

pytestmark = pytest.mark.django_db
PAGE = "/reports/quality?from=2026-03-01&to=2026-03-31"
DRILL = re.compile(r'<a href="(/reports/quality/requests\?[^"]+)">(?:<span class="value">)?(\d+)<')
NUMBER = re.compile(r'<tr data-number="([A-Z]+-\d+)"')
EVENTS = frozenset({"breaches", "filed", "reassigned", "nr_met", "nr_breached"})
NEXT = re.compile(r'<a href="(/reports/quality/requests\?[^"]+)" rel="next"')


@pytest.fixture
def month(settings):
    return build_month(settings)


def text(response) -> str:
    assert response.status_code == 200, response.content[:600]
    return response.content.decode()


def listed(c: Client, url: str) -> list[str]:
    """Every request number of a drill-down list, following its pages."""
    numbers: list[str] = []
    while url:
        page = text(c.get(html.unescape(url)))
        numbers += NUMBER.findall(page)
        found = NEXT.search(page)
        url = found.group(1) if found else ""
    return numbers


def test_support_staff_find_it_in_the_navigation_initiators_are_refused(month):
    p = month.p
    for who in (p.agent, p.lead, p.manager):
        assert 'href="/reports/quality"' in text(browser(who).get("/work"))
    assert 'href="/reports/quality"' not in text(browser(p.initiator).get("/my"))
    assert browser(p.initiator).get(PAGE).status_code == 403
    assert browser(p.initiator).get("/reports/quality.csv").status_code == 403
    assert browser(p.initiator).get("/reports/quality/requests?measure=received").status_code == 403
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login")


def test_the_managers_page(month):
    page = text(browser(month.p.manager).get(PAGE))
    assert "<h1>Quality report</h1>" in page
    assert '<label for="id_from">From</label>' in page and 'name="from" value="2026-03-01"' in page
    assert '<label for="id_group">Group</label>' in page and '<label for="id_agent">Agent</label>' in page
    assert "42.9 %" in page and "3 met, 4 breached" in page and "55.9" in page
    assert "2 h 15 min" in page  # first reaction, median
    for table in ("table-agents", "table-groups", "table-weeks", "table-types", "table-priorities", "table-backlog"):
        assert f'id="{table}"' in page
    # Each chart is an image with a title, and points to its table.
    for chart in ("chart-trend", "chart-trend-sla", "chart-agents", "chart-type", "chart-priority"):
        assert f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart}" role="img"' in page
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
    assert 'href="#table-weeks"' in page
    assert "/reports/quality.xlsx?from=2026-03-01&amp;to=2026-03-31" in page
    assert "/reports/quality.csv?from=2026-03-01&amp;to=2026-03-31&amp;table=weeks" in page
    assert "How these figures are computed" in page and "Weights of the quality score" in page


def test_every_figure_links_to_exactly_the_requests_it_counts(month):
    c = browser(month.p.manager)
    page = text(c.get(PAGE))
    links = DRILL.findall(page)
    assert len(links) > 60
    checked = 0
    for url, figure in links:
        measure = parse_qs(urlsplit(html.unescape(url)).query)["measure"][0]
        numbers = listed(c, url)
        assert len(numbers) == len(set(numbers))
        if measure in EVENTS:
            # Counts of events, listed by request: a request with two breaches is one line (and the
            # complaint about the regulation names no request at all).
            assert 0 < len(numbers) <= int(figure) or int(figure) == 0 == len(numbers)
        else:
            assert len(numbers) == int(figure), (url, numbers)
        checked += 1
    assert checked == len(links)
    received = next(u for u, _ in links if "measure=received" in u and "week" not in u and "agent" not in u)
    assert sorted(listed(c, received)) == sorted([month.a.number, month.b.number, month.c.number, month.e.number])


def test_the_list_shows_the_per_request_figures(month):
    c = browser(month.p.manager)
    page = text(c.get("/reports/quality/requests?from=2026-03-01&to=2026-03-31&measure=reopened"))
    assert NUMBER.findall(page) == [month.a.number]
    assert "28 h 30 min" in page and "(late)" in page  # A's resolution
    assert "2 h 30 min" in page and "(in time)" in page  # A's first reaction
    assert "Back to the quality report" in page


def test_a_list_holds_only_the_requests_one_may_open(month, settings):
    p = month.p
    # Alexei resolves a request; Ivan rejects it; it goes to the second line, out of Alexei's sight.
    set_now(settings, at(3, 23, 9))
    t = file_error(p.initiator, subject="Moved away")
    for who, code in (("agent", "accept"), ("agent", "start")):
        t = ticket_transition(ticket=t, actor=getattr(p, who), transition_code=code, version=t.version)
    set_now(settings, at(3, 23, 10))
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="resolve", version=t.version, comment="Done")
    set_now(settings, at(3, 23, 11))
    t = ticket_transition(ticket=t, actor=p.initiator, transition_code="reject", version=t.version, comment="No")
    set_now(settings, at(3, 23, 12))
    ticket_assign(ticket=t, actor=p.lead, version=t.version, group_code="second-line")
    facts_refresh_all()
    alexei = browser(p.agent)
    report = alexei.get("/api/v1/reports/quality", {"from": "2026-03-01", "to": "2026-03-31"}).json()
    # His figures count both reopened requests (A and this one); he may open only A now.
    assert report["figures"]["reopens"]["reopened"] == 2
    reopened = "/reports/quality/requests?from=2026-03-01&to=2026-03-31&measure=reopened"
    assert listed(alexei, reopened) == [month.a.number]
    assert sorted(listed(browser(p.manager), reopened + "&agent=agent")) == sorted([month.a.number, t.number])


def test_bad_input_is_said_not_failed(month):
    c = browser(month.p.manager)
    response = c.get("/reports/quality?from=2026-03-10&to=2026-03-01")
    assert response.status_code == 400
    assert "The period ends (1 Mar 2026) before it starts (10 Mar 2026)." in response.content.decode()
    # The page says it in the reader's language (the API keeps its English detail).
    lead = month.p.lead
    lead.language = "ru"
    lead.save(update_fields=["language"])
    russian = Client()
    russian.force_login(lead)
    response = russian.get("/reports/quality?from=2026-03-10&to=2026-03-01")
    assert response.status_code == 400
    assert "Период заканчивается (01.03.2026) раньше, чем начинается (10.03.2026)." in response.content.decode()
    assert c.get("/reports/quality?from=soon").status_code == 400
    assert c.get("/reports/quality?group=nope").status_code == 404
    for query in (
        "measure=nonsense",
        "measure=received&week=2026-03-03",  # not a Monday
        "measure=backlog&week=2026-03-02",  # the backlog is one instant
        "measure=asked&type=error",
        "measure=received&type=nope",
        "measure=received&cursor=garbage",
    ):
        response = c.get(f"/reports/quality/requests?from=2026-03-01&to=2026-03-31&{query}")
        assert response.status_code == 400, query
        assert 'role="alert"' in response.content.decode()
        assert "This address names no figure of the report" in response.content.decode(), query
    assert c.get("/reports/quality.csv?table=nope").status_code == 400
    assert browser(month.p.agent).get("/reports/quality/requests?measure=received&agent=lead").status_code == 404


def test_names_are_escaped(month):
    SupportGroup.objects.filter(code="first-line").update(name_en='<script>alert("g")</script>')
    page = text(browser(month.p.manager).get(PAGE))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;g&quot;)&lt;/script&gt;" in page  # the tables, the form, the charts


def test_the_number_of_queries_does_not_grow_with_the_data(month, settings):
    c = browser(month.p.manager)
    c.get(PAGE)  # facts brought up to date, caches warm

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            text(c.get(PAGE))
        return len(queries)

    few = count()
    set_now(settings, at(3, 24, 9))
    for i in range(12):
        t = file_error(month.p.initiator2, subject=f"More {i}", priority_code="low")
        ticket_transition(ticket=t, actor=month.p.agent, transition_code="accept", version=t.version)
    c.get(PAGE)
    assert count() == few
    assert few <= 30


def test_the_date_fields_show_the_period_in_effect(month, settings):
    p = month.p
    set_now(settings, at(3, 18, 12))
    # No days given: this month to today, and the fields say so (not empty beside a period).
    page = text(browser(p.manager).get("/reports/quality"))
    assert 'name="from" value="2026-03-01"' in page and 'name="to" value="2026-03-18"' in page
    assert "From 1 Mar 2026 to 18 Mar 2026 inclusive" in page
    # One end given: the other is the period's.
    page = text(browser(p.manager).get("/reports/quality?from=2026-03-02"))
    assert 'name="from" value="2026-03-02"' in page and 'name="to" value="2026-03-18"' in page
    # Days that cannot be a period stay as typed, beside the message.
    page = browser(p.manager).get("/reports/quality?from=2026-03-20&to=2026-03-02").content.decode()
    assert 'name="from" value="2026-03-20"' in page and 'name="to" value="2026-03-02"' in page


def test_received_counts_for_whoever_first_takes_a_request_from_the_groups_queue(month, settings):
    """Two requests wait in the first line's queue (its dispatching off, as in the demo); Alexei takes
    one: the group received both, Alexei one, and the page says one waits for an executor."""
    p = month.p
    SupportGroup.objects.update(auto_assign=False)
    directory_invalidate()
    set_now(settings, at(3, 17, 10))
    waiting = file_error(p.initiator, subject="Waits in the queue")
    taken = file_error(p.initiator, subject="Taken from the queue")
    assert waiting.executor_id is None and taken.executor_id is None
    set_now(settings, at(3, 18, 11))
    ticket_transition(ticket=taken, actor=p.agent, transition_code="accept", version=taken.version)
    facts_refresh_all()
    page = text(browser(p.manager).get(PAGE))
    data = report_build(access_quality(p.manager), period_for("2026-03-01", "2026-03-31")).data
    agents = {a["agent"]: a["received"] for a in data["agents"]}
    groups = {g["group"]: g["received"] for g in data["groups"]}
    # March before: A, B, C, E filed with Sergei (first line); now two more, one of them Alexei's.
    assert (data["figures"]["received"], groups["first-line"]) == (6, 6)
    assert (agents["lead"], agents["agent"]) == (4, 1)
    assert sum(agents.values()) == data["figures"]["received"] - 1  # the one still waiting
    assert "1 request received in the period has no executor yet: it counts for its group alone." in page
    # Alexei's «Received» lists exactly his.
    found = re.search(r'href="(/reports/quality/requests\?[^"]*agent=agent[^"]*measure=received)"', page)
    assert found is not None
    drill = html.unescape(found[1])
    assert listed(browser(p.manager), drill) == [taken.number]


def test_the_targets_tables_group_their_columns_under_each_target(month):
    page = text(browser(month.p.manager).get(PAGE))
    table = page.split('id="table-types"')[1].split("</table>")[0]
    groups = re.findall(r'<th scope="colgroup" colspan="(\d)">([^<]+)</th>', table)
    assert groups == [("3", "First reaction"), ("3", "Resolution"), ("3", "Next reaction"), ("1", "All targets")]
    assert table.count('<colgroup span="3">') == 3
    # On a phone each cell still says its column in full.
    assert 'data-label="First reaction: in time"' in table and 'data-label="All targets in time"' in table


def test_long_column_headers_may_break_with_a_hyphen_and_read_the_same():
    from otklik.web.reports import SOFT_HYPHEN as S
    from otklik.web.reports import breakable

    assert breakable("Удовлетворённость") == f"Удовлетво{S}рённость"
    assert breakable("Переназначения") == f"Пере{S}назна{S}че{S}ния"
    assert breakable("Рекламации (подано / удовлетворено)") == f"Рекламации (подано / удовлетво{S}рено)"
    # Short words, and words with no safe place, stay whole; nothing but soft hyphens is added.
    for text in ("Соблюдение сроков", "Reassignments", "Complaints (filed / upheld)"):
        assert breakable(text) == text
    assert breakable("Удовлетворённость").replace(S, "") == "Удовлетворённость"


def test_the_side_by_side_tables_headers_may_break_their_cells_say_them_whole(month):
    page = text(browser(month.p.manager, language="ru").get(PAGE))
    table = page.split('id="table-agents"')[1].split("</table>")[0]
    assert '<th scope="col">Удовлетво\u00adрённость</th>' in table
    assert 'data-label="Удовлетворённость"' in table
