"""The request page in a browser, as issue 14 found it: a step that ends a request asks first (and
dismissing the question leaves the request as it was), no single key takes such a step, the
shortcuts follow the physical keys under the Russian layout and hide on touch screens, and an open
page learns at once that someone else changed the request, keeping what was being typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from .server import PLAYWRIGHT_MISSING, Server

sync_api = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING)
expect, Page = sync_api.expect, sync_api.Page

# Ivan's new Errors (his one step there: withdrawing), and one Alexei works on.
SETUP = """
from otklik.accounts.models import User
from otklik.workflow import ticket_create, ticket_transition
ivan, alexei = User.objects.get(username="initiator"), User.objects.get(username="agent")
def error(subject):
    return ticket_create(initiator=ivan, type_code="error", subject=subject, description="Since Monday.",
        category_code="accounting", fields={"steps": "Open it."})
fresh = error("The invoice printout is blank")
keys = error("The VAT report shows last year")
worked = error("The warehouse list is empty")
worked = ticket_transition(ticket=worked, actor=alexei, transition_code="accept", version=worked.version)
worked = ticket_transition(ticket=worked, actor=alexei, transition_code="start", version=worked.version)
print("TICKETS", fresh.number, keys.number, worked.number)
"""
CHANGED = "Someone else has changed this request"
# A key as the Russian (ЙЦУКЕН) layout types it: the character it gives and the physical key.
PRESS = (
    "([key, code, shift]) => document.activeElement.dispatchEvent(new KeyboardEvent('keydown',"
    " {key, code, shiftKey: shift, bubbles: true, cancelable: true}))"
)


@pytest.fixture(scope="module")
def tickets(server: Server) -> dict[str, str]:
    line = next(line for line in server.python(SETUP).splitlines() if line.startswith("TICKETS "))
    _, fresh, keys, worked = line.split()
    return {"fresh": fresh, "keys": keys, "worked": worked}


def open_request(page: Page, number: str) -> None:
    page.goto(f"/requests/{number}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)


def state_kind(page: Page) -> str:
    badge = page.locator(".ticket-head .badge[class*='state-']")
    return re.search(r"state-(\w+)", badge.get_attribute("class") or "").group(1)


def test_ending_a_request_asks_first_and_no_key_does_it(login: Callable[..., Page], tickets: dict[str, str]):
    ivan = login("initiator")
    number = tickets["fresh"]
    open_request(ivan, number)
    withdraw = ivan.locator("#actions").get_by_role("button", name="Withdraw…")
    dialog = ivan.get_by_role("dialog", name="Withdraw")

    # `a` goes to the actions and takes none of them: the request is still new.
    ivan.locator("h1").click()
    ivan.keyboard.press("a")
    expect(withdraw).to_be_focused()
    expect(dialog).to_be_hidden()
    open_request(ivan, number)
    assert state_kind(ivan) == "new"
    expect(ivan.locator(".shortcuts")).to_contain_text("go to the actions")

    # Enter on it asks, naming the request and where it would go; Escape leaves it as it was.
    ivan.keyboard.press("a")
    ivan.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(re.compile(rf"Request {number} “The invoice printout is blank” will move to “\w+"))
    ivan.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(withdraw).to_be_focused()
    # The mouse's way out too: Cancel.
    withdraw.click()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    open_request(ivan, number)
    assert state_kind(ivan) == "new"

    # Confirmed, from the keyboard alone: it is withdrawn.
    withdraw.focus()
    ivan.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Withdraw", exact=True).focus()
    ivan.keyboard.press("Enter")
    expect(ivan.locator(".messages")).to_contain_text("Transition “Withdraw” done: the request is now")
    assert state_kind(ivan) == "declined"


def test_an_action_dialog_says_where_the_request_goes_and_who_reads_the_comment(
    login: Callable[..., Page], tickets: dict[str, str]
):
    number = tickets["worked"]
    alexei = login("agent")
    open_request(alexei, number)
    alexei.locator("#actions").get_by_role("button", name="Resolve…").click()
    dialog = alexei.get_by_role("dialog", name="Resolve")
    expect(dialog).to_be_visible()
    # Its description (aria-describedby) is where the request goes; the comment is marked required,
    # the marker is not read out, and the hint under it says the initiator reads it.
    expect(dialog).to_have_accessible_description(re.compile(rf"Request {number} “.+” will move to “Resolved”\."))
    comment = dialog.get_by_role("textbox", name="Comment", exact=True)
    expect(comment).to_have_attribute("required", "")
    expect(dialog.locator("label .req")).to_have_text("*")
    expect(comment).to_have_accessible_description("The initiator will see this comment in the request's history.")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()


def test_shortcuts_follow_the_physical_keys_and_hide_on_touch(
    login: Callable[..., Page], tickets: dict[str, str], server: Server
):
    alexei = login("agent")
    open_request(alexei, tickets["worked"])
    reply = alexei.locator("#reply-body")

    # Under ЙЦУКЕН the key labelled C types "с" (Cyrillic): it still means "reply".
    alexei.locator("h1").click()
    alexei.evaluate(PRESS, ["с", "KeyC", False])
    expect(reply).to_be_focused()
    # While typing nothing is a shortcut: "у" (KeyE) in the reply box is a letter, not "reassign".
    reply.press_sequentially("у")
    alexei.evaluate(PRESS, ["у", "KeyE", False])
    expect(alexei.get_by_role("dialog", name="Reassign")).to_be_hidden()
    expect(reply).to_have_value("у")
    # Out of the field, the same key opens the reassigning dialog.
    alexei.locator("h1").click()
    alexei.evaluate(PRESS, ["у", "KeyE", False])
    expect(alexei.get_by_role("dialog", name="Reassign")).to_be_visible()
    alexei.keyboard.press("Escape")
    # "?" is Shift and the key right of the full stop, which types "," in the Russian layout.
    alexei.locator("h1").click()
    shortcuts = alexei.locator("details.shortcuts")
    expect(shortcuts).not_to_have_attribute("open", "")
    alexei.evaluate(PRESS, [",", "Slash", True])
    expect(shortcuts).to_have_attribute("open", "")
    # And a Latin layout keeps working by its characters.
    alexei.locator("h1").click()
    alexei.keyboard.press("c")
    expect(reply).to_be_focused()

    # On a touch screen there are no keys to list.
    phone: dict[str, Any] = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
    ivan = login("initiator", **phone)
    open_request(ivan, tickets["keys"])
    assert ivan.evaluate("matchMedia('(hover: none), (pointer: coarse)').matches")
    expect(ivan.locator(".shortcuts")).to_be_hidden()


def test_an_open_page_learns_of_others_changes_and_keeps_the_draft(login: Callable[..., Page], tickets: dict[str, str]):
    number = tickets["worked"]
    alexei = login("agent")
    open_request(alexei, number)
    reply = alexei.locator("#reply-body")
    reply.fill("Half of my answer, not sent yet")
    notice = alexei.locator("#live-change")

    # His own change, from another tab, is no news to this page.
    other_tab = alexei.context.new_page()
    open_request(other_tab, number)
    other_tab.locator("#reply-body").fill("A note from the other tab.")
    other_tab.get_by_label("Internal note").check()
    other_tab.get_by_role("button", name="Send", exact=True).click()
    expect(other_tab.locator(".messages")).to_contain_text("The internal note was added.")
    other_tab.close()

    # Someone who may not see the request asks the stream about it: they learn nothing of it.
    outsider = login("outsider")
    outsider.evaluate(
        """number => { window.got = [];
        const source = new EventSource(document.body.dataset.stream + '?ticket=' + number, {withCredentials: true});
        for (const name of ['hello', 'ticket']) source.addEventListener(name, e => window.got.push(name)); }""",
        number,
    )
    outsider.wait_for_function("window.got.includes('hello')")
    # By now the stream has looked many times since the other tab's note (every 0.2 s here).
    expect(notice).not_to_contain_text(CHANGED)

    # Ivan replies: Alexei's page says so at once, without a reload, his text untouched.
    ivan = login("initiator")
    open_request(ivan, number)
    ivan.locator("#reply-body").fill("Any news? The list is still empty.")
    ivan.get_by_role("button", name="Send", exact=True).click()
    expect(ivan.locator(".messages")).to_contain_text("Your reply was added.")
    expect(notice).to_contain_text(CHANGED)
    expect(alexei.locator(".timeline")).not_to_contain_text("Any news?")
    expect(reply).to_have_value("Half of my answer, not sent yet")

    # Showing the changes brings Ivan's reply in and keeps the draft.
    notice.get_by_role("button", name="Show the changes").click()
    expect(alexei.locator(".timeline")).to_contain_text("Any news? The list is still empty.")
    expect(notice).to_contain_text("what you were typing is kept")
    expect(reply).to_have_value("Half of my answer, not sent yet")
    alexei.wait_for_timeout(1000)  # the stream has long passed on both changes by now
    assert "ticket" not in outsider.evaluate("window.got")
    # The page is up to date again: no notice until the next change.
    expect(notice).not_to_contain_text(CHANGED)

    # Sending the kept draft works as ever.
    reply.press("Control+End")
    reply.press_sequentially(", the rest.")
    alexei.get_by_role("button", name="Send", exact=True).click()
    expect(alexei.locator(".messages")).to_contain_text("Your reply was added.")
    expect(alexei.locator(".timeline")).to_contain_text("Half of my answer, not sent yet, the rest.")
