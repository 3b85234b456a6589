"""The complaints list on a laptop's screen, in Russian: the table fits the page or scrolls in its
own box, numbers never break, and the target columns say they show deadlines."""

from __future__ import annotations

import os

from playwright.sync_api import expect

LAPTOP = {"viewport": {"width": 1280, "height": 800}}

# A complaint about one of Ivan's requests, so the list has a row with both numbers.
COMPLAINT = """
from otklik.accounts.models import User
from otklik.complaints.services import complaint_file
from otklik.workflow import ticket_create
ivan = User.objects.get(username="initiator")
t = ticket_create(initiator=ivan, type_code="error", subject="The report does not open",
    description="Since Monday.", category_code="accounting-reports", fields={"steps": "Reports, Open."})
print("COMPLAINT", complaint_file(author=ivan, body="No answer for a week.", ticket=t).number)
"""


def test_the_complaints_table_fits_and_keeps_numbers_whole(server, login):
    server.python(COMPLAINT)
    page = login("manager", **LAPTOP)
    page.goto("/complaints")
    page.locator("#lang-select").select_option("ru")
    try:
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        table = page.locator("table.complaints")
        expect(table.locator("tbody tr[data-complaint]").first).to_be_visible()
        if os.environ.get("OTKLIK_SHOTS"):
            page.screenshot(path=os.path.join(os.environ["OTKLIK_SHOTS"], "complaints-1280-ru.png"), full_page=True)
        # The page never scrolls sideways; a wider table would scroll in its own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        box = page.locator(".table-scroll").first
        assert box.evaluate("(b) => b.getBoundingClientRect().right") <= 1280
        # Every column is inside the page (or inside the box, reachable by its scroll).
        last = table.locator("thead th").last
        assert last.evaluate(
            "(th, box) => th.getBoundingClientRect().right"
            " <= box.getBoundingClientRect().right + box.scrollWidth - box.clientWidth + 1",
            box.element_handle(),
        )
        # A number is one line: «CMP-000005», «REQ-000022», not «CMP-/000005».
        numbers = page.locator("table.complaints .number")
        expect(numbers.first).to_be_visible()
        lines = numbers.evaluate_all(
            "(els) => els.map((e) => { const r = document.createRange(); r.selectNodeContents(e);"
            " const tops = new Set(Array.from(r.getClientRects(), (x) => Math.round(x.top))); return tops.size; })"
        )
        assert lines and all(n == 1 for n in lines), lines
        heads = table.locator("thead th").all_inner_texts()
        assert "Срок принятия к рассмотрению" in heads and "Срок ответа автору" in heads, heads
    finally:
        page.locator("#lang-select").select_option("en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
