"""End-to-end: Chromium (Debian's, headless) driving a real `otklik serve`. Skipped, saying why,
where Playwright or Chromium is missing (CI installs both), and on the PostgreSQL run of the suite
(like the other process tests, these run once)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import CHROMIUM_ARGS, PLAYWRIGHT_MISSING, Server, chromium_path, make_server

try:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
except ImportError:  # pragma: no cover - the skip below says so
    sync_playwright = None  # type: ignore[assignment]

TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    mine = [item for item in items if str(item.fspath).startswith(here)]
    if not mine:
        return
    reason = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        reason = "the browser tests run once, on the embedded SQLite database"
    elif sync_playwright is None:
        reason = PLAYWRIGHT_MISSING
    elif chromium_path() is None:
        reason = "Chromium is not installed (apt-get install chromium, or set OTKLIK_CHROMIUM)"
    for item in mine:
        # One server per xdist worker: keep the browser tests on one of them (make test uses loadgroup).
        item.add_marker(pytest.mark.xdist_group("e2e"))
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = make_server(tmp_path_factory.mktemp("e2e-data"))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        if os.environ.get("OTKLIK_E2E_LOG"):
            print(srv.output())


# Per module, not per session: while Playwright's sync API is up, its event loop counts as running
# in this thread, and Django refuses database work there (SynchronousOnlyOperation) to whatever
# test this worker runs next.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def new_context(browser: Browser, server: Server) -> Iterator[Callable[..., BrowserContext]]:
    """Browser contexts (separate cookie jars: separate people), closed after the test."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-US")
        options.setdefault("timezone_id", "Europe/Moscow")
        ctx = browser.new_context(base_url=server.base_url, **options)
        ctx.set_default_timeout(TIMEOUT_MS)
        made.append(ctx)
        return ctx

    expect.set_options(timeout=TIMEOUT_MS)
    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture
def login(new_context: Callable[..., BrowserContext]) -> Callable[..., Page]:
    """A page signed in as `username` (the demo's passwords are the user names)."""

    def sign_in(username: str, password: str | None = None, **options: Any) -> Page:
        page = new_context(**options).new_page()
        page.goto("/login")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password or username)
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile(r"/login"))
        return page

    return sign_in


@pytest.fixture
def notify(server: Server) -> Callable[..., None]:
    """Queue an in-app notification for someone as another system would; the worker delivers it."""

    def send(username: str, subject: str, *, ticket: str | None = None) -> None:
        server.python(
            "from otklik.accounts.models import User\n"
            "from otklik.notify.services import notify_enqueue\n"
            f"notify_enqueue(sender=User.objects.get(username='admin'), event='e2e.ping', subject={subject!r},"
            f" text='From the end-to-end tests.', users=[{username!r}], ticket_ref={ticket!r})\n"
        )

    return send
