"""The supervisor's dashboard (/dashboard): who may open it, the figures (open by stage and group, the
resolved awaiting confirmation apart, at risk and breached now, breaches today and in the last 7
days, each agent's load), every figure a link to the workspace list that holds exactly that many
requests, a lead limited to their groups, the live fragment, the weekly trend charts, and a fixed
number of queries.

Calendar Mon–Fri 09:00–13:00, 14:00–18:00 Moscow; demo policy "errors": high → first reaction
1 h (warning at 80 %: 48 min), normal → 4 h, low → 8 h. Alexei (agent) and Sergei (lead) are first
line, Olga (agent2) second line.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from django.test import Client

from otklik.routes.models import RoutePoint
from otklik.sla.models import Clock
from otklik.sla.timers import sla_timers_pass
from otklik.testing.client import browser
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket
from otklik.web.selectors import dashboard_figures, open_cells
from otklik.workflow import ticket_transition

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
NUMBER = re.compile(r'<tr data-number="([A-Z]+-\d+)"')
NEXT = re.compile(r'<a href="(/work\?[^"]+)"[^>]*rel="next"')
LINK = re.compile(r'<a href="(/work\?[^"]+)">(?:<span class="value">)?(\d+)')


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=MSK)


@pytest.fixture(autouse=True)
def _clock(settings):
    set_now(settings, at(10, 8, 0))  # Tuesday (Monday the 9th is a holiday), before work


def html(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def close(ticket: Ticket) -> None:
    """Closed at its route's closing point, its clocks stopped (a breach stays recorded)."""
    closing = RoutePoint.objects.get(route_id=ticket.point.route_id, code="closed")
    Ticket.objects.filter(pk=ticket.pk).update(
        is_open=False, point=closing, sla_due_at=None, sla_warn_at=None, sla_next_at=None
    )
    Clock.objects.filter(ticket_id=ticket.pk).update(state="cancelled", running_since=None)


def quiet_the_demo() -> None:
    """The demo's own three requests are closed: the figures are ours."""
    for ticket in Ticket.objects.select_related("point"):
        close(ticket)


@pytest.fixture
def week(personas, settings):
    """Tuesday: a second-line request misses its first reaction, then is closed. Wednesday 09:00 a
    first-line request (Alexei's) and an unassigned one; 09:40 a second-line one (Olga's). At
    10:30 the first has missed its first reaction, Olga's is past its warning."""
    p = personas
    quiet_the_demo()
    set_now(settings, at(10, 9, 0))
    old = file_error(p.initiator, subject="Payroll Monday", priority_code="high", category_code="accounting-payroll")
    set_now(settings, at(10, 11, 0))
    sla_timers_pass()
    close(old)

    set_now(settings, at(11, 9, 0))
    late = file_error(p.initiator, subject="Report is late", priority_code="high")
    Ticket.objects.filter(pk=late.pk).update(executor=p.agent)
    nobody = file_error(p.initiator2, subject="Mail bounces", priority_code="low", category_code="email")
    Ticket.objects.filter(pk=nobody.pk).update(executor=None)
    set_now(settings, at(11, 9, 40))
    risky = file_error(p.initiator, subject="Payroll today", priority_code="high", category_code="accounting-payroll")
    Ticket.objects.filter(pk=risky.pk).update(executor=p.agent2)  # the demo's groups assign nothing themselves
    set_now(settings, at(11, 10, 30))
    sla_timers_pass()
    return {"old": old, "late": late, "nobody": nobody, "risky": risky}


def walk(client: Client, url: str) -> list[str]:
    """Every request of a workspace list, following its pages."""
    seen: list[str] = []
    while url:
        page = html(client.get(url.replace("&amp;", "&")))
        seen += NUMBER.findall(page)
        nxt = NEXT.search(page)
        url = nxt.group(1) if nxt else ""
    return seen


def test_only_leads_managers_and_admins_open_it(personas):
    for who in ("lead", "manager", "admin"):
        assert browser(getattr(personas, who)).get("/dashboard").status_code == 200
    for who in ("agent", "initiator", "outsider"):
        client = browser(getattr(personas, who))
        for path in ("/dashboard", "/dashboard/figures"):
            r = client.get(path)
            assert r.status_code == 403 and "Not allowed" in r.content.decode()
    r = Client().get("/dashboard")
    assert r.status_code == 302 and r["Location"].startswith("/login?next=/dashboard")
    r = Client().get("/dashboard/figures", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/dashboard")
    assert r.status_code == 204 and r["HX-Redirect"] == "/login?next=%2Fdashboard"


def test_the_managers_figures(personas, week):
    f = dashboard_figures(personas.manager)
    assert (f.total.open, f.total.at_risk, f.total.breached, f.total.unassigned) == (3, 1, 1, 1)
    assert (f.breaches_today, f.breaches_7d) == (1, 2)  # Tuesday's, then today's
    groups = {g.code: (t.open, t.unassigned, t.at_risk, t.breached) for g, t in f.by_group}
    assert groups == {"first-line": (2, 1, 0, 1), "second-line": (1, 0, 1, 0)}
    points = {f"{p.route.code}:{p.code}": (t.open, t.at_risk, t.breached) for p, t in f.by_point}
    assert points == {"error:new": (3, 1, 1)}
    agents = {person.username: (t.open, t.at_risk, t.breached) for person, t in f.agents}
    assert agents == {"agent": (1, 0, 1), "agent2": (1, 1, 0), "lead": (0, 0, 0)}
    # The log holds exactly those breach records.
    assert LogRecord.objects.filter(sla_event="breached").count() == 2


def test_every_figure_links_to_the_list_behind_it(personas, week):
    for who in ("manager", "lead"):
        client = browser(getattr(personas, who))
        page = html(client.get("/dashboard"))
        links = LINK.findall(page)
        assert len(links) >= 5 + 3 * 1 + 4 * 1  # the headline, a stage, a group
        for url, value in links:
            # (A breach figure counts records and links to their requests: one each here.)
            assert len(walk(client, url)) == int(value), (who, url)
    manager = html(browser(personas.manager).get("/dashboard"))
    assert '<a href="/work?queue=at_risk"><span class="value">1</span>' in manager
    assert '<a href="/work?queue=all&amp;breach=7d"><span class="value">2</span>' in manager
    assert "Breaches in the last 7 days" in manager and "this week" not in manager
    assert 'href="/work?queue=all&amp;state=active&amp;executor=agent2"' in manager
    assert 'href="/work?queue=all&amp;state=open&amp;executor=none&amp;group=first-line"' in manager
    assert 'href="/work?queue=breached&amp;state=error%3Anew"' in manager
    assert walk(browser(personas.manager), "/work?queue=at_risk") == [week["risky"].number]
    assert set(walk(browser(personas.manager), "/work?queue=all&breach=7d")) == {
        week["old"].number,
        week["late"].number,
    }


def test_a_lead_sees_their_groups_only(personas, week):
    f = dashboard_figures(personas.lead)
    assert [g.code for g, _t in f.by_group] == ["first-line"]
    assert (f.total.open, f.total.at_risk, f.total.breached) == (2, 0, 1)
    assert (f.breaches_today, f.breaches_7d) == (1, 1)  # Tuesday's was second line's
    assert {person.username for person, _t in f.agents} == {"agent", "lead"}
    page = html(browser(personas.lead).get("/dashboard"))
    assert "Second-line support" not in page and "Кузнецова" not in page and "agent2" not in page


def test_the_page_is_ordered_and_labelled_and_the_figures_refresh(personas, week):
    lead = browser(personas.lead)
    page = html(lead.get("/dashboard"))
    assert page.count("<h1") == 1 and "<h1>Dashboard</h1>" in page
    assert re.findall(r"<h(\d)", page)[1:] == ["2", "2", "2", "2", "2"]  # after the h1, sections
    assert all('scope="' in th for th in re.findall(r"<th\b[^>]*>", page))
    assert 'class="responsive figures-table"' in page
    body = html(lead.get("/dashboard/figures", HTTP_HX_REQUEST="true"))
    assert body.lstrip().startswith('<div id="dashboard-figures"') and "<html" not in body
    assert 'hx-get="/dashboard/figures" hx-trigger="every 15s" hx-swap="outerHTML"' in body


@pytest.fixture
def crowd(personas, settings):
    """60 open requests across both groups and four executors (and nobody)."""
    p = personas
    set_now(settings, at(11, 9, 0))
    executors = [p.agent, p.lead, None, p.agent2]
    for i in range(60):
        second = i % 4 == 3
        t = file_error(
            p.initiator,
            subject=f"Bulk {i:02d}",
            priority_code=("high", "normal", "low")[i % 3],
            category_code="accounting-payroll" if second else "accounting",
        )
        Ticket.objects.filter(pk=t.pk).update(executor=executors[i % 4])
    set_now(settings, at(11, 10, 30))


def test_the_dashboard_reads_a_fixed_number_of_queries(personas, crowd, django_assert_max_num_queries):
    for who in ("manager", "lead"):
        client = browser(getattr(personas, who))
        html(client.get("/dashboard"))  # the snapshots and the people cache warm up
        # Session, user, the bell's count, the grouped counts, the breach records; the page adds
        # the weekly trends: whether the quality facts have anything new to read (two), the daily
        # counts by week, the surveys by week.
        with django_assert_max_num_queries(9):
            page = html(client.get("/dashboard"))
        with django_assert_max_num_queries(5):
            html(client.get("/dashboard/figures"))
        assert "Bulk" not in page  # figures, not rows
    f = dashboard_figures(personas.manager)
    assert f.total.open == 63  # with the demo's three
    # The demo's three wait in the first line's queue: nobody's load.
    assert {p.username: t.open for p, t in f.agents} == {"agent": 15, "lead": 15, "agent2": 15}


def test_the_counts_read_only_what_the_open_requests_index_holds(personas, crowd):
    """So that PostgreSQL counts 30,000 open requests from the index alone (bench/pages.py): a
    column added to the counts must be added to `ticket_open_cover` too."""
    index = next(i for i in Ticket._meta.indexes if i.name == "ticket_open_cover")
    held = {Ticket._meta.get_field(name).column for name in (*index.fields, *index.include)}
    assert index.condition == Q(is_open=True)
    for who in ("manager", "lead"):
        sql = str(open_cells(getattr(personas, who), at(11, 10, 30)).query)
        assert '"tickets_ticket"."is_open"' in sql.split(" GROUP BY ")[0]  # within the index's rows
        read = set(re.findall(r'"tickets_ticket"\."(\w+)"', sql)) - {"is_open"}
        assert read and read <= held, (who, read - held)


def test_a_resolved_request_is_awaiting_confirmation_in_the_stage_table_too(personas, week, settings):
    """The stage table adds up to the headline: a resolved request (awaiting the initiator's
    confirmation) is under "awaiting confirmation" on its stage's row, not under "open"."""
    set_now(settings, at(11, 10, 40))
    t = week["late"]
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=personas.agent, transition_code=code, version=t.version, **kw)
    f = dashboard_figures(personas.manager)
    assert (f.total.open, f.total.awaiting) == (2, 1)
    points = {f"{p.route.code}:{p.code}": (t.open, t.awaiting) for p, t in f.by_point}
    assert points == {"error:new": (2, 0), "error:resolved": (0, 1)}
    assert sum(t.open for _p, t in f.by_point) == f.total.open
    assert sum(t.awaiting for _p, t in f.by_point) == f.total.awaiting
    client = browser(personas.manager)
    page = html(client.get("/dashboard"))
    table = page.split('id="dash-points-table"')[1].split("</table>")[0]
    assert '<th scope="col">Awaiting confirmation</th>' in table
    resolved_row = next(row for row in table.split("<tr>") if "Resolved" in row and "<td" in row)
    cells = re.findall(r'<td data-label="([^"]+)">(.*?)</td>', resolved_row)
    assert cells[0] == ("Open", "—")  # nothing open at a resolved stage
    assert cells[1] == ("Awaiting confirmation", '<a href="/work?queue=all&amp;state=error%3Aresolved">1</a>')
    assert walk(client, "/work?queue=all&state=error:resolved") == [t.number]
    # Every figure still links to exactly that many requests.
    for url, value in LINK.findall(page):
        assert len(walk(client, url)) == int(value), url
