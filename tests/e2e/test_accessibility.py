"""Accessibility, checked by axe-core (the engine behind Lighthouse's audit) on every main page, for
each persona in Russian and in English and for the portal on a phone-width screen: any breach of a
WCAG 2.0 / 2.1 level A or AA rule (colour contrast included) or of the landmark and heading rules
fails, naming the rule, its impact, the element and the fix axe suggests. And the keyboard: every
stop Tab reaches on a request page shows where the focus is.

axe-core comes from axe-playwright-python (a dev dependency), which ships axe.min.js inside the
wheel; only its copy of the script is used here, run with our own options."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import PLAYWRIGHT_MISSING, Server

sync_api = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING)
axe_script = pytest.importorskip(
    "axe_playwright_python.base", reason="axe-playwright-python is not installed (pip install -e '.[dev]')"
).AXE_SCRIPT
expect, Page = sync_api.expect, sync_api.Page

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The issue asks for landmarks and headings in order too; axe files these under "best practice".
STRUCTURE = (
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "landmark-complementary-is-top-level",
    "region",
)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG},
    "rules": {rule: {"enabled": True} for rule in STRUCTURE},
    "resultTypes": ["violations"],
}
LANGUAGES = ("ru", "en")
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

# Requests in the states whose pages offer a dialog: Ivan's Request waits for his answer
# ("Provide the information…"), Alexei works on Ivan's Error ("Resolve…", with an internal note in
# its history). And an important notification for Ivan, drawn in the warning colours.
SETUP = """
from otklik.accounts.models import User
from otklik.notify.services import notify_enqueue
from otklik.workflow import ticket_comment, ticket_create, ticket_transition
ivan, alexei = User.objects.get(username="initiator"), User.objects.get(username="agent")
asked = ticket_create(initiator=ivan, type_code="request", subject="Access to the archive of contracts",
    description="For the audit.", category_code="access", fields={"kind": "access"})
asked = ticket_transition(ticket=asked, actor=alexei, transition_code="take", version=asked.version)
asked = ticket_transition(ticket=asked, actor=alexei, transition_code="ask", version=asked.version,
    comment="Which years of the archive do you need?")
worked = ticket_create(initiator=ivan, type_code="error", subject="The payroll export stops at 50%",
    description="Since Monday.", priority_code="high", category_code="accounting-reports",
    fields={"steps": "Payroll, Export, Run.", "affected_users": 3})
worked = ticket_transition(ticket=worked, actor=alexei, transition_code="accept", version=worked.version)
worked = ticket_transition(ticket=worked, actor=alexei, transition_code="start", version=worked.version)
ticket_comment(ticket=worked, actor=alexei, body="The export runs out of memory.", internal=True)
notify_enqueue(sender=User.objects.get(username="admin"), event="e2e.audit", subject="The ERP is down tonight",
    text="From 22:00 to 23:00.", users=["initiator"], importance="high")
print("TICKETS", asked.number, worked.number)
"""


@pytest.fixture(scope="module")
def tickets(server: Server) -> dict[str, str]:
    line = next(line for line in server.python(SETUP).splitlines() if line.startswith("TICKETS "))
    _, asked, worked = line.split()
    return {"asked": asked, "worked": worked}


def audit(page: Page, where: str) -> list[str]:
    """axe-core's violations on the page as it stands, one line per element."""
    page.evaluate(axe_script)
    result: dict[str, Any] = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    found = []
    for v in result["violations"]:
        for node in v["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            found.append(
                f"{where}: {v['id']} ({v['impact']}) at {' '.join(map(str, node['target']))}: {v['help']}. {summary}"
            )
    return found


def assert_none(found: list[str]) -> None:
    assert not found, f"{len(found)} accessibility violation(s):\n" + "\n".join(found)


@pytest.fixture
def speaking(login: Callable[..., Page]) -> Iterator[Callable[..., Page]]:
    """A signed-in page in a language; the person's stored language is English again afterwards."""
    pages: list[Page] = []

    def sign_in(username: str, language: str, **options: Any) -> Page:
        page = login(username, **options)
        pages.append(page)
        switch(page, language)
        return page

    yield sign_in
    for page in pages:
        switch(page, "en")


def switch(page: Page, language: str) -> None:
    page.wait_for_load_state("load")  # app.js has made the select submit itself
    if page.locator("html").get_attribute("lang") != language:
        page.locator("#lang-select").select_option(language)  # submits itself; the label is translated
        expect(page.locator("html")).to_have_attribute("lang", language)


def visit(page: Page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: {response and response.status}"
    page.wait_for_load_state("load")


def open_dialog(page: Page, dialog_id: str) -> None:
    page.locator(f'[data-open-dialog="{dialog_id}"]').click()
    expect(page.locator(f"dialog#{dialog_id}")).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_seen_before_signing_in(new_context, language):
    page = new_context(locale="ru-RU" if language == "ru" else "en-US").new_page()
    found: list[str] = []
    visit(page, "/login")
    expect(page.locator("html")).to_have_attribute("lang", language)
    found += audit(page, f"{language} /login")
    page.locator("#id_username").fill("initiator")
    page.locator("#id_password").fill("wrong")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("#login-error")).to_be_visible()
    found += audit(page, f"{language} /login (refused)")
    visit(page, f"/regulation?lang={language}")
    found += audit(page, f"{language} /regulation")
    visit(page, "/no-such-page", status=404)
    found += audit(page, f"{language} 404")
    assert_none(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_initiators_pages(speaking, tickets, language):
    page = speaking("initiator", language)
    found: list[str] = []
    for path in ("/my", "/new", "/new/error", "/inbox", "/settings", f"/regulation?lang={language}"):
        visit(page, path)
        if path == "/inbox":  # with the important one among them
            expect(page.locator("#inbox-items .badge.bad").first).to_be_visible()
        found += audit(page, f"{language} initiator {path}")
    visit(page, "/new/request")
    page.locator("#id_category").select_option("hardware")  # out of scope: the hint says where to go
    expect(page.locator("#category-hint .portal-out-of-scope")).to_be_visible()
    expect(page.locator("#submit-note")).not_to_be_empty()  # and the line by the button what filing does
    found += audit(page, f"{language} initiator /new/request (out of scope chosen)")
    page.locator("#id_subject").fill("The printer on the third floor jams")
    page.locator("#id_f_kind").select_option("other")
    page.locator("form.portal-form button[type=submit]").click()  # filed, and declined at once
    expect(page.locator(".msg.warning")).to_be_visible()
    found += audit(page, f"{language} initiator {page.url} (declined at once)")
    visit(page, "/new/error")
    page.locator("form.portal-form button[type=submit]").click()  # nothing filled in: every error shown
    expect(page.locator("#problems")).to_be_visible()
    found += audit(page, f"{language} initiator /new/error (refused)")
    path = f"/requests/{tickets['asked']}"
    visit(page, path)
    found += audit(page, f"{language} initiator {path}")
    open_dialog(page, "t-provide")
    found += audit(page, f"{language} initiator {path} (dialog open)")
    visit(page, "/requests/ERR-999999", status=404)
    found += audit(page, f"{language} initiator 404")
    visit(page, "/settings")
    page.locator("#id_quiet_start").fill("22:00")  # one end of the quiet hours only: refused
    page.locator("form.settings button[type=submit]").click()
    expect(page.locator("#id_quiet_end")).to_have_attribute("aria-invalid", "true")
    found += audit(page, f"{language} initiator /settings (refused)")
    assert_none(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_agents_pages(speaking, tickets, language):
    page = speaking("agent", language)
    found: list[str] = []
    for path in ("/work", "/work?queue=all", "/work?queue=unassigned", "/my", "/inbox", "/settings"):
        visit(page, path)
        found += audit(page, f"{language} agent {path}")
    path = f"/requests/{tickets['worked']}"
    visit(page, path)
    found += audit(page, f"{language} agent {path}")
    open_dialog(page, "t-resolve")
    found += audit(page, f"{language} agent {path} (dialog open)")
    assert_none(found)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", ["lead", "manager"])
def test_the_supervisors_pages(speaking, tickets, username, language):
    page = speaking(username, language)
    found: list[str] = []
    for path in ("/dashboard", "/work?queue=all"):
        visit(page, path)
        found += audit(page, f"{language} {username} {path}")
    path = f"/requests/{tickets['worked']}"
    visit(page, path)
    open_dialog(page, "reassign")
    found += audit(page, f"{language} {username} {path} (reassign open)")
    assert_none(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_portal_on_a_phone(speaking, tickets, language):
    page = speaking("initiator", language, **PHONE)
    found: list[str] = []
    for path in ("/my", "/new", "/new/error", "/inbox", "/settings"):
        visit(page, path)
        found += audit(page, f"{language} phone {path}")
    path = f"/requests/{tickets['asked']}"
    visit(page, path)
    found += audit(page, f"{language} phone {path}")
    open_dialog(page, "t-provide")
    found += audit(page, f"{language} phone {path} (dialog open)")
    assert_none(found)


# --- the satisfaction question, complaints and the quality report ------------------------------

PHONE_390 = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

# Ivan's requests resolved by Alexei: one still to be rated (the form on its page, its link), one
# rated (its link is spent). Complaints in each state: filed, under review (Olga took it), answered.
# And two for the keyboard's turn: one to rate on its page and complain about, one to rate by its link.
FEEDBACK_SETUP = """
from otklik.accounts.models import User
from otklik.complaints.services import complaint_answer, complaint_file, complaint_take
from otklik.feedback.surveys import survey_answer, survey_for, survey_token
from otklik.workflow import ticket_create, ticket_transition
ivan, alexei, olga = (User.objects.get(username=n) for n in ("initiator", "agent", "manager"))
def resolved(subject):
    t = ticket_create(initiator=ivan, type_code="error", subject=subject, description="Since Monday.",
        category_code="accounting-reports", fields={"steps": "Reports, Build."})
    for code in ("accept", "start"):
        t = ticket_transition(ticket=t, actor=alexei, transition_code=code, version=t.version)
    return ticket_transition(ticket=t, actor=alexei, transition_code="resolve", version=t.version,
        comment="Fixed in the new build.")
to_rate, rated, disputed = (resolved(s) for s in ("The audit report is empty", "The VAT report is slow",
    "The stock report has no totals"))
survey_answer(ticket=rated, actor=ivan, score=2, comment="It took a week.")
filed = complaint_file(author=ivan, ticket=disputed, body="Nobody answered for two days.")
taken = complaint_file(author=ivan, ticket=rated, body="The resolution took a week.")
taken = complaint_take(complaint=taken, actor=olga, version=taken.version)
answered = complaint_file(author=ivan, ticket=to_rate, body="I had to ask twice.")
answered = complaint_take(complaint=answered, actor=olga, version=answered.version)
complaint_answer(complaint=answered, actor=olga, decision="upheld", answer="You are right; we spoke to the group.",
    version=answered.version)
by_keys, by_keys_link = (resolved(s) for s in ("The fixed assets report is empty", "The bank import stops"))
print("FEEDBACK", to_rate.number, rated.number, disputed.number, survey_token(survey_for(to_rate)),
    survey_token(survey_for(rated)), filed.pk, taken.pk, answered.pk, by_keys.number,
    survey_token(survey_for(by_keys_link)))
"""


@pytest.fixture(scope="module")
def feedback(server: Server) -> dict[str, str]:
    line = next(line for line in server.python(FEEDBACK_SETUP).splitlines() if line.startswith("FEEDBACK "))
    keys = ("to_rate", "rated", "disputed", "link", "spent_link", "filed", "taken", "answered", "by_keys", "keys_link")
    return dict(zip(keys, line.split()[1:], strict=True))


def audit_feedback_pages_of_the_initiator(page: Page, feedback: dict[str, str], where: str) -> list[str]:
    found: list[str] = []
    path = f"/requests/{feedback['to_rate']}"
    visit(page, path)
    expect(page.locator("#feedback form")).to_be_visible()
    found += audit(page, f"{where} {path} (the rating form)")
    page.locator("#feedback button[type=submit]").click()  # no score chosen: refused, the error shown
    expect(page.locator("#feedback-score-error")).to_be_visible()
    found += audit(page, f"{where} {path} (rating refused)")
    path = f"/requests/{feedback['rated']}"
    visit(page, path)
    expect(page.locator("#feedback .rating")).to_be_visible()
    found += audit(page, f"{where} {path} (rated)")
    path = f"/requests/{feedback['disputed']}"
    visit(page, path)
    found += audit(page, f"{where} {path} (a complaint filed)")
    visit(page, f"/requests/{feedback['to_rate']}")
    for path in ("/my/complaints", "/complaints/new", f"/complaints/{feedback['answered']}"):
        visit(page, path)
        found += audit(page, f"{where} {path}")
    visit(page, "/complaints/new")
    page.locator("#id_ticket").select_option(index=0)  # his own requests to choose from; none chosen
    page.locator("form.portal-form button[type=submit]").click()  # no text: refused
    expect(page.locator("#error_body")).to_be_visible()
    found += audit(page, f"{where} /complaints/new (refused)")
    visit(page, "/reports/quality", status=403)
    found += audit(page, f"{where} 403")
    visit(page, "/complaints", status=404)  # the managers' list is not his to know of
    found += audit(page, f"{where} 404 (the complaints)")
    return found


def audit_the_complaint_dialog(page: Page, number: str, where: str) -> list[str]:
    """A request of Ivan's without a complaint: its "File a complaint…" dialog."""
    path = f"/requests/{number}"
    visit(page, path)
    open_dialog(page, "complaint-dialog")
    return audit(page, f"{where} {path} (complaint dialog open)")


def anonymous(new_context: Callable[..., Any], server: Server, language: str, **options: Any) -> Page:
    """A page signed in as nobody that has chosen `language` (else the link's page speaks the initiator's)."""
    context = new_context(locale="ru-RU" if language == "ru" else "en-US", **options)
    context.add_cookies([{"name": "django_language", "value": language, "url": server.base_url}])
    return context.new_page()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rating_link_pages(new_context, server, feedback, language):
    page = anonymous(new_context, server, language)
    found: list[str] = []
    path = f"/feedback/{feedback['link']}"
    visit(page, path)
    expect(page.locator("html")).to_have_attribute("lang", language)
    found += audit(page, f"{language} the rating link")
    page.locator("form.card button[type=submit]").click()  # no score chosen: refused with the error
    expect(page.locator("#rate-score-error")).to_be_visible()
    found += audit(page, f"{language} the rating link (refused)")
    visit(page, f"/feedback/{feedback['spent_link']}", status=409)
    found += audit(page, f"{language} the rating link (already rated)")
    visit(page, "/feedback/not-a-token", status=404)
    found += audit(page, f"{language} the rating link (forged)")
    assert_none(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_initiators_feedback_and_complaint_pages(speaking, feedback, tickets, language):
    page = speaking("initiator", language)
    found = audit_feedback_pages_of_the_initiator(page, feedback, f"{language} initiator")
    found += audit_the_complaint_dialog(page, tickets["worked"], f"{language} initiator")
    assert_none(found)


def audit_complaints_of_the_manager(page: Page, feedback: dict[str, str], where: str) -> list[str]:
    found: list[str] = []
    visit(page, "/complaints")
    found += audit(page, f"{where} /complaints")
    page.locator("#id_state").select_option("review")  # the rows are swapped in place
    expect(page.locator("tr[data-complaint]").first).to_be_visible()
    found += audit(page, f"{where} /complaints (filtered)")
    visit(page, "/complaints?filed_from=2026-13-01")
    found += audit(page, f"{where} /complaints (a bad date)")
    for key in ("filed", "answered"):
        path = f"/complaints/{feedback[key]}"
        visit(page, path)
        found += audit(page, f"{where} {path}")
    path = f"/complaints/{feedback['taken']}"
    visit(page, path)
    found += audit(page, f"{where} {path}")
    open_dialog(page, "answer-dialog")
    found += audit(page, f"{where} {path} (answer dialog open)")
    return found


def audit_the_quality_report(page: Page, where: str) -> list[str]:
    found: list[str] = []
    visit(page, "/reports/quality")
    expect(page.locator("svg.chart").first).to_be_visible()
    found += audit(page, f"{where} /reports/quality")
    drill = page.locator("#table-groups td a").first.get_attribute("href")
    assert drill, "the groups' table links no figure to its requests"
    visit(page, drill)
    found += audit(page, f"{where} {drill}")
    visit(page, "/reports/quality?from=2026-02-30", status=400)
    found += audit(page, f"{where} /reports/quality (a bad date)")
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_managers_complaint_and_report_pages(speaking, feedback, language):
    page = speaking("manager", language)
    found = audit_complaints_of_the_manager(page, feedback, f"{language} manager")
    found += audit_the_quality_report(page, f"{language} manager")
    assert_none(found)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", ["lead", "agent"])
def test_the_quality_report_of_the_lead_and_the_agent(speaking, feedback, username, language):
    page = speaking(username, language)
    found = audit_the_quality_report(page, f"{language} {username}")
    if username == "agent":
        path = f"/requests/{feedback['rated']}"  # the rating as the executor sees it
        visit(page, path)
        found += audit(page, f"{language} agent {path}")
    assert_none(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_new_pages_on_a_phone(speaking, new_context, server, feedback, tickets, language):
    page = speaking("initiator", language, **PHONE_390)
    found = audit_feedback_pages_of_the_initiator(page, feedback, f"{language} phone initiator")
    found += audit_the_complaint_dialog(page, tickets["worked"], f"{language} phone initiator")
    manager = speaking("manager", language, **PHONE_390)
    found += audit_complaints_of_the_manager(manager, feedback, f"{language} phone manager")
    found += audit_the_quality_report(manager, f"{language} phone manager")
    stranger = anonymous(new_context, server, language, **PHONE_390)
    visit(stranger, f"/feedback/{feedback['link']}")
    found += audit(stranger, f"{language} phone the rating link")
    assert_none(found)


# --- the keyboard -------------------------------------------------------------------------------

# How an element draws focus: its outline and its shadow.
LOOK = (
    "el => { const s = getComputedStyle(el);"
    " return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' | '); }"
)
# The outline's colour and the colour it is drawn on (the nearest painted background outside it).
RING = r"""el => {
  const s = getComputedStyle(el);
  if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) === 0) return null;
  for (let node = el.parentElement; node; node = node.parentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg !== 'transparent' && !/^rgba\(.*,\s*0\)$/.test(bg)) return [s.outlineColor, bg];
  }
  return [s.outlineColor, 'rgb(255, 255, 255)'];
}"""
DESCRIBE = (
    "el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.classList.length ? '.' + el.classList[0] : '')"
    " + ' ' + (el.innerText || el.value || el.getAttribute('aria-label') || '')"
    ".replace(/\\s+/g, ' ').trim().slice(0, 40)"
)


def luminance(css: str) -> float:
    r, g, b = (int(float(v)) for v in re.findall(r"[\d.]+", css)[:3])

    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def tab_round(page: Page, limit: int = 80) -> tuple[list[str], list[str]]:
    """Tabs from where the focus is until it comes round again (or leaves the page, or `limit`
    presses); the stops, and the stops whose focus could not be seen: the same outline and shadow
    as without the focus, or an outline under 3:1 against what it is drawn on (WCAG 1.4.11)."""
    stops: list[str] = []
    unseen: list[str] = []
    previous = None
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        name = focused.evaluate(DESCRIBE)
        if focused.evaluate("el => el === document.body") or (stops and name == stops[0]):
            break
        if previous is not None:
            settle(previous, unseen)
        look = focused.evaluate(LOOK)
        ring = focused.evaluate(RING)
        if ring and contrast(*ring) < 3:
            unseen.append(f"{name}: outline {ring[0]} on {ring[1]} is {contrast(*ring):.2f}:1")
        stops.append(name)
        previous = (name, look, focused)
    if previous is not None:
        page.locator("h1").click()  # the last stop loses the focus too
        settle(previous, unseen)
    return stops, unseen


def settle(previous: tuple[str, str, Any], unseen: list[str]) -> None:
    name, look, handle = previous
    if handle.evaluate(LOOK) == look:
        unseen.append(f"{name}: looks the same with and without the focus ({look})")


def test_tab_shows_where_the_focus_is_on_a_request_page(speaking, tickets):
    page = speaking("agent", "en")
    visit(page, f"/requests/{tickets['worked']}")
    stops, unseen = tab_round(page)
    # Everything one uses on the page is on the way: the frame, the actions, the reply, the side.
    for wanted in (
        "a.skip",
        "a.bell",
        "select#lang-select",
        "button.link Sign out",
        "button Resolve…",
        "summary Keyboard shortcuts",
        "textarea#reply-body",
        "input#reply-internal",
        "input#watcher-user",
        "input#attach-file",
        "a Service regulation",
    ):
        assert any(s.startswith(wanted) for s in stops), f"Tab never reached {wanted}; the stops: {stops}"
    assert not unseen, "the focus cannot be seen on:\n" + "\n".join(unseen)

    # The transition dialog from the keyboard: it opens on its comment; its buttons follow;
    # Escape gives the focus back to the button that opened it.
    page.locator('[data-open-dialog="t-resolve"]').focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Resolve")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Comment")).to_be_focused()
    for step, wanted in enumerate(("textarea#t-resolve-comment", "button Resolve", "button.secondary Cancel")):
        if step:
            page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        name = focused.evaluate(DESCRIBE)
        assert name.startswith(wanted), f"expected {wanted}, the focus is on {name}"
        ring = focused.evaluate(RING)
        assert ring and contrast(*ring) >= 3, f"{name}: no outline to be seen in the dialog ({ring})"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator('[data-open-dialog="t-resolve"]')).to_be_focused()


# The focus ring of what has the focus: a score's radio button is hidden, its label shows the ring.
FOCUSED = "() => { const el = document.activeElement; return el.matches('.score-choice input') ? el.labels[0] : el; }"


def ring_seen(page: Page) -> str:
    """The focused element, after checking that its ring can be seen (3:1 against what is around it)."""
    shown = page.evaluate_handle(FOCUSED)
    name = page.evaluate_handle("document.activeElement").evaluate(DESCRIBE)
    ring = shown.evaluate(RING)
    assert ring and contrast(*ring) >= 3, f"{page.url}: the focus on {name} cannot be seen ({ring})"
    return name


def tab_to(page: Page, wanted: str, limit: int = 120) -> None:
    """Tab until the focus is on the element `wanted` (a CSS selector), every stop on the way showing it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring_seen(page)
        if page.evaluate("sel => document.activeElement.matches(sel)", wanted):
            return
    raise AssertionError(f"{page.url}: Tab never reached {wanted}")


def rate_by_keys(page: Page, prefix: str) -> None:
    """The score by arrow keys (from 1 to 4), a comment, the button: nothing but keys."""
    tab_to(page, f"#{prefix}-score-1")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator(f"#{prefix}-score-4")).to_be_checked()
    expect(page.locator(f"#{prefix}-score-4")).to_be_focused()
    ring_seen(page)
    page.keyboard.press("Tab")
    expect(page.locator(f"#{prefix}-comment")).to_be_focused()
    page.keyboard.type("Typed without a mouse.")
    tab_to(page, "button[type=submit]", limit=3)
    page.keyboard.press("Enter")


def test_the_rating_and_complaint_forms_by_keyboard_only(speaking, new_context, server, feedback):
    ivan = speaking("initiator", "en")
    path = f"/requests/{feedback['by_keys']}"
    visit(ivan, path)
    rate_by_keys(ivan, "feedback")
    expect(ivan.locator("#feedback .rating")).to_have_text("4 of 5")

    # The complaint: its button, the dialog open on its text, the button that files it.
    tab_to(ivan, '[data-open-dialog="complaint-dialog"]')
    ivan.keyboard.press("Enter")
    dialog = ivan.get_by_role("dialog", name="File a complaint")
    expect(dialog.get_by_label("What is wrong with how the request was handled?")).to_be_focused()
    ring_seen(ivan)
    ivan.keyboard.type("Filed from the keyboard.")
    ivan.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="File the complaint")).to_be_focused()
    ring_seen(ivan)
    ivan.keyboard.press("Enter")
    expect(ivan).to_have_url(re.compile(r"/complaints/\d+$"))
    complaint = ivan.url.rsplit("/", 1)[1]

    # A complaint about the regulation, on its own page.
    visit(ivan, "/complaints/new")
    tab_to(ivan, "#id_body")
    ivan.keyboard.type("The support line did not answer during working hours.")
    tab_to(ivan, "#id_ticket", limit=3)
    tab_to(ivan, "form.portal-form button[type=submit]", limit=3)
    ivan.keyboard.press("Enter")
    expect(ivan).to_have_url(re.compile(r"/complaints/\d+$"))

    # The rating link's page, signed in as nobody.
    stranger = anonymous(new_context, server, "en")
    visit(stranger, f"/feedback/{feedback['keys_link']}")
    rate_by_keys(stranger, "rate")
    expect(stranger.locator("#feedback-result")).to_contain_text("4 of 5")

    # Olga takes the complaint under review and answers it: a decision by Space, the text, the button.
    olga = speaking("manager", "en")
    visit(olga, f"/complaints/{complaint}")
    tab_to(olga, "#actions button[type=submit]")
    olga.keyboard.press("Enter")
    expect(olga.locator(".ticket-head [data-state]")).to_have_attribute("data-state", "review")
    tab_to(olga, '[data-open-dialog="answer-dialog"]')
    olga.keyboard.press("Enter")
    expect(olga.locator("#decision-upheld")).to_be_focused()
    olga.keyboard.press("Space")
    expect(olga.locator("#decision-upheld")).to_be_checked()
    ring_seen(olga)
    olga.keyboard.press("Tab")
    expect(olga.locator("#answer-text")).to_be_focused()
    olga.keyboard.type("Answered from the keyboard.")
    tab_to(olga, "#answer-dialog button[type=submit]", limit=2)
    olga.keyboard.press("Enter")
    expect(olga.locator(".ticket-head [data-state]")).to_have_attribute("data-state", "upheld")
