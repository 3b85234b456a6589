"""The notifier on a Linux desktop: its notifications go over D-Bus to the session's notification
server (org.freedesktop.Notifications), and a click on one opens the request in the browser and
marks it read. The desktop here is a private session bus (Debian's dbus-daemon) with a notification
server made for the test (dbus-fast, as desktop-notifier uses) that records what it is asked to show
and sends the click a person would; the browser is a script that writes down the address it is
given (Python's webbrowser honours $BROWSER).

No `from __future__ import annotations` here: dbus-fast reads the D-Bus signatures from the
methods' annotations as written."""

import asyncio
import os
import select
import shutil
import stat
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("otklik_notifier", reason="pip install -e . (the main distribution includes it)")
dbus_aio = pytest.importorskip("dbus_fast.aio")
dbus_service = pytest.importorskip("dbus_fast.service")

from otklik_notifier import config  # noqa: E402

from otklik.accounts.models import TokenScope  # noqa: E402
from otklik.accounts.services import token_create  # noqa: E402
from otklik.notify.models import Notification  # noqa: E402
from otklik.testing.factories import file_error  # noqa: E402
from otklik.workflow import ticket_comment  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed")


class FakeNotifications(dbus_service.ServiceInterface):
    """Just enough of the Desktop Notifications Specification 1.2."""

    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.shown: list[tuple[int, str, str, str, list[str], int]] = []

    @dbus_service.method()
    def GetCapabilities(self) -> "as":  # noqa: F722
        return ["actions", "body", "body-markup"]

    @dbus_service.method()
    def GetServerInformation(self) -> "ssss":  # noqa: F821
        return ["otklik-test-notifications", "otklik", "1", "1.2"]

    @dbus_service.method()
    def Notify(
        self,
        app_name: "s",  # noqa: F821
        replaces_id: "u",  # noqa: F821
        app_icon: "s",  # noqa: F821
        summary: "s",  # noqa: F821
        body: "s",  # noqa: F821
        actions: "as",  # noqa: F722
        hints: "a{sv}",  # noqa: F722
        expire_timeout: "i",  # noqa: F821
    ) -> "u":  # noqa: F821
        nid = len(self.shown) + 1
        urgency = hints["urgency"].value if "urgency" in hints else -1
        self.shown.append((nid, app_name, summary, body, list(actions), urgency))
        return nid

    @dbus_service.method()
    def CloseNotification(self, nid: "u") -> None:  # noqa: F821
        pass

    @dbus_service.signal()
    def ActionInvoked(self, nid: int, key: str) -> "us":  # noqa: F821
        return [nid, key]

    @dbus_service.signal()
    def NotificationClosed(self, nid: int, reason: int) -> "uu":  # noqa: F821
        return [nid, reason]


@pytest.fixture
def desktop(tmp_path):
    """A private session bus with the fake notification server on it; (address, server, loop)."""
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE, text=True
    )
    address = daemon.stdout.readline().strip()
    assert address.startswith("unix:"), address
    server = FakeNotifications()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def serve() -> None:
        bus = await dbus_aio.MessageBus(bus_address=address).connect()
        bus.export("/org/freedesktop/Notifications", server)
        await bus.request_name("org.freedesktop.Notifications")
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(serve(), loop).result(10)
    assert ready.wait(10)
    try:
        yield address, server, loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        daemon.terminate()
        daemon.wait(10)


def _wait(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.django_db(transaction=True)
def test_a_click_on_the_desktop_notification_opens_the_request_and_marks_it_read(
    desktop, live_server, personas, settings, tmp_path
):
    address, server, loop = desktop
    p = personas
    settings.BASE_URL = live_server.url
    settings.STREAM_URL = "http://127.0.0.1:9"  # no stream process here: it asks the inbox
    _, raw = token_create(user=p.initiator, name="Notifier: test", scope=TokenScope.NOTIFICATIONS)
    conf = tmp_path / "config.json"
    config.save(conf, config.Pairing(live_server.url, raw, "initiator", "Иван", "Asia/Omsk"))
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    t = file_error(p.initiator, subject="Сканер <не> сканирует")

    proc = subprocess.Popen(
        [sys.executable, "-m", "otklik_notifier", "--config", str(conf), "--interval", "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "DBUS_SESSION_BUS_ADDRESS": address, "BROWSER": str(browser)},
    )
    seen = ""
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "asking the inbox" not in seen:
            if select.select([proc.stdout], [], [], 0.2)[0]:
                seen += os.read(proc.stdout.fileno(), 65536).decode()
        assert "asking the inbox" in seen and "printing" not in seen, seen
        time.sleep(1.5)  # its first look: what was there before is not news
        ticket_comment(ticket=t, actor=p.lead, body="Смотрим & чиним")
        assert _wait(lambda: server.shown, 20), seen
        ((nid, app, summary, body, actions, urgency),) = server.shown
        n = Notification.objects.get(recipient=p.initiator, channel="inapp", event="ticket_comment", ticket=t)
        assert (app, summary) == ("Otklik", n.subject)
        assert "Смотрим &amp; чиним" in body  # markup escaped
        assert "default" in actions  # clickable
        assert urgency == (2 if n.importance == "critical" else 1)
        n.refresh_from_db()
        assert n.read_at is None  # shown is not read

        loop.call_soon_threadsafe(server.ActionInvoked, nid, "default")  # the person clicks it
        assert _wait(lambda: opened.exists() and opened.read_text().strip(), 20), seen
        assert opened.read_text().split() == [f"{live_server.url}/requests/{t.number}"]
        assert _wait(lambda: Notification.objects.filter(pk=n.pk, read_at__isnull=False).exists(), 20)
    finally:
        proc.kill()
        proc.communicate(timeout=10)
