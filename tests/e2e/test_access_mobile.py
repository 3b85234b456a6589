"""What an outsider sees of someone else's request, and the portal on a phone-width screen (the
rating link, the complaints and the quality report too)."""

from __future__ import annotations

import re

import pytest

from .server import PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide on a 375px screen"


def test_an_outsider_gets_the_not_found_page_for_someone_elses_request(login):
    page = login("outsider")
    response = page.goto("/requests/ERR-000001")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    expect(page.get_by_text("Отчёт по остаткам")).to_have_count(0)  # nothing of the request leaks
    # The same page as for a request that does not exist at all: existence is not given away.
    missing = page.goto("/requests/ERR-999999")
    assert missing is not None and missing.status == 404
    expect(page.get_by_role("heading", name="Not found", level=1)).to_be_visible()
    # Still in the product's frame, with the way back.
    expect(page.get_by_role("link", name="To the start page")).to_be_visible()


def test_the_portal_on_a_phone(login):
    page = login("initiator2", **PHONE)
    expect(page).to_have_url(re.compile(r"/my$"))
    expect(page.get_by_role("heading", name="My requests", level=1)).to_be_visible()
    no_sideways_scroll(page)
    page.get_by_role("main").get_by_role("link", name="New request").click()
    expect(page.get_by_role("heading", name="New request", level=1)).to_be_visible()
    no_sideways_scroll(page)
    page.get_by_role("link", name="Request", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Request")
    no_sideways_scroll(page)
    page.get_by_label("Subject").fill("Access to the contracts archive from my phone")
    page.get_by_label("What is needed").select_option("access")
    page.get_by_label("Category").select_option("access")
    page.get_by_role("button", name="File the request").click()
    expect(page).to_have_url(re.compile(r"/requests/REQ-\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Access to the contracts archive from my phone")
    no_sideways_scroll(page)
    page.goto("/my")
    expect(page.get_by_role("cell", name="Access to the contracts archive from my phone")).to_be_visible()
    no_sideways_scroll(page)


def test_the_notification_centre_and_settings_on_a_phone(login):
    page = login("initiator2", **PHONE)
    for path in ("/inbox", "/settings"):
        page.goto(path)
        no_sideways_scroll(page)
    # The preferences grid scrolls within its box; its boxes are still reachable by label.
    box = page.get_by_label("a new comment: e-mail")
    box.scroll_into_view_if_needed()
    expect(box).to_be_visible()


# Ivan's request resolved by Alexei, with its rating link.
FEEDBACK = """
from otklik.accounts.models import User
from otklik.feedback.surveys import survey_for, survey_token
from otklik.workflow import ticket_create, ticket_transition
ivan, alexei = User.objects.get(username="initiator"), User.objects.get(username="agent")
t = ticket_create(initiator=ivan, type_code="error", subject="The bank statement import stops at the first line",
    description="Since Monday.", category_code="accounting-reports", fields={"steps": "Bank, Import."})
for code in ("accept", "start"):
    t = ticket_transition(ticket=t, actor=alexei, transition_code=code, version=t.version)
t = ticket_transition(ticket=t, actor=alexei, transition_code="resolve", version=t.version, comment="Fixed.")
print("FEEDBACK", t.number, survey_token(survey_for(t)))
"""
PHONE_390 = {**PHONE, "viewport": {"width": 390, "height": 844}}


def narrow_enough(page, width: int = 390) -> None:
    page.wait_for_load_state("load")
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"{page.url} is {scrolled}px wide on a {width}px screen"


def test_the_rating_complaints_and_report_on_a_phone(server, login, new_context):
    line = next(x for x in server.python(FEEDBACK).splitlines() if x.startswith("FEEDBACK "))
    number, token = line.split()[1:]
    stranger = new_context(**PHONE_390).new_page()
    stranger.goto(f"/feedback/{token}")
    expect(stranger.get_by_role("heading", name="Rate the handling of your request", level=1)).to_be_visible()
    narrow_enough(stranger)
    ivan = login("initiator", **PHONE_390)
    ivan.goto(f"/requests/{number}")
    narrow_enough(ivan)
    expect(ivan.get_by_label("5 Very satisfied", exact=True)).to_be_checked(checked=False)
    # The complaint is filed from the phone: its dialog fits the screen.
    ivan.get_by_role("button", name="File a complaint…").click()
    dialog = ivan.get_by_role("dialog", name="File a complaint")
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    dialog.get_by_label("What is wrong with how the request was handled?").fill("A week for a one-line fix.")
    dialog.get_by_role("button", name="File the complaint").click()
    expect(ivan).to_have_url(re.compile(r"/complaints/\d+$"))
    complaint = ivan.url.rsplit("/", 1)[1]
    for path in (f"/complaints/{complaint}", "/my/complaints", "/complaints/new"):
        ivan.goto(path)
        narrow_enough(ivan)
    olga = login("manager", **PHONE_390)
    for path in ("/complaints", f"/complaints/{complaint}", "/reports/quality"):
        olga.goto(path)
        narrow_enough(olga)
    # The report's wide tables scroll in their own boxes, which the keyboard can reach.
    scroller = olga.get_by_role("region", name="Agents side by side")
    expect(scroller).to_have_attribute("tabindex", "0")
    drill = olga.locator("#table-groups td a").first.get_attribute("href")
    olga.goto(drill)
    narrow_enough(olga)
