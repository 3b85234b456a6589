"""The demo's development gateway end to end, and the code inputs looking like the site's other
inputs: against a real `otklik serve` loaded by `otklik demo`, Ivan enters his phone on Settings,
the code arrives as one line in the server's log (nothing is sent anywhere), and he confirms the
number with it. The phone, the code and the notifier's pairing code are drawn as the page's other
text inputs are (border, padding, font), and wide enough for what they take."""

from __future__ import annotations

import re
import time

import pytest

from .server import PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

# How an input is drawn: border (width, style, colour), padding, font size, corners.
STYLE = (
    "e => { const s = getComputedStyle(e); return [s.borderTopWidth, s.borderTopStyle, s.borderTopColor,"
    " s.paddingTop, s.paddingLeft, s.fontSize, s.borderRadius]; }"
)


def _looks(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate(STYLE)


def test_ivan_confirms_his_phone_with_the_code_the_demo_writes_to_the_log(server, login):
    page = login("initiator")
    page.goto("/settings")
    reference = _looks(page, "#id_time_zone_other")
    assert _looks(page, "#id_address_sms") == reference
    assert page.locator("#id_address_sms").bounding_box()["width"] >= 200
    page.locator("#id_address_sms").fill("+7 999 555-01-02")
    page.get_by_role("button", name="Save the number").click()
    expect(page.locator("#id_code_sms")).to_be_visible()

    code_input = page.locator("#id_code_sms")
    looks = _looks(page, "#id_code_sms")
    assert looks[:5] == reference[:5] and looks[6] == reference[6], (looks, reference)
    assert code_input.bounding_box()["width"] >= 150

    deadline = time.monotonic() + 30
    found = None
    while time.monotonic() < deadline and found is None:
        found = re.search(r"SMS to \+79995550102: .*?\b(\d{6})\b", server.output())
        time.sleep(0.2)
    assert found, server.output()[-3000:]
    code_input.fill(found.group(1))
    page.locator("#address-sms").get_by_role("button", name="Confirm").click()
    expect(page.locator('#address-sms [data-address-state="confirmed"]')).to_be_visible()

    page.goto("/settings/notifier")
    pair = _looks(page, "#pair-code")
    assert pair[:5] == reference[:5] and pair[6] == reference[6], (pair, reference)
    assert page.locator("#pair-code").bounding_box()["width"] >= 150
    command = page.get_by_test_id("install-command").inner_text()
    assert command == f"pipx install {server.base_url}/notifier/otklik_notifier-0.1.0-py3-none-any.whl"
