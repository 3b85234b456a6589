"""`make screenshots`: PNGs of the main pages in Russian and English, for the README.

Starts a real `otklik serve` with the demo (the end-to-end tests' server, tests/e2e/server.py) in a
temporary data directory, writes six weeks of the demo's past work (`otklik demo --history`), moves
a demo request into work and resolves another so the pages have something to show, and photographs
each page with Debian's Chromium into docs/screenshots/<language>/<page>.png.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.server import CHROMIUM_ARGS, Server, chromium_path, make_server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
LANGUAGES = ("ru", "en")
VIEWPORT = {"width": 1280, "height": 800}

# The demo's first error, taken into work by Alexei, with a question, Ivan's answer and an
# internal note: the request page then shows a timeline, an SLA clock and the actions.
STORY = """
from otklik.accounts.models import User
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_comment, ticket_transition

agent, ivan = User.objects.get(username="agent"), User.objects.get(username="initiator")
t = Ticket.objects.get(number="ERR-000001")
if t.point.code == "new":
    t = ticket_transition(ticket=t, actor=agent, transition_code="accept", version=t.version)
    t = ticket_transition(ticket=t, actor=agent, transition_code="start", version=t.version)
    ticket_comment(ticket=t, actor=agent, body="Какой склад выбран в отчёте? / Which warehouse is chosen?")
    ticket_comment(ticket=t, actor=ivan, body="Все склады. / All of them.")
    ticket_comment(ticket=t, actor=agent, body="Похоже на пустой склад «Казань». / Looks like the empty Kazan one.",
                   internal=True)
# The demo's access request, resolved: its initiator is asked to rate it.
lead, maria = User.objects.get(username="lead"), User.objects.get(username="initiator2")
r = Ticket.objects.get(number="REQ-000001")
if r.point.code == "new":
    r = ticket_transition(ticket=r, actor=lead, transition_code="take", version=r.version)
    r = ticket_transition(ticket=r, actor=lead, transition_code="resolve", version=r.version,
                          comment="Доступ выдан. / Access granted.")
"""

_YESTERDAY = dt.date.today() - dt.timedelta(days=1)
_SIX_WEEKS_AGO = dt.date.today() - dt.timedelta(weeks=6)

# (file name, who looks, path)
PAGES = [
    ("portal-home", "initiator", "/my"),
    ("new-request", "initiator", "/new"),
    ("new-request-form", "initiator", "/new/error"),
    ("request-page", "initiator", "/requests/ERR-000001"),
    ("agent-queue", "agent", "/work?queue=all"),
    ("request-in-work", "agent", "/requests/ERR-000001"),
    ("dashboard", "manager", "/dashboard"),
    ("notifications", "agent", "/inbox"),
    ("rating", "initiator2", "/requests/REQ-000001"),
    # The six weeks of the demo's history (`otklik demo --history 6`), to yesterday.
    ("quality-report", "manager", f"/reports/quality?from={_SIX_WEEKS_AGO}&to={_YESTERDAY}"),
    ("complaints", "manager", "/complaints"),
]


def shoot(server: Server, out: Path, languages: tuple[str, ...]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            for language in languages:
                # The people's own language decides the pages' (the browser's only before signing in).
                server.python(f"from otklik.accounts.models import User; User.objects.update(language={language!r})")
                (out / language).mkdir(parents=True, exist_ok=True)
                sessions: dict[str, object] = {}
                for name, username, path in PAGES:
                    if username not in sessions:
                        ctx = browser.new_context(
                            base_url=server.base_url, viewport=VIEWPORT, locale=language, timezone_id="Europe/Moscow"
                        )
                        page = ctx.new_page()
                        page.goto("/login")
                        page.locator("#id_username").fill(username)
                        page.locator("#id_password").fill(username)
                        page.locator("form.card button[type=submit]").click()
                        page.wait_for_url(lambda url: "/login" not in url)
                        sessions[username] = page
                    page = sessions[username]
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    target = out / language / f"{name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
                    print(f"  {target.relative_to(ROOT)}")
                for page in sessions.values():
                    page.context.close()
        finally:
            browser.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go (default: docs/screenshots)")
    parser.add_argument("--language", choices=LANGUAGES, action="append", help="only this language (repeatable)")
    args = parser.parse_args()
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("Playwright for Python is missing: pip install -e '.[dev]'", file=sys.stderr)
        return 1
    if chromium_path() is None:
        print("Chromium is missing: apt-get install chromium (or set OTKLIK_CHROMIUM)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="otklik-screens-") as data:
        server = make_server(Path(data))
        print(f"Starting Otklik with the demo on {server.base_url} …")
        server.start()
        try:
            server.manage("demo", "--history", "6")
            server.python(STORY)
            shoot(server, args.out.resolve(), tuple(args.language or LANGUAGES))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
