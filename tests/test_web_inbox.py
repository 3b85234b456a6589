"""The notification centre: Ivan's in-app notifications newest first, a page at a time, marking one
or all of them read, and the bits the page's script fetches when the stream reports a new one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otklik.notify.models import Notification
from otklik.tickets.models import Ticket
from otklik.web.views.inbox import PAGE_SIZE

pytestmark = pytest.mark.django_db


def note(user, subject: str, *, at: dt.datetime | None = None, read: bool = False, **fields) -> Notification:
    moment = at or timezone.now()
    return Notification.objects.create(
        event="test",
        recipient=user,
        channel="inapp",
        subject=subject,
        body=f"{subject}: text",
        due_at=moment,
        created_at=moment,
        state="delivered",
        delivered_at=moment,
        read_at=moment if read else None,
        **fields,
    )


@pytest.fixture
def ivan(personas):
    # A clean inbox: the demo's own notifications would make the counts the demo's business.
    Notification.objects.filter(recipient=personas.initiator).delete()
    english(personas.initiator)
    client = Client()
    client.force_login(personas.initiator)
    return client


def english(user) -> None:
    """Ivan reads the pages in English here (the tests read their words)."""
    user.language = "en"
    user.save(update_fields=["language"])


def html(response) -> str:
    return response.content.decode()


def test_the_inbox_needs_a_session(personas):
    assert Client().get("/inbox")["Location"].startswith("/login?next=/inbox")
    assert Client().post("/inbox/read-all")["Location"].startswith("/login")


def test_newest_first_with_unread_marked_in_words_and_a_link_to_the_request(ivan, personas):
    ticket = Ticket.objects.get(number="ERR-000001")
    personas.initiator.time_zone = "Asia/Vladivostok"
    personas.initiator.save(update_fields=["time_zone"])
    at = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    old = note(personas.initiator, "Old and read", at=at, read=True)
    new = note(personas.initiator, "New <b>one</b>", at=at + dt.timedelta(hours=1), ticket=ticket)
    outside = note(personas.initiator, "From the ERP", link="https://erp.example/doc/7")
    note(personas.initiator2, "Maria's")
    page = ivan.get("/inbox")
    assert page.status_code == 200
    text = html(page)
    assert text.index("From the ERP") < text.index("New &lt;b&gt;one&lt;/b&gt;") < text.index("Old and read")
    assert "Maria's" not in text
    # Unread is said in words, not only shown in colour; the read one says when it was read.
    item = re.search(rf'<li id="n-{new.pk}".*?</li>', text, re.S).group(0)
    assert "Unread" in item and 'class="unread"' in item
    assert "Unread" not in re.search(rf'<li id="n-{old.pk}".*?</li>', text, re.S).group(0)
    # In Ivan's time zone (UTC+10).
    assert "1 Mar 2025, 20:30" in item
    assert 'href="/requests/ERR-000001"' in item
    assert 'href="https://erp.example/doc/7"' in re.search(rf'<li id="n-{outside.pk}".*?</li>', text, re.S).group(0)
    # The bell in the frame counts the two unread.
    assert 'id="bell-count" aria-live="polite" data-count="2"' in text


def test_keyset_pages_and_the_unread_filter(ivan, personas):
    notes = [note(personas.initiator, f"N{i:02d}", read=i % 2 == 0) for i in range(PAGE_SIZE + 5)]
    first = html(ivan.get("/inbox"))
    assert f"N{PAGE_SIZE + 4:02d}" in first and "N04<" not in first
    cursor = re.search(r'href="/inbox\?cursor=([^"&]+)"', first).group(1)
    second = html(ivan.get(f"/inbox?cursor={cursor}"))
    assert [f"N{i:02d}" for i in range(4, -1, -1)] == re.findall(r"(N\d\d)</h2>", second)
    assert "Newest" in second and "data-live" not in second  # live insertion is the first page's
    unread = html(ivan.get("/inbox?unread=1"))
    assert set(re.findall(r"(N\d\d)</h2>", unread)) == {n.subject for n in notes if n.read_at is None}
    # A mangled cursor starts from the newest instead of failing.
    assert ivan.get("/inbox?cursor=!!")["Location"] == "/inbox"


def test_the_page_costs_a_fixed_number_of_queries(ivan, personas):
    ticket = Ticket.objects.get(number="ERR-000001")
    for i in range(3):
        note(personas.initiator, f"N{i}", ticket=ticket)
    ivan.get("/inbox")
    with CaptureQueriesContext(connection) as few:
        assert ivan.get("/inbox").status_code == 200
    for i in range(PAGE_SIZE):
        note(personas.initiator, f"M{i}", ticket=ticket)
    with CaptureQueriesContext(connection) as many:
        ivan.get("/inbox")
    assert len(many) == len(few) <= 6, [q["sql"] for q in many]


def test_mark_one_read_is_a_post_with_csrf_and_someone_elses_is_404(personas):
    Notification.objects.filter(recipient=personas.initiator).delete()
    mine = note(personas.initiator, "Mine")
    marias = note(personas.initiator2, "Maria's")
    english(personas.initiator)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.initiator)
    browser.get("/inbox")
    token = browser.cookies["csrftoken"].value
    assert browser.get(f"/inbox/{mine.pk}/read").status_code == 405
    assert browser.post(f"/inbox/{mine.pk}/read").status_code == 403
    r = browser.post(f"/inbox/{mine.pk}/read", {"csrfmiddlewaretoken": token, "next": "/inbox?unread=1"})
    assert (r.status_code, r["Location"]) == (302, "/inbox?unread=1")
    mine.refresh_from_db()
    first = mine.read_at
    assert first is not None
    # Again: nothing changes; someone else's, or none at all: 404 in the product's page.
    browser.post(f"/inbox/{mine.pk}/read", {"csrfmiddlewaretoken": token})
    mine.refresh_from_db()
    assert mine.read_at == first
    gone = browser.post(f"/inbox/{marias.pk}/read", {"csrfmiddlewaretoken": token})
    assert gone.status_code == 404 and "Not found" in html(gone)
    marias.refresh_from_db()
    assert marias.read_at is None
    assert browser.post("/inbox/99999999999999999999/read", {"csrfmiddlewaretoken": token}).status_code == 404
    # An off-site "next" is not followed.
    other = note(personas.initiator, "Other")
    r = browser.post(f"/inbox/{other.pk}/read", {"csrfmiddlewaretoken": token, "next": "https://evil.example/"})
    assert r["Location"] == "/inbox"


def test_mark_read_from_htmx_answers_the_item_and_the_new_count(ivan, personas):
    a, b = note(personas.initiator, "A"), note(personas.initiator, "B")
    r = ivan.post(f"/inbox/{a.pk}/read", HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert html(r).startswith(f'<li id="n-{a.pk}"') and "Mark read" not in html(r)
    assert r["HX-Trigger"] == '{"otklik:unread": {"unread": 1}}'
    assert "Mark read" in html(ivan.get("/inbox"))  # B is still unread
    assert Notification.objects.get(pk=b.pk).read_at is None


def test_mark_all_read_stops_at_what_the_page_showed(ivan, personas):
    seen = [note(personas.initiator, f"S{i}") for i in range(3)]
    page = html(ivan.get("/inbox"))
    up_to = re.search(r'name="up_to" value="(\d+)"', page).group(1)
    assert up_to == str(seen[-1].pk)
    later = note(personas.initiator, "Arrived after Ivan looked")
    r = ivan.post("/inbox/read-all", {"up_to": up_to, "next": "/inbox"})
    assert r["Location"] == "/inbox"
    assert not Notification.objects.filter(pk__in=[n.pk for n in seen], read_at__isnull=True).exists()
    assert Notification.objects.get(pk=later.pk).read_at is None
    assert "All notifications are marked read." in html(ivan.get("/inbox"))
    ivan.post("/inbox/read-all")  # without up_to: everything
    assert Notification.objects.get(pk=later.pk).read_at is not None
    assert 'id="read-all" hidden' in html(ivan.get("/inbox"))  # shown again when a new one arrives
    assert ivan.get("/inbox/read-all").status_code == 405
    # From an empty page nothing is marked, whatever arrived meanwhile.
    newest = note(personas.initiator, "Newest")
    ivan.post("/inbox/read-all", {"up_to": "0"})
    assert Notification.objects.get(pk=newest.pk).read_at is None


def test_newer_than_gives_the_items_the_script_inserts(ivan, personas):
    a = note(personas.initiator, "A")
    b = note(personas.initiator, "B")
    c = note(personas.initiator, "C", read=True)
    r = ivan.get(f"/inbox?newer_than={a.pk}", HTTP_HX_REQUEST="true")
    assert re.findall(r'<li id="n-(\d+)"', html(r)) == [str(c.pk), str(b.pk)]
    assert "<html" not in html(r)
    only_unread = html(ivan.get(f"/inbox?unread=1&newer_than={a.pk}"))
    assert re.findall(r'<li id="n-(\d+)"', only_unread) == [str(b.pk)]
    assert html(ivan.get("/inbox?newer_than=0")).count("<li") == 3
    assert ivan.get("/inbox?newer_than=x").status_code == 404
    # The first page tells the script where to fetch them.
    assert 'data-live="/inbox?newer_than="' in html(ivan.get("/inbox"))


def test_an_empty_inbox_says_so(ivan):
    text = html(ivan.get("/inbox"))
    assert "No notifications yet." in text and 'id="inbox-empty" class="meta">' in text
    assert 'id="read-all" hidden' in text and 'name="up_to" value="0"' in text


def test_the_unread_page_walks_its_index_newest_first(ivan, personas):
    """notify 0012: the unread inbox and the bell's count off one partial index by recipient and id
    (with the recipient alone, tens of thousands unread were all read and sorted for one page)."""
    from django.db import transaction

    for i in range(3):
        note(personas.initiator, f"N{i}")
    with CaptureQueriesContext(connection) as ctx:
        assert ivan.get("/inbox?unread=1").status_code == 200
    (page_sql,) = [q["sql"] for q in ctx.captured_queries if "LIMIT" in q["sql"] and "read_at" in q["sql"]]
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # A test's few rows would be read whole or sorted: whether it *can* walk the index is the question.
        for method in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN {page_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "notif_unread_newest" in plan and "Sort" not in plan, plan
