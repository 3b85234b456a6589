"""The clarification loop in browsers (issue 14): Alexei takes Ivan's request and asks him a question;
the request waits for Ivan with its resolution clock paused. Ivan answers in the ordinary reply box,
as most people will: the request is back in work, in Alexei's "waiting for my reaction" queue, its
resolution clock running again."""

from __future__ import annotations

import re

import pytest

from .server import PLAYWRIGHT_MISSING

sync_api = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING)
expect, Page = sync_api.expect, sync_api.Page

SUBJECT = "Access to the Contracts section"


def resolution(page: Page) -> object:
    return expect(page.locator(".sla-list li", has_text="Resolution"))


def test_the_initiators_reply_ends_the_wait(login):
    ivan = login("initiator")
    ivan.get_by_role("main").get_by_role("link", name="New request").click()
    ivan.get_by_role("link", name="Request", exact=True).click()
    ivan.get_by_label("Subject").fill(SUBJECT)
    ivan.get_by_label("What is needed").select_option("access")
    ivan.get_by_role("button", name="File the request").click()
    expect(ivan).to_have_url(re.compile(r"/requests/REQ-\d{6}$"))
    number = ivan.url.rsplit("/", 1)[1]

    alexei = login("agent")
    alexei.goto(f"/requests/{number}")
    alexei.locator("#actions").get_by_role("button", name="Take", exact=True).click()
    expect(alexei.locator(".ticket-head")).to_contain_text("In work")
    alexei.locator("#actions").get_by_role("button", name="Ask the initiator…").click()
    dialog = alexei.get_by_role("dialog", name="Ask the initiator")
    dialog.get_by_label("Your question to the initiator").fill("Which contract section do you need?")
    dialog.get_by_role("button", name="Ask the initiator", exact=True).click()
    expect(alexei.locator(".ticket-head")).to_contain_text("Waiting for the initiator")
    resolution(alexei).to_contain_text("paused")
    alexei.goto("/work?queue=waiting")
    expect(alexei.get_by_role("main").get_by_role("link", name=number)).to_have_count(0)

    # Ivan answers in the reply box, not with the "Provide the information" button.
    ivan.reload()
    expect(ivan.locator("#reply-moves-help")).to_contain_text("In work")
    ivan.get_by_label("Your reply").fill("Section 4, the framework contracts.")
    ivan.locator("#reply").get_by_role("button", name="Send").click()
    expect(ivan.get_by_text("Your reply was added. The request is now: In work.")).to_be_visible()
    expect(ivan.locator(".ticket-head")).to_contain_text("In work")
    expect(ivan.get_by_text("Section 4, the framework contracts.")).to_be_visible()

    # Back in Alexei's queue of requests waiting for his reaction, the resolution clock running.
    alexei.goto("/work?queue=waiting")
    alexei.get_by_role("main").get_by_role("link", name=number).click()
    expect(alexei).to_have_url(re.compile(rf"/requests/{number}$"))
    expect(alexei.locator(".ticket-head")).to_contain_text("In work")
    resolution(alexei).to_contain_text("running")
    expect(alexei.get_by_text("Replied: Waiting for the initiator → In work")).to_be_visible()
