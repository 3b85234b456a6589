"""The admin in a browser: the header leads there, the route page shows its diagram, and a new
route gets its points and transitions in one save, the transitions offered the codes just typed."""

from __future__ import annotations

import os
import re

import pytest

from .server import PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect


def test_the_header_leads_to_the_admin_and_the_route_is_drawn(login, tmp_path):
    page = login("admin")
    page.locator("a.admin-link").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto("/admin/routes/route/")
    page.locator("#result_list a", has_text="error").first.click()
    diagram = page.locator("svg.route-diagram")
    expect(diagram).to_be_visible()
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    expect(diagram.locator('g.route-point[data-code="accepted"]')).to_be_visible()
    page.screenshot(path=str(tmp_path / "route.png"), full_page=False)
    if os.environ.get("OTKLIK_SHOTS"):
        diagram.screenshot(path=os.path.join(os.environ["OTKLIK_SHOTS"], "admin-route-diagram.png"))


def test_a_new_route_with_its_transitions_in_one_save(login):
    page = login("admin")
    page.goto("/admin/routes/route/add/")
    page.locator("#id_code").fill("e2e-route")
    page.locator("#id_name_ru").fill("Маршрут")
    page.locator("#id_name_en").fill("Route")
    page.locator("#id_is_active").check()
    rows = [("start", "new", True), ("finish", "closed", False)]
    for i, (code, kind, start) in enumerate(rows):
        page.locator(f"#id_points-{i}-code").fill(code)
        page.locator(f"#id_points-{i}-name_ru").fill(code)
        page.locator(f"#id_points-{i}-name_en").fill(code)
        page.locator(f"#id_points-{i}-kind").select_option(kind)
        if start:
            page.locator(f"#id_points-{i}-is_start").check()
    page.locator("#transitions-group .add-row a").click()
    source = page.locator("#id_transitions-0-source")
    source.focus()
    options = page.locator("#route-point-codes option")
    expect(options).to_have_count(2)  # the codes typed above, before any save
    assert sorted(options.evaluate_all("(os) => os.map((o) => o.value)")) == ["finish", "start"]
    source.fill("start")
    page.locator("#id_transitions-0-target").fill("finish")
    page.locator("#id_transitions-0-code").fill("close")
    page.locator("#id_transitions-0-label_ru").fill("Закрыть")
    page.locator("#id_transitions-0-label_en").fill("Close")
    page.locator("#id_transitions-0-by_manager").check()
    page.locator("input[name=_continue]").click()
    diagram = page.locator("svg.route-diagram")
    expect(diagram).to_be_visible()
    expect(diagram.locator("g.route-point")).to_have_count(2)
    expect(diagram.locator("path.route-transition")).to_have_count(1)


def test_the_week_is_a_grid_and_past_dates_are_folded(login):
    page = login("admin")
    page.goto("/admin/sla/calendar/")
    page.locator("#result_list tbody th a").first.click()
    grid = page.locator("table.week-grid")
    expect(grid).to_be_visible()
    expect(grid.locator("tbody tr")).to_have_count(7)
    expect(grid.locator('input[type="time"]').first).to_be_visible()
    # The past dates are inside a closed <details>: their rows are not shown until it is opened.
    past = page.locator("#days-2-group details")
    expect(past).not_to_have_attribute("open", "")
    if os.environ.get("OTKLIK_SHOTS"):
        grid.screenshot(path=os.path.join(os.environ["OTKLIK_SHOTS"], "admin-week-grid.png"))
