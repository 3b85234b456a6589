"""The portal's pages: Ivan's own requests (with what awaits him) and the new-request form, type
first, then that type's form with its formal fields, category picker and attachments. Maria is his
colleague; her requests never show on his list."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from otklik.catalog.reference import invalidate
from otklik.core.paging import encode_cursor
from otklik.routes.models import Route
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import Attachment, Event, LogRecord, Ticket
from otklik.workflow import ticket_create, ticket_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def client_for(user, language: str = "en") -> Client:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def ivan(personas) -> Client:
    return client_for(personas.initiator)


def step(who, ticket, code, **kw):
    return ticket_transition(ticket=ticket, actor=who, transition_code=code, version=ticket.version, **kw)


def rows(html: str) -> list[str]:
    """The request numbers listed, in order."""
    return re.findall(r'<a href="/requests/([A-Z]+-\d+)">', html)


class Controls(HTMLParser):
    """The form controls and labels of a page, and its headings."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.headings: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(tag)


def parsed(html: str) -> Controls:
    p = Controls()
    p.feed(html)
    return p


def control(html: str, control_id: str) -> dict[str, str | None]:
    return next(c for c in parsed(html).controls if c.get("id") == control_id)


# --- signing in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/my", "/new", "/new/error", "/new/error/category?category=hardware"])
def test_the_portal_needs_a_session(personas, path):
    r = Client().get(path)
    assert r.status_code == 302
    assert r["Location"].startswith("/login?next=/")


# --- my requests --------------------------------------------------------------------------------


def test_my_requests_shows_only_mine_newest_first(personas, ivan):
    maria = file_error(personas.initiator2, subject="Maria own trouble")
    mine = file_error(personas.initiator, subject="Ivan printer report")
    html = ivan.get("/my").content.decode()
    listed = rows(html)
    expected = list(
        Ticket.objects.filter(initiator=personas.initiator)
        .order_by("-created_at", "-id")
        .values_list("number", flat=True)
    )
    assert listed == expected and listed[0] == mine.number
    assert maria.number not in html and "Maria own trouble" not in html
    assert "Ivan printer report" in html
    # A manager may see every request, but "my requests" are still only the ones they filed.
    boss = client_for(personas.manager).get("/my").content.decode()
    assert rows(boss) == []
    assert "You have not filed any requests yet." in boss


def test_each_row_names_type_state_executor_and_time_in_my_zone(personas, ivan, settings):
    settings.OTKLIK_NOW = "2026-03-10T09:30:00+00:00"
    personas.initiator.time_zone = "Asia/Vladivostok"  # UTC+10
    personas.initiator.save(update_fields=["time_zone"])
    t = file_error(personas.initiator, subject="Time check")
    html = ivan.get("/my").content.decode()
    row = html[html.index(t.number) :].split("</tr>")[0]
    assert "Time check" in row and "Error" in row and "New" in row
    assert "not assigned yet" in row  # it waits in the first line's queue until someone takes it
    Ticket.objects.filter(pk=t.pk).update(executor=personas.agent)
    html = ivan.get("/my").content.decode()
    assert personas.agent.get_full_name() in html[html.index(t.number) :].split("</tr>")[0]
    assert "10 Mar 2026, 19:30" in row


def test_what_awaits_me_is_marked_and_counted(personas, ivan):
    p = personas
    asked = ticket_create(
        initiator=p.initiator, type_code="request", subject="Access", category_code="access", fields={"kind": "access"}
    )
    asked = step(p.agent, asked, "take")
    asked = step(p.agent, asked, "ask", comment="Which section exactly?")
    resolved = file_error(p.initiator, subject="Resolved one")
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Fixed"})):
        resolved = step(p.agent, resolved, code, **kw)
    fresh = file_error(p.initiator, subject="Fresh one")
    html = ivan.get("/my").content.decode()
    assert "2 requests await you" in html

    def row(number: str) -> str:
        return html[html.index(f">{number}<") :].split("</tr>")[0]

    assert 'data-awaits="answer"' in row(asked.number) and "Awaits you: answer the question" in row(asked.number)
    assert 'data-awaits="confirm"' in row(resolved.number) and "Awaits you: confirm or reject" in row(resolved.number)
    assert "data-awaits" not in row(fresh.number)
    # Once confirmed, nothing awaits Ivan any more on that request.
    step(p.initiator, resolved, "confirm")
    html = ivan.get("/my").content.decode()
    assert "1 request awaits you" in html
    assert 'data-awaits="confirm"' not in html


def test_the_filter_open_closed_all(personas, ivan):
    done = file_error(personas.initiator, subject="Withdrawn")
    step(personas.initiator, done, "withdraw")
    still = file_error(personas.initiator, subject="Still open")
    assert done.number in rows(ivan.get("/my?show=closed").content.decode())
    assert still.number not in rows(ivan.get("/my?show=closed").content.decode())
    opened = rows(ivan.get("/my?show=open").content.decode())
    assert still.number in opened and done.number not in opened
    everything = rows(ivan.get("/my").content.decode())
    assert {done.number, still.number} <= set(everything)
    page = ivan.get("/my?show=closed").content.decode()
    assert '<label for="id_show">' in page and '<option value="closed" selected>' in page
    assert rows(ivan.get("/my?show=bogus").content.decode()) == everything  # unknown: all


def test_pages_of_25_with_a_keyset_cursor(personas, ivan):
    for i in range(30):
        file_error(personas.initiator, subject=f"Report {i}")
    total = Ticket.objects.filter(initiator=personas.initiator).count()
    first = ivan.get("/my").content.decode()
    page1 = rows(first)
    assert len(page1) == 25
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert next_url.startswith("/my?show=all&cursor=")
    second = ivan.get(next_url).content.decode()
    page2 = rows(second)
    assert len(page2) == total - 25 and not set(page1) & set(page2)
    assert 'rel="next"' not in second and "← Newest" in second
    newest = Ticket.objects.filter(initiator=personas.initiator).order_by("-created_at", "-id")
    assert page1 + page2 == [t.number for t in newest]
    # A mangled cursor starts again from the newest rather than failing.
    r = ivan.get("/my?cursor=not-a-cursor")
    assert (r.status_code, r["Location"]) == (302, "/my?show=all")


def filed(html: str) -> list[str]:
    """The filing moments listed, in order."""
    return re.findall(r'<time datetime="([^"]+)" data-filed>', html)


def test_newest_filed_first_by_the_filing_date_not_the_id(personas, ivan, settings):
    """A request added later with an earlier date (the demo's history, one filed on someone's
    behalf) falls where its date puts it; the list says how it is sorted."""
    set_now(settings, dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    middle = file_error(personas.initiator, subject="Filed on the 10th")
    set_now(settings, dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    oldest = file_error(personas.initiator, subject="Filed on the 2nd")
    set_now(settings, dt.datetime(2026, 3, 12, 9, 0, tzinfo=dt.UTC))
    newest = file_error(personas.initiator, subject="Filed on the 12th")
    html = ivan.get("/my").content.decode()
    listed = [n for n in rows(html) if n in (middle.number, oldest.number, newest.number)]
    assert listed == [newest.number, middle.number, oldest.number]
    moments = filed(html)
    assert moments == sorted(moments, reverse=True) and len(moments) == len(rows(html))
    assert '<th scope="col" aria-sort="descending">Filed <span aria-hidden="true">↓</span></th>' in html
    assert "My requests, newest filed first" in html


def test_requests_filed_in_one_instant_page_in_a_stable_order(personas, ivan, settings):
    set_now(settings, dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    same = [file_error(personas.initiator, subject=f"Batch {i}") for i in range(27)]
    first = ivan.get("/my").content.decode()
    next_url = unescape(re.search(r'<a href="([^"]+)" rel="next">', first).group(1))
    second = ivan.get(next_url).content.decode()
    listed = rows(first) + rows(second)
    batch = {t.number for t in same}
    assert [n for n in listed if n in batch] == [t.number for t in reversed(same)]  # one instant: later id first
    assert len(listed) == len(set(listed)) == Ticket.objects.filter(initiator=personas.initiator).count()
    # A cursor naming someone else's request is no cursor of this list.
    theirs = file_error(personas.initiator2)
    forged = re.sub(r"cursor=[^&]+", "cursor=" + encode_cursor(theirs.pk), next_url)
    assert ivan.get(forged)["Location"] == "/my?show=all"


def test_the_search_box_finds_my_requests_by_number_or_subject_and_no_one_elses(personas, ivan):
    printer = file_error(personas.initiator, subject="Printer jams on page two")
    payroll = file_error(personas.initiator, subject="Payroll report is empty")
    colleague = file_error(personas.initiator2, subject="Printer jams on every page")
    html = ivan.get("/my?q=printer").content.decode()
    assert rows(html) == [printer.number]
    assert colleague.number not in html and "every page" not in html
    assert '<input type="search" id="id_q" name="q" value="printer"' in html and '<label for="id_q">' in html
    assert rows(ivan.get(f"/my?q={payroll.number.lower()}").content.decode()) == [payroll.number]
    assert rows(ivan.get(f"/my?q={colleague.number}").content.decode()) == []  # visible to Ivan? not his
    # Maria's own search never shows Ivan's; a manager's "my requests" are the ones they filed.
    maria = client_for(personas.initiator2).get("/my?q=printer").content.decode()
    assert rows(maria) == [colleague.number]
    assert rows(client_for(personas.manager).get("/my?q=printer").content.decode()) == []
    # The search keeps the filter and pages; nothing found says so, with a way back.
    empty = ivan.get("/my?q=nothing-like-this&show=open").content.decode()
    assert "None of your requests matches “nothing-like-this”." in empty
    assert 'href="/my?show=open"' in empty
    too_long = ivan.get("/my?q=" + "x" * 201)
    assert too_long.status_code == 400
    assert 'id="error_q">The text is too long (at most 200 characters).' in too_long.content.decode()


def test_the_list_reads_a_fixed_number_of_queries(personas, ivan, django_assert_max_num_queries):
    for i in range(30):
        file_error(personas.initiator, subject=f"Report {i}")
    ivan.get("/my")  # the reference snapshot and the people cache are read once per process
    # Session, user, the bell's unread count, the page of rows, the newest log record (the key of the
    # awaiting count, kept since the visit before: tickets.kept).
    with django_assert_max_num_queries(5) as ctx:
        r = ivan.get("/my")
    assert len(rows(r.content.decode())) == 25
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"] and "tickets_ticket" in q["sql"]]
    # A change to any request is a new log record: the count is read again, once.
    file_error(personas.initiator, subject="One more")
    with django_assert_max_num_queries(6) as ctx:
        ivan.get("/my")
    assert len([q for q in ctx.captured_queries if "COUNT(" in q["sql"] and "tickets_ticket" in q["sql"]]) == 1


# --- choosing the type --------------------------------------------------------------------------


def test_the_first_step_offers_each_type_with_its_line(personas, ivan):
    html = ivan.get("/new").content.decode()
    assert html.count("<h1>") == 1
    for code, name, line in (
        ("error", "Error", "Something does not work as it should."),
        ("wish", "Wish", "A proposal to change or extend the system."),
        ("request", "Request", "A request for access, advice or a service."),
    ):
        assert f'<a href="/new/{code}" aria-describedby="type-{code}-about">{name}</a>' in html
        assert f'<p id="type-{code}-about">{line}</p>' in html


def test_the_type_and_form_pages_read_a_fixed_number_of_queries(personas, ivan, django_assert_max_num_queries):
    for path in ("/new", "/new/error", "/new/request", "/new/wish"):
        ivan.get(path)  # the reference snapshot is read once per process
        # Session, user, the bell's unread count: types, fields and categories come from the snapshot.
        with django_assert_max_num_queries(3):
            assert ivan.get(path).status_code == 200


def test_an_unknown_type_is_the_404_page(personas, ivan):
    for path in ("/new/nope", "/new/nope/category?category=email"):
        r = ivan.get(path)
        assert r.status_code == 404
        assert "Not found" in r.content.decode()


# --- the form -----------------------------------------------------------------------------------


def test_the_form_labels_every_control_and_has_one_h1(personas, ivan):
    html = ivan.get("/new/error").content.decode()
    page = parsed(html)
    ids = {c.get("id") for c in page.controls}
    assert {"id_subject", "id_description", "id_category", "id_priority", "id_files"} <= ids
    assert {"id_f_steps", "id_f_affected_users", "id_f_blocking"} <= ids
    unlabelled = [c for c in page.controls if c.get("id") not in page.labels]
    assert unlabelled == []
    assert page.headings.count("h1") == 1
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<option value="normal" selected>' in html  # the default priority
    # The category tree, the out-of-scope one too (the picker explains it when chosen).
    assert re.search(r'<option value="accounting-reports">(&nbsp;|\xa0)+Reports</option>', html)
    assert '<option value="hardware">' in html
    assert 'hx-get="/new/error/category"' in html


def test_labels_and_choices_follow_the_persons_language(personas):
    ru = client_for(personas.initiator, "ru")
    html = ru.get("/new/request").content.decode()
    assert '<label for="id_f_kind">Что нужно' in html
    assert '<option value="new_account">Новая учётная запись</option>' in html
    # A number field's bounds, written as Russians write numbers (thousands apart, a non-breaking space).
    error = ru.get("/new/error").content.decode()
    assert "От 1 до 100\xa0000." in error and "100000" not in error


def test_csrf_is_required(personas):
    c = Client(enforce_csrf_checks=True)
    c.force_login(personas.initiator)
    assert c.post("/new/error", {"subject": "x", "f_steps": "y"}).status_code == 403
    assert not Ticket.objects.filter(subject="x").exists()


FILINGS = {
    "error": (
        {"category": "accounting-reports", "priority": "high", "f_steps": "Open it\r\nPress it", "f_blocking": "yes"},
        {"f_affected_users": "12"},
        {"steps": "Open it\nPress it", "affected_users": 12, "blocking": True},
    ),
    "wish": (
        {"category": "accounting", "f_benefit": "Two hours a week"},
        {"f_desired_date": "2026-12-31"},
        {"benefit": "Two hours a week", "desired_date": "2026-12-31"},
    ),
    "request": (
        {"category": "access", "f_kind": "new_account"},
        {},
        {"kind": "new_account"},
    ),
}


@pytest.mark.parametrize("type_code", sorted(FILINGS))
def test_filing_each_type_through_the_form(personas, ivan, media, type_code):
    base, extra, stored_fields = FILINGS[type_code]
    upload = SimpleUploadedFile("screen.txt", b"what I saw", content_type="text/plain")
    r = ivan.post(
        f"/new/{type_code}",
        {"subject": f"Filed {type_code}", "description": "Details here", **base, **extra, "files": [upload]},
    )
    ticket = Ticket.objects.get(subject=f"Filed {type_code}")
    assert (r.status_code, r["Location"]) == (302, f"/requests/{ticket.number}")
    assert ticket.initiator_id == personas.initiator.pk
    assert ticket.request_type.code == type_code
    assert ticket.description == "Details here"
    assert ticket.category.code == base["category"]
    assert ticket.priority.code == base.get("priority", "normal")
    expected = dict(stored_fields)
    if type_code == "error":
        expected.setdefault("blocking", True)
    assert ticket.fields == expected
    [att] = Attachment.objects.filter(ticket=ticket)
    assert (att.name, att.size, att.internal) == ("screen.txt", 10, False)
    with att.file.open("rb") as f:
        assert f.read() == b"what I saw"
    assert [str(m) for m in get_messages(r.wsgi_request)] == [f"Your request {ticket.number} is filed."]
    # And it is on Ivan's list at once.
    assert rows(ivan.get("/my").content.decode())[0] == ticket.number


def test_an_unticked_box_is_a_no_and_optional_fields_may_stay_empty(personas, ivan, media):
    r = ivan.post("/new/error", {"subject": "Minimal", "f_steps": "Just this", "f_affected_users": "  "})
    assert r.status_code == 302
    t = Ticket.objects.get(subject="Minimal")
    assert t.fields == {"steps": "Just this", "blocking": False}
    assert t.category is None and t.priority.code == "normal"
    assert not Attachment.objects.filter(ticket=t).exists()


def test_every_problem_is_shown_next_to_its_field_and_the_typing_is_kept(personas, ivan):
    before = Ticket.objects.count()
    r = ivan.post(
        "/new/error",
        {"subject": "  ", "description": "All my notes", "category": "accounting", "f_affected_users": "many"},
    )
    assert r.status_code == 422
    assert Ticket.objects.count() == before
    html = r.content.decode()
    assert "Traceback" not in html
    assert "The request is not filed yet: 3 things to fix." in html
    for control_id, message in (
        ("id_subject", "Write what the request is about."),
        ("id_f_steps", "Fill this in."),
        ("id_f_affected_users", NUMBER),
    ):
        c = control(html, control_id)
        error_id = control_id.replace("id_", "error_")
        assert c.get("aria-invalid") == "true"
        assert error_id in (c.get("aria-describedby") or "").split()
        assert f'<p class="error" id="{error_id}">{message}</p>' in html
        assert f'<a href="#{control_id}">' in html  # the summary links to it
    # What was typed stays, and untouched fields are not marked.
    assert ">All my notes</textarea>" in html
    assert control(html, "id_f_affected_users").get("value") == "many"
    assert '<option value="accounting" selected>' in html
    assert control(html, "id_description").get("aria-invalid") is None


NUMBER = "Enter a number. From 1 to 100,000."
DATE = "Enter a date as YYYY-MM-DD."


@pytest.mark.parametrize(
    ("type_code", "data", "control_id", "message"),
    [
        (
            "error",
            {"f_steps": "s", "f_affected_users": "0"},
            "id_f_affected_users",
            "Enter a number. From 1 to 100,000.",
        ),
        ("error", {"f_steps": "s", "f_affected_users": "1e400"}, "id_f_affected_users", "Enter a number."),
        (
            "wish",
            {"f_benefit": "b", "f_desired_date": "31.12.2026"},
            "id_f_desired_date",
            "Enter a date as YYYY-MM-DD.",
        ),
        (
            "wish",
            {"f_benefit": "b", "f_desired_date": "2026-02-30"},
            "id_f_desired_date",
            "Enter a date as YYYY-MM-DD.",
        ),
        ("request", {"f_kind": "everything"}, "id_f_kind", "Choose one of the options."),
        ("request", {}, "id_f_kind", "Choose one of the options."),
        ("error", {"f_steps": "s", "priority": "whenever"}, "id_priority", "Choose one of the priorities."),
        ("error", {"f_steps": "s", "category": "nowhere"}, "id_category", "Choose one of the categories."),
        ("error", {"f_steps": "s", "subject": "x" * 201}, "id_subject", "At most 200 characters."),
    ],
)
def test_bad_values_are_refused_by_field(personas, ivan, type_code, data, control_id, message):
    r = ivan.post(f"/new/{type_code}", {"subject": "Bad values", **data})
    assert r.status_code == 422
    html = r.content.decode()
    assert control(html, control_id).get("aria-invalid") == "true"
    assert message in html
    assert not Ticket.objects.filter(subject="Bad values").exists()


HARDWARE_NOTE = "The facilities department handles equipment: internal phone 1234."
HARDWARE_OUT = f"“Hardware and office equipment” is outside the support service's scope. {HARDWARE_NOTE}"


def logged(ticket: Ticket) -> list[tuple]:
    """The request's log apart from the SLA ledger: what was done, by whom, with what text."""
    records = LogRecord.objects.filter(ticket=ticket).exclude(event=Event.SLA).order_by("id")
    return [(r.event, r.reaction, r.actor_role, r.point.code, r.to_point and r.to_point.code, r.body) for r in records]


def test_an_out_of_scope_request_is_filed_and_declined_at_once_as_the_api_does(personas, ivan):
    r = ivan.post("/new/error", {"subject": "Printer jam", "category": "hardware", "f_steps": "Print"})
    filed = Ticket.objects.get(subject="Printer jam")
    assert (r.status_code, r["Location"]) == (302, f"/requests/{filed.number}")
    assert [str(m) for m in get_messages(r.wsgi_request)] == [
        f"Your request {filed.number} is filed and declined at once: {HARDWARE_OUT}"
    ]
    # The same request through the service the API calls, in Ivan's language.
    with translation.override("en"):
        api = ticket_create(
            initiator=personas.initiator,
            type_code="error",
            subject="Printer jam (API)",
            category_code="hardware",
            fields={"steps": "Print"},
        )
    api.refresh_from_db()
    for t in (filed, api):
        assert (t.point.code, t.is_open, t.executor_id, t.closed_at is not None) == ("out_of_scope", False, None, True)
    assert logged(filed) == logged(api)
    assert logged(filed)[-1] == ("transition", "declined_out_of_scope", "system", "new", "out_of_scope", HARDWARE_NOTE)
    page = ivan.get(f"/requests/{filed.number}").content.decode()
    assert "Declined: out of scope" in page and HARDWARE_NOTE in page


def test_the_form_checks_an_out_of_scope_request_like_any_other(personas, ivan):
    """Filing it declines it, but only once the form is right: the same checks as for any request."""
    r = ivan.post("/new/error", {"subject": "", "category": "hardware", "f_steps": ""})
    assert r.status_code == 422
    assert not Ticket.objects.filter(category__code="hardware").exists()
    html = r.content.decode()
    assert control(html, "id_subject").get("aria-invalid") == "true"
    assert control(html, "id_f_steps").get("aria-invalid") == "true"
    assert control(html, "id_category").get("aria-invalid") is None  # the category is not the problem
    # Said at the picker and by the button: filed, it is declined at once.
    assert HARDWARE_NOTE in html and "If you file it anyway, it is declined at once" in html
    note = re.search(r'<p class="portal-submit-note" id="submit-note">([^<]*)</p>', html).group(1)
    assert note == (
        "The category is outside the support service's scope: the request will be filed and declined at once."
    )
    button = re.search(r'<button type="submit"[^>]*>File the request</button>', html).group(0)
    assert 'aria-describedby="submit-note"' in button


def test_without_an_out_of_scope_point_the_form_refuses_it_with_the_note(personas, ivan):
    Route.objects.filter(code="error").update(out_of_scope_point=None)
    invalidate()  # an update() sends no signal
    r = ivan.post("/new/error", {"subject": "Printer jam", "category": "hardware", "f_steps": "Print"})
    assert r.status_code == 422
    assert not Ticket.objects.filter(subject="Printer jam").exists()
    html = r.content.decode()
    c = control(html, "id_category")
    assert c.get("aria-invalid") == "true" and "error_category" in c.get("aria-describedby").split()
    error = re.search(r'<p class="error" id="error_category">([^<]+)</p>', html).group(1)
    assert unescape(error) == HARDWARE_OUT
    assert '<option value="hardware" selected>' in html
    assert "the request cannot be filed." in html
    # The other types' routes still decline such a request at once.
    assert (
        ivan.post("/new/request", {"subject": "Printer", "category": "hardware", "f_kind": "other"}).status_code == 302
    )


def test_an_empty_file_is_refused_before_anything_is_filed(personas, ivan, media):
    empty = SimpleUploadedFile("empty.txt", b"", content_type="text/plain")
    r = ivan.post("/new/error", {"subject": "With empty file", "f_steps": "s", "files": [empty]})
    assert r.status_code == 422
    html = r.content.decode()
    assert control(html, "id_files").get("aria-invalid") == "true"
    assert "The file empty.txt is empty." in html
    assert "Choose the files to attach again" in html
    assert not Ticket.objects.filter(subject="With empty file").exists()


def test_a_file_over_the_limit_is_refused(personas, ivan, media, settings):
    settings.MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))
    r = ivan.post("/new/error", {"subject": "With big file", "f_steps": "s", "files": [big]})
    assert r.status_code == 422
    assert "The file big.bin is larger than the limit of 1 MB." in r.content.decode()
    assert not Ticket.objects.filter(subject="With big file").exists()


# --- the category hint --------------------------------------------------------------------------


def test_the_category_hint_fragment(personas, ivan, django_assert_max_num_queries):
    ivan.get("/new/error/category?category=email")
    with django_assert_max_num_queries(2):  # the session and the user: the catalogue is in memory
        r = ivan.get("/new/error/category?category=hardware", HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200
    assert "<html" not in html  # a fragment, not a page
    assert 'role="alert"' in html
    assert HARDWARE_NOTE in html
    assert "If you file it anyway, it is declined at once with this explanation." in html
    # The line by the submit button comes along, swapped in out of band.
    assert re.search(r'<p class="portal-submit-note" id="submit-note" hx-swap-oob="true">[^<]*declined at once', html)
    for code in ("accounting", "", "no-such-category"):
        fragment = ivan.get(f"/new/error/category?category={code}").content.decode()
        assert "role=" not in fragment and "internal phone" not in fragment
        assert '<p class="portal-submit-note" id="submit-note" hx-swap-oob="true"></p>' in fragment  # emptied
    ru = client_for(personas.initiator2, "ru").get("/new/wish/category?category=hardware").content.decode()
    assert "хозяйственный отдел" in ru
    # A route with nowhere to decline it at: the hint says such a request cannot be filed.
    Route.objects.filter(code="error").update(out_of_scope_point=None)
    invalidate()
    html = ivan.get("/new/error/category?category=hardware").content.decode()
    assert "A request of this kind cannot be filed in this category." in html and "anyway" not in html
    assert "the request cannot be filed." in html


def test_a_refusal_by_the_service_itself_is_shown_on_the_form(personas, ivan, monkeypatch):
    """The checks above mirror the service; when the catalogue changes between them and the
    service, its own refusal lands next to the field (or above the form), never as a 500."""
    from otklik.core.errors import Invalid, out_of_scope, required
    from otklik.web.views import portal

    def refuse(**_kw):
        raise Invalid("the form is not filled in correctly", errors=[required("fields.steps")])

    monkeypatch.setattr(portal, "ticket_create", refuse)
    r = ivan.post("/new/error", {"subject": "Raced", "f_steps": "s"})
    assert r.status_code == 422
    html = r.content.decode()
    assert '<p class="error" id="error_f_steps">Fill this in.</p>' in html

    def misconfigured(**_kw):
        raise Invalid("the route of error is not active", code="misconfigured")

    monkeypatch.setattr(portal, "ticket_create", misconfigured)
    html = ivan.post("/new/error", {"subject": "Raced", "f_steps": "s"}).content.decode()
    assert "The request could not be filed: the route of error is not active" in html

    def no_longer_declined(**_kw):  # the route lost its out-of-scope point meanwhile
        error = out_of_scope("category", value="hardware")
        raise Invalid("category 'hardware' is outside the scope", code="out_of_scope", errors=[error])

    monkeypatch.setattr(portal, "ticket_create", no_longer_declined)
    html = ivan.post("/new/error", {"subject": "Raced", "category": "hardware", "f_steps": "s"}).content.decode()
    error = re.search(r'<p class="error" id="error_category">([^<]+)</p>', html).group(1)
    assert unescape(error) == HARDWARE_OUT  # in the person's words, with the note
    assert not Ticket.objects.filter(subject="Raced").exists()


def test_a_requests_number_never_wraps_in_the_list(personas):
    """«WSH-/000001» at 1366 px: the number's cell does not break (white-space: nowrap)."""
    from pathlib import Path

    import otklik.web

    ticket = file_error(personas.initiator)
    page = client_for(personas.initiator).get("/my").content.decode()
    assert f'<td class="number" data-label="Number"><a href="/requests/{ticket.number}">' in page
    css = (Path(otklik.web.__file__).parent / "static/web/app.css").read_text()
    assert re.search(r"td\.number\s*\{\s*white-space:\s*nowrap;", css)
