"""The calendar admin's weekly grid in a browser: every interval of every day is on screen and can be
typed into, in a narrow window and a wide one, in Russian and in English (the third interval of a
day used to be cut off at the form's right edge, and the grid pushed its own label out on the left);
a day of three intervals is saved and shown back with room for a fourth."""

from __future__ import annotations

import os

import pytest

from .server import PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

# For each of the grid's time inputs and for the field's label: whether it lies inside the form's
# row and the window, left and right (a clipped one does not).
CLIPPED = """() => {
  const grid = document.querySelector('table.week-grid');
  const row = grid.closest('.form-row');
  const box = row.getBoundingClientRect();
  const right = Math.min(box.right, document.documentElement.clientWidth);
  const out = [];
  for (const el of [...grid.querySelectorAll('input[type=time]'), row.querySelector('label')]) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.left < box.left - 0.5 || r.right > right + 0.5) out.push(el.name || el.textContent);
  }
  return out;
}"""


@pytest.fixture
def admin_speaking(server):
    """The admin's language for one test (the server's people speak English otherwise)."""

    def speak(language: str) -> None:
        server.python(
            "from otklik.accounts.models import User\n"
            f"User.objects.filter(username='admin').update(language={language!r})"
        )

    yield speak
    speak("en")


@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
def test_every_interval_of_the_week_is_visible_and_typed_into(new_context, admin_speaking, locale, tmp_path):
    admin_speaking(locale[:2])
    # The browser's own locale too: Chromium draws time inputs by it (24 hours, or AM/PM).
    page = new_context(locale=locale).new_page()
    page.goto("/login")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("admin")
    page.locator("button[type=submit]").click()
    expect(page.locator("a.admin-link")).to_be_visible()
    page.goto("/admin/sla/calendar/add/")
    grid = page.locator("table.week-grid")
    expect(grid).to_be_visible()
    assert grid.locator('input[name$="_mon_2_from"]').count() == 1  # three intervals offered a day
    for width in (1024, 1280, 1600):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate(CLIPPED) == [], (locale, width)
    page.set_viewport_size({"width": 1024, "height": 900})
    code = f"e2e-three-{locale[:2]}"
    page.locator("#id_code").fill(code)
    page.locator("#id_name_ru").fill("Три интервала")
    page.locator("#id_name_en").fill("Three intervals")
    page.locator("#id_time_zone").fill("Europe/Moscow")
    for slot, (start, end) in enumerate([("08:00", "12:00"), ("13:00", "17:00"), ("18:00", "20:00")]):
        page.locator(f'input[name$="_mon_{slot}_from"]').fill(start)
        page.locator(f'input[name$="_mon_{slot}_to"]').fill(end)
    page.locator("input[name=_continue]").click()
    third = page.locator('input[name$="_mon_2_to"]')
    expect(third).to_have_value("20:00")
    expect(page.locator('input[name$="_mon_3_from"]')).to_have_value("")  # a fourth offered
    assert page.evaluate(CLIPPED) == []
    page.screenshot(path=str(tmp_path / "calendar-week.png"), full_page=True)
    if os.environ.get("OTKLIK_SHOTS"):
        grid.screenshot(path=os.path.join(os.environ["OTKLIK_SHOTS"], f"admin-calendar-week-{locale[:2]}.png"))
