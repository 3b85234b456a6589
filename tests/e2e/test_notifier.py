"""Desktop notifications against a real `otklik serve` (web, stream process and worker on loopback):
the installable notifier pairs with a code Olga confirms in Chromium, then follows her live stream
and shows what arrives (printed: the test machine has no desktop session); and the portal itself,
once she turns it on, shows desktop notifications through the browser's Notifications API."""

from __future__ import annotations

import datetime as dt
import os
import re
import select
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import pytest

from .server import PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect
pytest.importorskip("otklik_notifier", reason="pip install -e . (the main distribution includes it)")

CODE = re.compile(r"Your code: ([A-Z]{4}-[A-Z]{4})")


def _notifier(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    return subprocess.Popen(
        [sys.executable, "-m", "otklik_notifier", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )


def _read_until(proc: subprocess.Popen[str], pattern: str, seconds: float, seen: str = "") -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not re.search(pattern, seen):
        if select.select([proc.stdout], [], [], 0.2)[0]:
            chunk = os.read(proc.stdout.fileno(), 65536).decode()
            if not chunk:
                break
            seen += chunk
    return seen


def test_the_notifier_pairs_with_a_code_confirmed_in_the_portal_and_follows_the_stream(server, login, notify, tmp_path):
    server.python(
        "from otklik.accounts.models import User\n"
        "User.objects.filter(username='initiator2').update(time_zone='Asia/Vladivostok')\n"
    )
    conf = tmp_path / "notifier.json"
    pairing = _notifier("--config", str(conf), "pair", "--url", server.base_url, "--no-browser", "--device", "olga-pc")
    try:
        seen = _read_until(pairing, "Waiting for the confirmation", 30)
        code = CODE.search(seen).group(1)
        page = login("initiator2")
        page.goto("/settings/notifier")
        page.get_by_label("Code shown by the notifier").fill(code)
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_test_id("pair-warning")).to_contain_text("olga-pc")
        expect(page.get_by_test_id("pair-code")).to_have_text(code)
        expect(page.get_by_text("Device: olga-pc", exact=False)).to_be_visible()
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_text("The notifier on “olga-pc” is paired with you.")).to_be_visible()
        out, _ = pairing.communicate(timeout=30)
    finally:
        pairing.kill()
    assert pairing.returncode == 0 and "Paired as" in out, seen + out
    page.reload()  # the token is made when the notifier collects it: now it is listed
    expect(page.get_by_text("Notifier on “olga-pc”")).to_be_visible()

    follower = _notifier("--config", str(conf), "--interval", "0.5")
    try:
        seen = _read_until(follower, "live notifications", 30)
        assert "printing notifications here" in seen and "live notifications" in seen, seen
        notify("initiator2", "The notifier's live ping")
        seen = _read_until(follower, "The notifier's live ping", 20, seen)
    finally:
        follower.kill()
        seen += follower.communicate(timeout=10)[0] or ""
    assert seen.count("The notifier's live ping") == 1, seen
    printed = re.search(r"\[(\d\d\.\d\d\.\d{4} \d\d:\d\d)\] The notifier's live ping", seen).group(1)
    shown = dt.datetime.strptime(printed, "%d.%m.%Y %H:%M").replace(tzinfo=ZoneInfo("Asia/Vladivostok"))
    assert abs(dt.datetime.now(dt.UTC) - shown) < dt.timedelta(minutes=3)  # in her zone, not the server's


RECORD = """
window.__shown = [];
(function () {
  var Real = window.Notification;
  if (!Real) return;
  function Recorded(title, options) {
    window.__shown.push({ title: title, body: (options || {}).body, tag: (options || {}).tag });
    return new Real(title, options);
  }
  Object.defineProperty(Recorded, "permission", { get: function () { return Real.permission; } });
  Recorded.requestPermission = function (cb) { return Real.requestPermission(cb); };
  window.Notification = Recorded;
})();
"""


def test_the_portal_shows_desktop_notifications_once_turned_on(login, notify):
    page = login("initiator2", permissions=["notifications"])
    page.context.add_init_script(RECORD)
    page.goto("/settings/notifier")
    box = page.locator("[data-browser-notifications]")
    expect(box.locator("[data-state]")).to_have_text("Desktop notifications from this browser are off.")
    box.get_by_role("button", name="Turn on").click()
    expect(box.locator("[data-state]")).to_contain_text("are on while Otklik is open")
    page.goto("/settings")  # another page: the choice is the browser's, and the stream feeds it
    expect(page.locator("[data-browser-notifications] [data-state]")).to_contain_text("are on")
    page.wait_for_timeout(500)  # the stream's hello
    notify("initiator2", "A browser ping")
    page.wait_for_function("window.__shown.some(function (n) { return n.title === 'A browser ping'; })")
    shown = page.evaluate("window.__shown")
    assert [n["title"] for n in shown] == ["A browser ping"] and shown[0]["tag"].startswith("otklik-")

    page.get_by_role("button", name="Turn off").click()
    expect(page.locator("[data-browser-notifications] [data-state]")).to_contain_text("are off")
    notify("initiator2", "Not shown")
    expect(page.locator("#bell-count")).not_to_have_text("")
    page.wait_for_timeout(1500)
    assert "Not shown" not in [n["title"] for n in page.evaluate("window.__shown")]
