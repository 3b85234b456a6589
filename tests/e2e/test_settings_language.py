"""Settings and the language switch in a browser: every control found by its label, the choice
kept per person, and times shown in the person's zone."""

from __future__ import annotations

import re

import pytest

from .server import PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect


def test_settings_are_saved_by_label_and_mistakes_are_named_next_to_the_field(login):
    page = login("manager")
    page.goto("/settings")
    form = page.get_by_role("main")
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    # A mistake first: quiet hours with one end only.
    form.get_by_label("Quiet hours from").fill("22:00")
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not saved")
    expect(form.get_by_label("Quiet hours until")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_quiet_end_error")).to_contain_text("both ends")

    form.get_by_label("Quiet hours until").fill("07:00")
    form.get_by_label("Time zone", exact=True).select_option("Asia/Vladivostok")
    comment_mail = form.get_by_label("a new comment: e-mail")
    expect(comment_mail).to_be_checked()
    comment_mail.uncheck()
    escalation = form.get_by_label("a deadline was missed (escalation): in-app")
    expect(escalation).to_be_disabled()
    expect(escalation).to_be_checked()
    form.get_by_label("Digest", exact=True).select_option("daily")
    form.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(form.get_by_label("Time zone", exact=True)).to_have_value("Asia/Vladivostok")
    expect(form.get_by_label("a new comment: e-mail")).not_to_be_checked()
    expect(form.get_by_label("Quiet hours until")).to_have_value("07:00")
    expect(form.get_by_label("Digest", exact=True)).to_have_value("daily")

    # A zone typed in by hand: typing picks "Other" in the list.
    form.get_by_label("Other time zone").fill("America/Sao_Paulo")
    expect(form.get_by_label("Time zone", exact=True)).to_have_value("other")
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(form.get_by_label("Other time zone")).to_have_value("America/Sao_Paulo")
    form.get_by_label("Time zone", exact=True).select_option("Europe/Moscow")
    expect(form.get_by_label("Other time zone")).to_have_value("")
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()


def test_the_language_switch_is_kept_for_the_person(login, new_context):
    page = login("lead")
    page.goto("/inbox")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("ru")  # submits itself
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page).to_have_url(re.compile(r"/inbox$"))  # back where the switch was made
    expect(page.get_by_role("heading", level=1)).to_have_text("Уведомления")
    # Stored for the person: another browser that prefers English still gets Russian.
    again = login("lead")
    again.goto("/inbox")
    expect(again.locator("html")).to_have_attribute("lang", "ru")
    again.locator("#lang-select").select_option("en")
    expect(again.locator("html")).to_have_attribute("lang", "en")
    expect(again.get_by_role("heading", level=1)).to_have_text("Notifications")

    # Before signing in, the switch works too (a cookie keeps it).
    guest = new_context().new_page()
    guest.goto("/login")
    expect(guest.locator("html")).to_have_attribute("lang", "en")
    guest.get_by_label("Language").select_option("ru")
    expect(guest.locator("html")).to_have_attribute("lang", "ru")
    expect(guest).to_have_url(re.compile(r"/login"))
    guest.reload()
    expect(guest.locator("html")).to_have_attribute("lang", "ru")
