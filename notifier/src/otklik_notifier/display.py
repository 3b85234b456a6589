"""Showing a notification: on the desktop (desktop-notifier: D-Bus on Linux, the Notification Center
on macOS, toasts on Windows), a click opening the request and marking it read; else in the terminal.
Times are shown in the person's time zone (from their profile on the server)."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import os
import subprocess
import sys
import threading
import webbrowser
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TextIO, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

log = logging.getLogger("otklik_notifier")
T = TypeVar("T")


def local_time(value: str, zone: str) -> str:
    """The server's ISO time in the person's zone, as "07.12.2026 13:05"; as given if unreadable."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    try:
        moment = moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        moment = moment.astimezone()  # the computer's own zone
    return moment.strftime("%d.%m.%Y %H:%M")


class Terminal:
    """The fallback: each notification printed, with its link (terminals make it clickable)."""

    kind = "terminal"

    def __init__(self, zone: str, out: TextIO | None = None) -> None:
        self.zone = zone
        self.out = out or sys.stdout

    def show(self, n: dict[str, Any]) -> None:
        when = local_time(n.get("created_at", ""), self.zone)
        self.out.write(f"[{when}] {n['subject']}\n{n['body']}\n{n['link']}\n\n")
        self.out.flush()

    def close(self) -> None:
        pass


class Desktop:
    """desktop-notifier on an asyncio loop of its own (a thread): clicks arrive there."""

    kind = "desktop"

    def __init__(self, zone: str, on_click: Callable[[dict[str, Any]], None]) -> None:
        self.zone = zone
        self.on_click = on_click
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="otklik-notifier-desktop", daemon=True)
        self.thread.start()
        self.notifier = self._run(self._make())

    async def _make(self) -> DesktopNotifier:
        from desktop_notifier import DesktopNotifier

        return DesktopNotifier(app_name="Otklik")  # made on its loop: the D-Bus connection lives there

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def show(self, n: dict[str, Any]) -> None:
        from desktop_notifier import Urgency

        urgency = Urgency.Critical if n.get("importance") == "critical" else Urgency.Normal
        when = local_time(n.get("created_at", ""), self.zone)
        message = f"{n['body']}\n{when}".strip()
        if sys.platform.startswith("linux"):
            message = html.escape(message, quote=False)  # notification servers read the body as markup

        def clicked() -> None:
            self.loop.run_in_executor(None, self.on_click, n)

        self._run(self.notifier.send(title=n["subject"], message=message, urgency=urgency, on_clicked=clicked))

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


class AppleScript(Terminal):
    """macOS outside an application bundle: `display notification` through osascript (no clicks,
    so the link is printed too)."""

    kind = "osascript"

    def show(self, n: dict[str, Any]) -> None:
        super().show(n)

        def quoted(text: str) -> str:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

        when = local_time(n.get("created_at", ""), self.zone)
        script = f"display notification {quoted(str(n['body'])[:200])} with title {quoted(str(n['subject']))} "
        script += f"subtitle {quoted(when)}"
        subprocess.run(["osascript", "-e", script], check=False, capture_output=True, timeout=10)  # noqa: S603, S607


def desktop_available() -> str | None:
    """Why desktop notifications cannot be shown here, or None when they can."""
    try:
        from desktop_notifier.main import get_backend_class
    except ImportError:
        return "desktop-notifier is not installed"
    backend = get_backend_class().__name__
    if backend == "DummyNotificationCenter":
        return "this system offers desktop-notifier no notification centre"
    if sys.platform.startswith("linux"):
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
        return _dbus_notifications()
    return None


def _dbus_notifications() -> str | None:
    """Whether a notification server answers on the session bus (a desktop without one drops them)."""

    async def ask() -> None:
        from dbus_fast.aio import MessageBus

        bus = await MessageBus().connect()
        try:
            await bus.introspect("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
        finally:
            bus.disconnect()

    try:
        asyncio.run(asyncio.wait_for(ask(), 5))
    except Exception as exc:
        return f"no notification server on the session bus ({type(exc).__name__})"
    return None


def open_link(n: dict[str, Any]) -> None:
    link = str(n.get("link") or "")
    if link.startswith(("http://", "https://")):
        webbrowser.open(link)
