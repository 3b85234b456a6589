"""One request's page: who may see it (the product's 404 for anyone else), the timeline with
internal notes and SLA events for support only, the route's transitions as buttons and dialogs,
stale versions, replies and notes, reassigning, watchers, files, CSRF and the query bound.

Ivan (initiator) files an Error; Alexei (agent) and Sergei (lead) are first line, Olga (agent2)
second line; Maria (initiator2) is Ivan's colleague, the outsider is of another organisation."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from otklik.accounts.models import User
from otklik.testing.factories import file_error
from otklik.tickets.models import Attachment, Ticket, Watcher
from otklik.workflow import ticket_comment, ticket_create, ticket_transition

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture(autouse=True)
def english(personas):
    # The stored language wins over the browser's: the assertions read the English texts.
    User.objects.update(language="en")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def ticket(personas) -> Ticket:
    return file_error(personas.initiator)


def login(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def url(t: Ticket, tail: str = "") -> str:
    return f"/requests/{t.number}{tail}"


def show(client: Client, t: Ticket) -> str:
    r = client.get(url(t))
    assert r.status_code == 200, r.status_code
    return r.content.decode()


def version(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def offered(html: str) -> list[str]:
    """The transitions the page offers, in order (buttons and dialogs alike)."""
    return list(dict.fromkeys(re.findall(r'name="transition" value="([\w-]+)"', html)))


def take(client: Client, t: Ticket, code: str, **data: str):
    html = show(client, t)
    assert code in offered(html), offered(html)
    return client.post(url(t, "/transition"), {"transition": code, "version": version(html), **data})


def followed(client: Client, response) -> str:
    assert response.status_code == 302, (response.status_code, response.content[:500])
    return client.get(response["Location"]).content.decode()


class Page(HTMLParser):
    """What the accessibility checks need: headings, labels and the controls they name."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, str | None]] = []
        self.classes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("textarea", "select") or (tag == "input" and a.get("type") not in ("hidden", "submit")):
            self.controls.append((tag, a.get("id")))
        if tag == "li":
            self.classes.append(a.get("class") or "")


def parse(html: str) -> Page:
    p = Page()
    p.feed(html)
    return p


# --- who may see it ---------------------------------------------------------------------------


def test_others_get_the_products_404_page(personas, ticket, media):
    for who in (personas.outsider, personas.initiator2, personas.agent2):
        client = login(who)
        for path in ("", "/comment", "/transition", "/assign", "/watchers", "/attachments"):
            r = client.get(url(ticket, path)) if not path else client.post(url(ticket, path), {"body": "x"})
            assert r.status_code == 404, (who.username, path, r.status_code)
            html = r.content.decode()
            assert "<main" in html and 'class="brand"' in html and "Traceback" not in html
            assert ticket.subject not in html
    assert login(personas.outsider).get("/requests/NOPE-1").status_code == 404
    assert Client().get(url(ticket))["Location"].startswith("/login?next=")


def test_the_number_in_any_case_or_the_id_lead_to_the_one_address(personas, ticket):
    client = login(personas.initiator)
    for ref in (ticket.number.lower(), str(ticket.pk)):
        r = client.get(f"/requests/{ref}")
        assert (r.status_code, r["Location"]) == (302, url(ticket))


# --- the page -----------------------------------------------------------------------------------


def test_header_fields_and_sla_in_the_viewers_time_zone(personas, settings):
    settings.OTKLIK_NOW = datetime(2026, 3, 10, 11, 30, tzinfo=MSK).isoformat()
    t = file_error(personas.initiator, subject="Payroll is down", priority_code="high")
    User.objects.filter(pk=personas.initiator.pk).update(time_zone="Asia/Yekaterinburg")  # Moscow + 2 h
    settings.OTKLIK_NOW = datetime(2026, 3, 10, 12, 20, tzinfo=MSK).isoformat()
    html = show(login(personas.initiator), t)
    assert f'<span class="number">{t.number}</span> Payroll is down</h1>' in html
    details = re.search(r'<dl class="props">.*?</dl>', html, re.S).group(0)
    for term, value in (("Type", "Error"), ("State", "New"), ("Priority", "High")):
        assert f"<dt>{term}</dt><dd>{value}</dd>" in details
    assert "<dt>Executor</dt><dd>—</dd>" in details  # nobody yet: it waits in the group's queue
    assert "<dd>Accounting system</dd>" in details and "<dd>First-line support</dd>" in details
    assert re.search(r'<dl class="fields">\s*<dt>Steps to reproduce</dt><dd>open it</dd>', html)
    # First reaction: 1 h from 11:30 Moscow, 50 min used of 60 (83 % ≥ the 80 % warning).
    assert "due <time" in html and "14:30</time>" in html  # 12:30 in Moscow
    assert re.search(r'<span class="badge warn">running · 83% used</span>', html)
    assert "10 min left" in html
    assert re.search(r'<span class="badge ok">running · 10% used</span>', html)  # resolution, 8 h
    settings.OTKLIK_NOW = datetime(2026, 3, 10, 12, 40, tzinfo=MSK).isoformat()
    html = show(login(personas.initiator), t)
    assert re.search(r'<span class="badge bad">breached · 117% used</span>', html)
    assert "</time> · overdue 10 min" in html  # after the due date, in mid-sentence


def test_every_control_is_labelled_and_headings_are_in_order(personas, ticket, media):
    ticket_transition(ticket=ticket, actor=personas.agent, transition_code="accept", version=ticket.version)
    for who in (personas.initiator, personas.agent, personas.lead, personas.manager):
        p = parse(show(login(who), Ticket.objects.get(pk=ticket.pk)))
        assert p.headings.count(1) == 1
        assert all(b - a <= 1 for a, b in zip(p.headings, p.headings[1:], strict=False)), p.headings
        unlabelled = [c for c in p.controls if c[1] not in p.label_for]
        assert not unlabelled, (who.username, unlabelled)


def test_keyboard_shortcuts(personas, ticket):
    html = show(login(personas.lead), ticket)
    # `a` only goes to the first action (issue 14): it never takes a step by itself.
    assert re.search(r'<button type="submit"[^>]*data-shortcut="a" data-shortcut-focus[^>]*>Accept</button>', html)
    assert re.search(r'<textarea id="reply-body"[^>]*data-shortcut="c"', html)
    assert re.search(r'data-open-dialog="reassign" data-shortcut="e"', html)
    assert re.search(r'<summary data-shortcut="\?"[^>]*>Keyboard shortcuts</summary>', html)
    assert "<kbd>a</kbd> go to the actions" in html
    assert html.count('data-shortcut="a"') == 1


# --- the timeline ---------------------------------------------------------------------------------


def test_the_initiator_never_sees_internal_notes_staff_see_them_and_sla_events(personas, ticket):
    agent = login(personas.agent)
    r = agent.post(url(ticket, "/comment"), {"body": "Looks like the cache, checking", "internal": "1"})
    assert "The internal note was added." in followed(agent, r)
    r = agent.post(url(ticket, "/comment"), {"body": "We are on it"})
    assert "Your reply was added." in followed(agent, r)

    ivan = show(login(personas.initiator), ticket)
    assert "We are on it" in ivan
    assert "checking" not in ivan and "Internal note" not in ivan
    assert not any("internal" in c or "sla" in c for c in parse(ivan).classes)

    for who in (personas.agent, personas.lead, personas.manager):
        html = show(login(who), ticket)
        note = re.search(r'<li class="internal">(.*?)</li>', html, re.S)
        assert note and "Internal note" in note.group(1) and "Looks like the cache, checking" in note.group(1)
        assert '<li class=" sla">' in html and "First reaction: applied" in html
        sla = re.search(r'<li class=" sla">(.*?)</li>', html, re.S).group(1)
        assert "· System" in sla and "SLA" not in sla  # the service wrote it, as for complaints


def test_the_history_names_the_transition_taken_not_the_buttons_order(personas, ticket):
    User.objects.filter(pk=personas.agent.pk).update(language="ru")
    agent = login(personas.agent)
    done = followed(agent, take(agent, ticket, "accept"))
    assert "Переход «Принять» выполнен: обращение теперь в состоянии «Принята»." in done
    assert "— выполнено" not in done
    html = show(login(personas.initiator), ticket)
    assert "Transition “Accept”: New → Accepted" in html
    assert "Accept: New" not in html
    User.objects.filter(pk=personas.initiator.pk).update(language="ru")
    ru = show(login(personas.initiator), ticket)
    assert "Переход «Принять»: Новая → Принята" in ru
    assert "Принять: Новая" not in ru
    staff = show(login(personas.agent), ticket)
    sla = re.search(r'<li class=" sla">(.*?)</li>', staff, re.S).group(1)
    assert "· Система" in sla and "SLA" not in sla


def test_a_paused_deadlines_time_left_runs_on_in_lower_case_like_the_others(personas, ticket):
    for code, extra in (("accept", {}), ("ask", {"comment": "Which printer?"})):
        ticket = ticket_transition(
            ticket=ticket, actor=personas.agent, transition_code=code, version=ticket.version, **extra
        )
    User.objects.filter(pk=personas.agent.pk).update(language="ru")
    html = show(login(personas.agent), ticket)
    box = re.search(r'<section class="card" aria-labelledby="sla-title">.*?</section>', html, re.S).group(0)
    assert "на паузе" in box and re.search(r'<span class="meta">осталось \d', box)
    assert "Осталось" not in box


# --- the route's actions ---------------------------------------------------------------------------


def test_the_agent_accepts_and_resolves_through_the_buttons(personas, ticket):
    agent = login(personas.agent)
    html = show(agent, ticket)
    assert offered(html) == ["accept"]  # declining is the executor's or a lead's, not a member's
    html = followed(agent, take(agent, ticket, "accept"))
    assert "Transition “Accept” done: the request is now “Accepted”." in html
    assert offered(html) == ["start", "ask"]
    html = followed(agent, take(agent, ticket, "start"))
    # Resolving needs a comment: a dialog with a labelled, required text area.
    assert re.search(r'<button type="button" class="" data-open-dialog="t-resolve"[^>]*>Resolve…</button>', html)
    dialog = re.search(r'<dialog id="t-resolve".*?</dialog>', html, re.S).group(0)
    # The comment is marked required, the dialog says where the request goes and who reads the comment.
    assert '<label for="t-resolve-comment">Comment <span class="req" aria-hidden="true">*</span></label>' in dialog
    assert "Fields marked * are required." in dialog
    assert f"Request {ticket.number} “Report fails” will move to “Resolved”." in dialog
    assert "The initiator will see this comment in the request's history." in dialog
    assert 'aria-describedby="t-resolve-comment-hint"' in dialog
    assert re.search(r'<textarea id="t-resolve-comment" name="comment" required', dialog)

    r = take(agent, ticket, "resolve", comment="  ")
    assert r.status_code == 400
    html = r.content.decode()
    assert re.search(r'<dialog id="t-resolve" class="act" aria-labelledby="t-resolve-title" [^>]*\bopen>', html)
    assert 'id="t-resolve-comment-error">Write a comment: this step needs one.</p>' in html
    assert Ticket.objects.get(pk=ticket.pk).point.code == "in_work"

    html = followed(agent, take(agent, ticket, "resolve", comment="Rebuilt the index"))
    assert "the request is now “Resolved”." in html
    assert "Rebuilt the index" in html
    assert offered(html) == []  # the initiator's turn


def test_the_initiator_rejects_with_a_reason_and_later_confirms(personas, ticket):
    for code, extra in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        ticket = ticket_transition(
            ticket=ticket, actor=personas.agent, transition_code=code, version=ticket.version, **extra
        )
    ivan = login(personas.initiator)
    html = show(ivan, ticket)
    assert offered(html) == ["confirm", "reject"]
    # Confirming closes the request: a dialog asks first, naming the request and where it goes.
    opener = r'<button type="button" class="" data-open-dialog="t-confirm" data-shortcut="a"[^>]*>'
    assert re.search(opener + "Confirm the resolution…</button>", html)
    dialog = re.search(r'<dialog id="t-confirm".*?</dialog>', html, re.S).group(0)
    assert 'aria-describedby="t-confirm-what"' in dialog
    assert f"Request {ticket.number} “Report fails” will move to “Confirmed (closed)”." in dialog
    assert '<label for="t-confirm-comment">Comment (optional)</label>' in dialog
    assert re.search(r'class="danger" data-open-dialog="t-reject">Reject the resolution…</button>', html)
    # Rejecting says where the request goes back to, and its comment is marked required; the
    # initiator is not told that the initiator will read it.
    dialog = re.search(r'<dialog id="t-reject".*?</dialog>', html, re.S).group(0)
    assert f"Request {ticket.number} “Report fails” will move to “In work”." in dialog
    assert '<label for="t-reject-comment">Comment <span class="req" aria-hidden="true">*</span></label>' in dialog
    assert "The initiator will see" not in dialog
    assert 'data-open-dialog="reassign"' not in html  # no reassigning for initiators

    r = take(ivan, ticket, "reject")
    assert r.status_code == 400 and "Write a comment" in r.content.decode()
    html = followed(ivan, take(ivan, ticket, "reject", comment="Still fails on Mondays"))
    assert "the request is now “In work”." in html and "Still fails on Mondays" in html

    agent = login(personas.agent)
    followed(agent, take(agent, ticket, "resolve", comment="Fixed the Monday job"))
    html = followed(ivan, take(ivan, ticket, "confirm"))
    assert "the request is now “Confirmed (closed)”." in html
    assert offered(html) == []
    assert Ticket.objects.get(pk=ticket.pk).is_open is False


def test_steps_that_end_a_request_ask_first_by_the_kind_of_point(personas, ticket):
    """Withdrawing and declining end the request (points of kind declined): each is a dialog naming
    the request, never a one-click button; the server still decides."""
    html = show(login(personas.initiator), ticket)
    assert offered(html)[0] == "withdraw"
    assert re.search(r'class="danger" data-open-dialog="t-withdraw" data-shortcut="a"[^>]*>Withdraw…</button>', html)
    assert not re.search(r'<button type="submit"[^>]*data-shortcut="a"', html)
    dialog = re.search(r'<dialog id="t-withdraw".*?</dialog>', html, re.S).group(0)
    assert re.search(rf"Request {ticket.number} “Report fails” will move to “[^”]+”\.", dialog)
    assert '<button type="submit" class="danger">Withdraw</button>' in dialog
    html = show(login(personas.lead), ticket)
    assert "t-decline" in html and re.search(r'<dialog id="t-decline"[^>]*aria-describedby="t-decline-what"', html)
    assert not re.search(r'<dialog id="t-accept"', html)  # accepting ends nothing: one button


def test_asking_the_initiator_names_the_comment_a_question_and_says_the_clock_stops(personas, ticket):
    agent = login(personas.agent)
    html = followed(agent, take(agent, ticket, "accept"))
    dialog = re.search(r'<dialog id="t-ask".*?</dialog>', html, re.S).group(0)
    label = 'Your question to the initiator <span class="req" aria-hidden="true">*</span></label>'
    assert f'<label for="t-ask-comment">{label}' in dialog
    assert f"Request {ticket.number} “Report fails” will move to “Waiting for the initiator”." in dialog
    assert "The resolution clock stops until the initiator answers" in dialog
    assert 'aria-describedby="t-ask-comment-hint"' in dialog
    resolve = re.search(r'<dialog id="t-start".*?</dialog>', html, re.S)
    assert resolve is None or "Your question" not in resolve.group(0)  # other steps keep "Comment"


def test_a_step_that_asks_for_the_executor_offers_the_groups_staff(personas):
    wish = ticket_create(initiator=personas.initiator, type_code="wish", subject="Export", fields={"benefit": "time"})
    wish = ticket_transition(ticket=wish, actor=personas.agent2, transition_code="review", version=wish.version)
    wish = ticket_transition(ticket=wish, actor=personas.manager, transition_code="approve", version=wish.version)
    olga = login(personas.agent2)
    html = show(olga, wish)
    dialog = re.search(r'<dialog id="t-develop".*?</dialog>', html, re.S).group(0)
    assert '<label for="t-develop-executor">Executor <span class="req" aria-hidden="true">*</span></label>' in dialog
    assert f'<option value="{personas.agent2.pk}">' in dialog and f'<option value="{personas.agent.pk}"' not in dialog
    assert '<label for="t-develop-comment">Comment (optional)</label>' in dialog
    r = take(olga, wish, "develop")
    assert r.status_code == 400 and "Choose the executor." in r.content.decode()
    r = take(olga, wish, "develop", executor=str(personas.agent.pk))  # not of the group
    assert r.status_code == 400 and "Choose a member of the request&#x27;s support group." in r.content.decode()
    followed(olga, take(olga, wish, "develop", executor=str(personas.agent2.pk)))
    assert Ticket.objects.get(pk=wish.pk).point.code == "in_development"


def test_a_stale_version_says_reload_instead_of_an_error_page(personas, ticket):
    agent = login(personas.agent)
    stale = version(show(agent, ticket))
    lead = login(personas.lead)
    r = lead.post(url(ticket, "/assign"), {"version": stale, "executor": str(personas.agent.pk)})
    assert "The request was reassigned." in followed(lead, r)

    r = agent.post(url(ticket, "/transition"), {"transition": "accept", "version": stale})
    assert r.status_code == 409
    html = r.content.decode()
    assert "The request changed meanwhile: reload it and try again." in html
    assert f'<a href="{url(ticket)}">Reload</a>' in html
    assert "Traceback" not in html and version(html) == stale + 1  # the page as it is now
    assert Ticket.objects.get(pk=ticket.pk).point.code == "new"
    # Garbage instead of a version is stale too, never a 500.
    r = agent.post(url(ticket, "/assign"), {"version": "x", "executor": str(personas.lead.pk)})
    assert r.status_code == 409


# --- replies, reassigning, watchers -----------------------------------------------------------------


def test_replies_and_notes_with_errors_next_to_the_field(personas, ticket):
    ivan = login(personas.initiator)
    html = show(ivan, ticket)
    assert '<label for="reply-body">Your reply</label>' in html and "reply-internal" not in html
    r = ivan.post(url(ticket, "/comment"), {"body": "   "})
    assert r.status_code == 400
    assert '<p class="error" id="reply-body-error">Write the text first.</p>' in r.content.decode()
    r = ivan.post(url(ticket, "/comment"), {"body": "psst", "internal": "1"})
    assert r.status_code == 403 and "You may not do this on this request." in r.content.decode()
    html = followed(ivan, ivan.post(url(ticket, "/comment"), {"body": "It happens <b>daily</b>"}))
    assert "It happens &lt;b&gt;daily&lt;/b&gt;" in html  # escaped
    assert '<label for="reply-internal">Internal note</label>' in show(login(personas.agent), ticket)


def test_reassign_by_those_allowed_the_service_decides(personas, ticket):
    agent = login(personas.agent)
    html = show(agent, ticket)
    assert '<label for="reassign-executor">Executor</label>' in html
    assert 'id="reassign-group"' not in html  # a member cannot move it to another group
    v = version(html)
    r = agent.post(url(ticket, "/assign"), {"version": v, "group": "second-line"})
    assert r.status_code == 403
    html = r.content.decode()
    assert re.search(r'<dialog id="reassign" class="act" aria-labelledby="reassign-title" open>', html)
    assert "You may not do this on this request." in html
    r = agent.post(url(ticket, "/assign"), {"version": v, "executor": str(personas.agent2.pk)})
    assert r.status_code == 400 and 'id="reassign-executor-error"' in r.content.decode()
    followed(agent, agent.post(url(ticket, "/assign"), {"version": v, "executor": str(personas.agent.pk)}))
    assert Ticket.objects.get(pk=ticket.pk).executor_id == personas.agent.pk

    lead = login(personas.lead)
    html = show(lead, ticket)
    assert '<label for="reassign-group">Support group</label>' in html
    r = lead.post(url(ticket, "/assign"), {"version": version(html), "group": "second-line"})
    # Moved out of the lead's groups: it worked, and the lead is told they no longer see it.
    assert r["Location"] == "/"
    other = file_error(personas.initiator, subject="Another one")  # any page shows the message
    assert "The request was reassigned. You no longer see this request." in show(lead, other)
    moved = Ticket.objects.get(pk=ticket.pk)
    # The second line leaves what comes to it in its queue (the demo's groups assign nothing).
    assert (moved.group.code, moved.executor_id) == ("second-line", None)
    html = show(login(personas.agent2), moved)
    assert "Support group: First-line support → Second-line support" in html
    assert "Executor: — → Алексей Смирнов" in html
    assert "Executor: Алексей Смирнов → —" in html


def test_watchers_added_and_removed(personas, ticket):
    agent = login(personas.agent)
    html = show(agent, ticket)
    assert '<label for="watcher-user">Add a watcher (user name)</label>' in html
    html = followed(agent, agent.post(url(ticket, "/watchers"), {"action": "add", "user": "initiator2"}))
    assert "initiator2 now watches the request." in html and "Мария Сидорова" in html
    r = agent.post(url(ticket, "/watchers"), {"action": "add", "user": "nobody"})
    assert r.status_code == 400 and "There is no such user." in r.content.decode()
    r = agent.post(url(ticket, "/watchers"), {"action": "add", "user": "outsider"})
    assert r.status_code == 400 and "not of the request&#x27;s organisation" in r.content.decode()
    assert "You now watch the request." in followed(agent, agent.post(url(ticket, "/watchers"), {"action": "add"}))
    assert set(Watcher.objects.filter(ticket=ticket).values_list("user__username", flat=True)) == {
        "initiator2",
        "agent",
    }

    maria = login(personas.initiator2)
    html = show(maria, ticket)  # a watcher sees it now, and may reply
    assert "Stop watching" in html and 'id="reply-body"' in html and 'id="watcher-user"' not in html
    # Leaving would take the request out of her sight: a dialog asks first (issue 14).
    assert 'data-open-dialog="unwatch">Stop watching…</button>' in html
    unwatch = re.search(r'<dialog id="unwatch".*?</dialog>', html, re.S).group(0)
    assert f"You will no longer see request {ticket.number} “Report fails”" in unwatch
    assert 'data-open-dialog="unwatch"' not in show(agent, ticket)  # staff of the group: one button
    r = maria.post(url(ticket, "/watchers"), {"action": "add", "user": "initiator"})
    assert r.status_code == 403
    r = maria.post(url(ticket, "/watchers"), {"action": "remove", "user": "initiator2"})
    assert r["Location"] == "/"  # out of her sight now
    assert maria.get(url(ticket)).status_code == 404
    html = followed(agent, agent.post(url(ticket, "/watchers"), {"action": "remove", "user": "agent"}))
    assert "You no longer watch the request." in html


# --- files ---------------------------------------------------------------------------------------


def fetch(client: Client, path: str):
    r = client.get(path)
    return r, (b"".join(r.streaming_content) if r.streaming else r.content)


def test_files_up_and_down_internal_ones_never_to_the_initiator(personas, ticket, media):
    ivan = login(personas.initiator)
    upload = SimpleUploadedFile("error log.txt", b"line 1\n", content_type="text/plain")
    html = followed(ivan, ivan.post(url(ticket, "/attachments"), {"file": upload}))
    assert "The file error log.txt was attached." in html
    mine = Attachment.objects.get(ticket=ticket)
    link = url(ticket, f"/attachments/{mine.pk}")
    assert f'<a href="{link}" download>error log.txt</a>' in html
    r, body = fetch(ivan, link)
    assert (r.status_code, body) == (200, b"line 1\n")
    assert r["Content-Type"] == "application/octet-stream" and "attachment" in r["Content-Disposition"]
    assert r["X-Content-Type-Options"] == "nosniff"

    agent = login(personas.agent)
    secret = SimpleUploadedFile("notes.txt", b"internal", content_type="text/plain")
    followed(agent, agent.post(url(ticket, "/attachments"), {"file": secret, "internal": "1"}))
    hidden = Attachment.objects.get(ticket=ticket, internal=True)
    assert "notes.txt" in show(agent, ticket)
    assert fetch(agent, url(ticket, f"/attachments/{hidden.pk}"))[0].status_code == 200
    assert "notes.txt" not in show(ivan, ticket)
    assert fetch(ivan, url(ticket, f"/attachments/{hidden.pk}"))[0].status_code == 404
    assert fetch(login(personas.outsider), link)[0].status_code == 404

    r = ivan.post(url(ticket, "/attachments"), {"file": SimpleUploadedFile("a.txt", b"x"), "internal": "1"})
    assert r.status_code == 403
    r = ivan.post(url(ticket, "/attachments"), {})
    assert r.status_code == 400 and "Choose a file to attach." in r.content.decode()
    r = ivan.post(url(ticket, "/attachments"), {"file": SimpleUploadedFile("empty.txt", b"")})
    assert r.status_code == 400 and "The file is empty." in r.content.decode()


def test_the_file_size_limit_is_the_apis(personas, ticket, media, settings):
    settings.MAX_ATTACHMENT_BYTES = 10
    ivan = login(personas.initiator)
    r = ivan.post(url(ticket, "/attachments"), {"file": SimpleUploadedFile("big.txt", b"x" * 11)})
    assert r.status_code == 400 and "larger than the limit" in r.content.decode()
    assert not Attachment.objects.filter(ticket=ticket).exists()


# --- CSRF and the query bound ------------------------------------------------------------------------


def test_posts_need_the_csrf_token(personas, ticket):
    ivan = login(personas.initiator, enforce_csrf_checks=True)
    html = show(ivan, ticket)
    assert ivan.post(url(ticket, "/comment"), {"body": "hi"}).status_code == 403
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    r = ivan.post(url(ticket, "/comment"), {"body": "hi", "csrfmiddlewaretoken": token})
    assert r.status_code == 302
    assert ivan.get(url(ticket, "/comment")).status_code == 405


def test_the_page_reads_a_fixed_number_of_queries(personas, ticket, media, settings, django_assert_max_num_queries):
    settings.REFERENCE_TTL = 3600  # no snapshot rebuild in the middle of the count
    ticket_transition(ticket=ticket, actor=personas.agent, transition_code="accept", version=ticket.version)
    for i in range(20):
        who = personas.agent if i % 2 else personas.initiator
        ticket_comment(ticket=ticket, actor=who, body=f"comment {i}", internal=who.is_support_staff and i % 4 == 1)
    Watcher.objects.create(ticket=ticket, user=personas.lead)
    for who in (personas.agent, personas.initiator):
        client = login(who)
        show(client, ticket)  # warm the caches (people, reference snapshots)
        with django_assert_max_num_queries(10):
            html = show(client, ticket)
        assert "comment 19" in html
