"""The notification centre in a browser: a notification another system queues reaches Ivan's bell
and his open inbox without a reload; marking it read moves the bell back."""

from __future__ import annotations

import re

import pytest

from .server import PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect


def count(page) -> int:
    return int(page.locator("#bell-count").get_attribute("data-count") or 0)


def test_new_notifications_arrive_live_and_marking_read_moves_the_bell(login, notify):
    inbox = login("initiator")
    inbox.goto("/inbox")
    expect(inbox.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    other = inbox.context.new_page()  # another tab on another page: its bell follows too
    other.goto("/settings")
    before = count(inbox)

    notify("initiator", "The ERP has a new invoice for you")
    expect(inbox.locator("#bell-count")).to_have_text(str(before + 1))
    expect(other.locator("#bell-count")).to_have_text(str(before + 1))
    item = inbox.get_by_role("listitem").filter(has_text="The ERP has a new invoice for you")
    expect(item).to_be_visible()
    expect(item.get_by_text("Unread")).to_be_visible()  # said in words, not only in colour
    # On top of the list, newest first.
    expect(inbox.locator("#inbox-items > li").first).to_contain_text("The ERP has a new invoice for you")

    notify("initiator", "A second one")
    expect(inbox.locator("#bell-count")).to_have_text(str(before + 2))
    expect(inbox.locator("#inbox-items > li").first).to_contain_text("A second one")
    expect(inbox.locator("#inbox-items > li").filter(has_text="A second one")).to_have_count(1)

    item.get_by_role("button", name=re.compile("Mark read")).click()
    expect(item.get_by_text("Unread")).to_have_count(0)
    expect(item.get_by_role("button", name=re.compile("Mark read"))).to_have_count(0)
    expect(inbox.locator("#bell-count")).to_have_attribute("data-count", str(before + 1))

    inbox.get_by_role("button", name="Mark all read").click()
    expect(inbox.get_by_text("All notifications are marked read.")).to_be_visible()
    expect(inbox.locator("#bell-count")).to_have_attribute("data-count", "0")
    expect(inbox.locator("#bell-count")).to_have_text("")
    expect(inbox.get_by_text("Unread", exact=True)).to_have_count(0)
