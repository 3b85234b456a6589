"""The complaints' pages for support: the list (/complaints) for the managers (all) and the group
leads (their groups'), with filters and keyset pages, each row with its two targets; one complaint's
page with the managers' actions (take, answer, note), errors next to the fields, stale versions; the
404 page for everyone else; labelled controls, CSRF, and a fixed number of queries.

Ivan (initiator) complains; Elena is the support manager; Sergei leads the first line, where
Alexei works; Olga (agent2) is second line."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.accounts.models import User
from otklik.complaints.models import Complaint
from otklik.complaints.services import complaint_answer, complaint_file, complaint_note
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error

# Complaints about how a request was handled concern its executor: the groups hand new requests to theirs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatching")]
MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 5, day, hh, mm, tzinfo=MSK)


@pytest.fixture(autouse=True)
def english(personas):
    User.objects.update(language="en")


def login(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def complaint(personas, settings) -> Complaint:
    set_now(settings, at(8, 15))
    return complaint_file(author=personas.initiator, body="Nobody answered.", ticket=file_error(personas.initiator))


def numbers(html: str) -> list[str]:
    return re.findall(r'<tr data-complaint="(CMP-\d+)">', html)


class Labels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("textarea", "select") or (tag == "input" and a.get("type") not in ("hidden", "submit")):
            self.controls.append((tag, a.get("id")))


def unlabelled(html: str) -> list[tuple[str, str | None]]:
    p = Labels()
    p.feed(html)
    return [c for c in p.controls if c[1] not in p.label_for]


# --- the list -------------------------------------------------------------------------------------


def test_the_list_for_managers_and_leads_the_404_page_for_others(personas, complaint, settings):
    set_now(settings, at(8, 16))
    other = complaint_file(author=personas.outsider, body="Closed at 11:00", kind="regulation")
    html = login(personas.manager).get("/complaints").content.decode()
    assert numbers(html) == [other.number, complaint.number]
    assert '<a href="/complaints"' in html  # in the navigation
    assert numbers(login(personas.lead).get("/complaints").content.decode()) == [complaint.number]
    for who in (personas.agent, personas.agent2, personas.initiator, personas.outsider):
        r = login(who).get("/complaints")
        assert r.status_code == 404, who.username
        assert 'href="/complaints"' not in login(who).get("/inbox").content.decode()
    assert Client().get("/complaints").status_code == 302  # to the sign-in page


def test_each_row_says_its_deadlines_and_lateness(personas, complaint, settings):
    set_now(settings, at(12, 12))  # an hour past the first deadline (Tue 11:00)
    html = login(personas.manager).get("/complaints").content.decode()
    row = re.search(rf'<tr data-complaint="{complaint.number}">.*?</tr>', html, re.S).group(0)
    assert "12 May 2026, 11:00" in row and "14 May 2026, 16:00" in row
    assert '<span class="badge bad" data-target="overdue">Overdue by 1 h</span>' in row
    assert '<span class="badge ok" data-target="running">' in row
    # The numbers are kept whole (work.css: table.queue .number never wraps).
    assert 'how a request was handled: <span class="number">ERR-' in row and "First-line support" in row
    assert f'<th scope="row" class="number" data-label="Number"><a href="/complaints/{complaint.pk}">' in row
    # The two target columns show the deadlines, and say so.
    head = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    assert "Deadline to take under review" in head and "Deadline to answer the author" in head
    assert 'class="wide"' in html.split("<main", 1)[1].split(">", 1)[0]  # the screen's width, as the queue


def test_the_filters_and_the_rows_fragment(personas, complaint, settings):
    set_now(settings, at(13, 10))
    regulation = complaint_file(author=personas.outsider, body="Closed", kind="regulation")
    manager = login(personas.manager)
    assert numbers(manager.get("/complaints?kind=regulation").content.decode()) == [regulation.number]
    assert numbers(manager.get("/complaints?overdue=on").content.decode()) == [complaint.number]
    assert numbers(manager.get("/complaints?group=first-line&agent=lead").content.decode()) == [complaint.number]
    assert numbers(manager.get("/complaints?filed_from=2026-05-13").content.decode()) == [regulation.number]
    assert numbers(manager.get("/complaints?state=upheld").content.decode()) == []
    # A wrong value is said next to its field, and the list shows without that filter.
    r = manager.get("/complaints?filed_from=2026-05-14&filed_to=2026-05-13")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="id_filed_to-error">The period ends before it starts.' in html
    assert len(numbers(html)) == 2  # the period is ignored rather than guessed at
    fragment = manager.get("/complaints/rows?kind=regulation", HTTP_HX_REQUEST="true")
    assert fragment["HX-Push-Url"] == "/complaints?kind=regulation"
    assert numbers(fragment.content.decode()) == [regulation.number] and "<html" not in fragment.content.decode()
    assert login(personas.agent).get("/complaints/rows").status_code == 404


def test_keyset_pages(personas, settings):
    set_now(settings, at(13, 10))
    settings.COMPLAINTS_PER_DAY = 0  # paging, not the daily cap
    made = []
    for i in range(27):  # each answered: one open regulation complaint per person
        made.append(complaint_file(author=personas.outsider, body=str(i), kind="regulation"))
        complaint_answer(complaint=made[-1], actor=personas.manager, decision="rejected", answer="No", version=1)
    manager = login(personas.manager)
    html = manager.get("/complaints").content.decode()
    assert numbers(html) == [c.number for c in made[::-1][:25]]
    following = re.search(r'<a href="(/complaints\?cursor=[^"]+)"[^>]*rel="next"', html).group(1)
    html = manager.get(following.replace("&amp;", "&")).content.decode()
    assert numbers(html) == [made[1].number, made[0].number] and 'rel="next"' not in html
    assert numbers(manager.get("/complaints?cursor=garbage").content.decode())[0] == made[-1].number


def test_the_list_reads_a_fixed_number_of_queries(personas, settings):
    settings.REFERENCE_TTL = 3600
    set_now(settings, at(13, 10))
    manager = login(personas.manager)

    def count() -> int:
        manager.get("/complaints")  # warm the caches (people, snapshots)
        with CaptureQueriesContext(connection) as queries:
            assert manager.get("/complaints").status_code == 200
        return len(queries)

    settings.COMPLAINTS_PER_DAY = 0  # queries, not the daily cap
    for author in (personas.outsider, personas.initiator, personas.initiator2):
        complaint_file(author=author, body="regulation", ticket=None, kind="regulation")
    few = count()
    authors = [personas.initiator, personas.initiator2]
    for i in range(30):
        complaint_file(author=authors[i % 2], body=str(i), ticket=file_error(authors[i % 2]))
    many = count()
    assert few == many <= 5, (few, many)


# --- one complaint --------------------------------------------------------------------------------


def test_the_author_sees_the_public_part_managers_and_the_lead_the_whole(personas, complaint):
    complaint_note(complaint=complaint, actor=personas.manager, body="SECRET note")
    url = f"/complaints/{complaint.pk}"
    mine = login(personas.initiator).get(url).content.decode()
    assert "Nobody answered." in mine and "SECRET" not in mine
    assert "Take under review" not in mine and "Answer…" not in mine
    assert f'href="/requests/{complaint.ticket.number}"' in mine
    for who in (personas.manager, personas.lead):
        html = login(who).get(url).content.decode()
        assert "SECRET note" in html and "Internal note" in html
    assert "Take under review" in login(personas.manager).get(url).content.decode()
    assert "Take under review" not in login(personas.lead).get(url).content.decode()
    for who in (personas.agent, personas.agent2, personas.initiator2, personas.outsider):
        assert login(who).get(url).status_code == 404, who.username
    assert login(personas.manager).get("/complaints/999999").status_code == 404


def test_the_manager_takes_answers_and_notes(personas, complaint, settings):
    set_now(settings, at(11, 10))
    manager = login(personas.manager)
    url = f"/complaints/{complaint.pk}"
    r = manager.post(url + "/take", {"version": "1"})
    assert r.status_code == 302 and r["Location"] == url
    html = manager.get(url).content.decode()
    assert "You took the complaint under review; its author is told." in html
    assert "Take under review" not in html and 'data-state="review"' in html

    # Errors next to the fields, in the dialog shown open.
    r = manager.post(url + "/answer", {"version": "2", "decision": "", "answer": ""})
    html = r.content.decode()
    assert r.status_code == 400
    assert re.search(r'<dialog id="answer-dialog" class="act" aria-labelledby="answer-dialog-title" open>', html)
    assert 'id="decision-error">Choose: uphold or reject.' in html
    r = manager.post(url + "/answer", {"version": "2", "decision": "upheld", "answer": ""})
    assert 'id="answer-text-error">Write the text first.' in r.content.decode()
    r = manager.post(url + "/note", {"body": " "})
    assert r.status_code == 400 and 'id="note-body-error">Write the text first.' in r.content.decode()

    r = manager.post(url + "/note", {"body": "Asked the group"})
    assert "The note was added." in manager.get(r["Location"]).content.decode()
    r = manager.post(url + "/answer", {"version": "2", "decision": "upheld", "answer": "We are sorry."})
    html = manager.get(r["Location"]).content.decode()
    assert "The complaint is upheld; its author has the answer." in html
    assert "Answer: upheld" in html and "We are sorry." in html
    mine = login(personas.initiator).get(url).content.decode()
    assert "Answer: upheld" in mine and "We are sorry." in mine and "Asked the group" not in mine
    assert [e for e in Complaint.objects.get(pk=complaint.pk).events.values_list("event", flat=True)] == [
        "filed",
        "review",
        "note",
        "upheld",
    ]


def test_a_stale_or_answered_complaint_says_reload(personas, complaint):
    manager = login(personas.manager)
    url = f"/complaints/{complaint.pk}"
    r = manager.post(url + "/answer", {"version": "7", "decision": "upheld", "answer": "x"})
    assert r.status_code == 409 and "The complaint changed meanwhile" in r.content.decode()
    manager.post(url + "/answer", {"version": "1", "decision": "rejected", "answer": "In time."})
    r = manager.post(url + "/take", {"version": "2"})
    assert r.status_code == 409
    assert Complaint.objects.get(pk=complaint.pk).state == "rejected"


def test_those_who_may_not_act_are_refused(personas, complaint):
    url = f"/complaints/{complaint.pk}"
    for who in (personas.lead, personas.initiator):
        r = login(who).post(url + "/take", {"version": "1"})
        assert r.status_code == 403 and "Only the support managers may do this." in r.content.decode()
    assert login(personas.agent).post(url + "/take", {"version": "1"}).status_code == 404
    assert login(personas.manager).get(url + "/take").status_code == 405
    assert Complaint.objects.get(pk=complaint.pk).state == "filed"


def test_forms_need_the_csrf_token(personas, complaint):
    client = login(personas.manager, enforce_csrf_checks=True)
    assert client.post(f"/complaints/{complaint.pk}/take", {"version": "1"}).status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).state == "filed"


def test_every_control_is_labelled(personas, complaint):
    for who, url in (
        (personas.manager, f"/complaints/{complaint.pk}"),
        (personas.initiator, f"/complaints/{complaint.pk}"),
        (personas.manager, "/complaints"),
        (personas.lead, "/complaints"),
    ):
        html = login(who).get(url).content.decode()
        assert not unlabelled(html), (who.username, url, unlabelled(html))
        assert html.count("<h1") == 1


def test_the_page_reads_a_fixed_number_of_queries(personas, complaint, settings):
    settings.REFERENCE_TTL = 3600
    manager = login(personas.manager)
    url = f"/complaints/{complaint.pk}"

    def count() -> int:
        manager.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert manager.get(url).status_code == 200
        return len(queries)

    few = count()
    for i in range(20):
        complaint_note(complaint=complaint, actor=personas.manager if i % 2 else personas.admin, body=f"note {i}")
    many = count()
    assert few == many <= 7, (few, many)
