"""The issue's whole journey in browsers side by side: Ivan files an Error through the portal;
Sergei, the first line's lead, receives it and hands it to Alexei; Alexei accepts it, starts and
resolves it; Ivan rejects the resolution; Alexei resolves it again; Ivan confirms. Each side's
bell counts up live while the other acts."""

from __future__ import annotations

import re

import pytest

from .server import PLAYWRIGHT_MISSING

sync_api = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING)
expect, Page = sync_api.expect, sync_api.Page

SUBJECT = "The stock report fails with division by zero"


def unread(page: Page) -> int:
    return int(page.locator("#bell-count").get_attribute("data-count") or 0)


def counts_up(page: Page, before: int) -> int:
    """Waits (without reloading) until the bell shows more than `before`; the new count."""
    page.wait_for_function(
        "n => Number(document.getElementById('bell-count').dataset.count) > n", arg=before, timeout=15_000
    )
    return unread(page)


def act(page: Page, label: str, comment: str | None = None, *, asks: bool = False) -> None:
    """A transition button on the request page; with a comment, or for a step that ends the
    request (it asks first), through its dialog."""
    actions = page.locator("#actions")
    if comment is None and not asks:
        actions.get_by_role("button", name=label, exact=True).click()
    else:
        actions.get_by_role("button", name=f"{label}…").click()
        dialog = page.get_by_role("dialog", name=label)
        if comment is not None:
            dialog.get_by_label(re.compile(r"^Comment")).fill(comment)
        dialog.get_by_role("button", name=label, exact=True).click()
    expect(page.locator("#ticket-alert")).to_have_count(0)


def state(page: Page) -> object:
    return expect(page.locator(".ticket-head"))


def test_error_filed_accepted_resolved_rejected_resolved_confirmed(login):
    ivan = login("initiator")
    alexei = login("agent")

    # Ivan files an Error: the type first, then its form.
    ivan.get_by_role("main").get_by_role("link", name="New request").click()
    ivan.get_by_role("link", name="Error", exact=True).click()
    ivan.get_by_label("Subject").fill(SUBJECT)
    ivan.get_by_label("Description").fill("Reports → Stock → Build: an error dialog.")
    ivan.get_by_label("Steps to reproduce").fill("Open Reports, choose Stock, press Build.")
    ivan.get_by_label("Category").select_option("accounting")
    ivan.get_by_role("button", name="File the request").click()
    expect(ivan).to_have_url(re.compile(r"/requests/ERR-\d{6}$"))
    number = ivan.url.rsplit("/", 1)[1]
    expect(ivan.get_by_role("heading", level=1)).to_contain_text(SUBJECT)

    # The first line's new requests wait in its queue. Sergei, its lead, lands on the dashboard,
    # follows the first line's unassigned figure to the list behind it and hands the Error to Alexei.
    sergei = login("lead")
    expect(sergei.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    first_line = sergei.locator("#dash-groups-table tbody tr", has_text="First-line support")
    first_line.locator('td[data-label="Unassigned"] a').click()
    expect(sergei).to_have_url(re.compile(r"/work\?.*executor=none"))
    sergei.get_by_role("main").get_by_role("link", name=number).click()
    expect(sergei.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    alexei_bell = unread(alexei)
    sergei.locator("#actions").get_by_role("button", name="Reassign…").click()
    dialog = sergei.get_by_role("dialog", name="Reassign")
    dialog.get_by_label("Executor").select_option(label="Алексей Смирнов")
    dialog.get_by_role("button", name="Reassign", exact=True).click()
    expect(sergei.locator("dl.props")).to_contain_text("Алексей Смирнов")
    counts_up(alexei, alexei_bell)  # told at once, without a reload

    # Alexei finds it in his own work, where his requests are.
    alexei.get_by_role("link", name="My work").click()
    expect(alexei.get_by_role("heading", name="My work", level=1)).to_be_visible()
    alexei.get_by_role("main").get_by_role("link", name=number).click()
    expect(alexei.get_by_role("heading", level=1)).to_contain_text(SUBJECT)

    ivan_bell = unread(ivan)
    act(alexei, "Accept")
    state(alexei).to_contain_text("Accepted")
    ivan_bell = counts_up(ivan, ivan_bell)  # Ivan's page was not reloaded
    act(alexei, "Start work")
    state(alexei).to_contain_text("In work")
    ivan_bell = counts_up(ivan, ivan_bell)
    act(alexei, "Resolve", comment="The report's empty warehouses are skipped now.")
    state(alexei).to_contain_text("Resolved")
    ivan_bell = counts_up(ivan, ivan_bell)

    # Ivan is not satisfied.
    ivan.reload()
    state(ivan).to_contain_text("Resolved")
    expect(ivan.get_by_text("The report's empty warehouses are skipped now.")).to_be_visible()
    alexei_bell = unread(alexei)
    act(ivan, "Reject the resolution", comment="Still fails for the Kazan warehouse.")
    state(ivan).to_contain_text("In work")
    alexei_bell = counts_up(alexei, alexei_bell)

    alexei.reload()
    expect(alexei.get_by_text("Still fails for the Kazan warehouse.")).to_be_visible()
    act(alexei, "Resolve", comment="Kazan had a warehouse without a currency; fixed too.")
    state(alexei).to_contain_text("Resolved")
    ivan_bell = counts_up(ivan, ivan_bell)

    # Ivan follows the notification from his inbox to the request and confirms.
    ivan.goto("/inbox")
    ivan.get_by_role("link", name=f"Open request {number}").first.click()
    expect(ivan).to_have_url(re.compile(rf"/requests/{number}$"))
    act(ivan, "Confirm the resolution", asks=True)
    state(ivan).to_contain_text("Confirmed (closed)")
    expect(ivan.locator("#actions").get_by_role("button", name="Reject the resolution…")).to_have_count(0)
    counts_up(alexei, alexei_bell)
