"""What an outsider sees of someone else's request, and the portal on a phone-width screen."""

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
