"""`otklik notifier --url URL --token TOKEN [--once]`: the notification reader shipped with the
system. Shows each new in-app notification as a desktop notification where `notify-send` exists,
else prints it; keeps going through server restarts and network errors. `--once` prints what is
unread and exits. Until the live stream (SSE) lands it asks the inbox every `--interval` seconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Show your Otklik notifications as they arrive (desktop notifications or printed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="the Otklik server, e.g. https://helpdesk.example.org")
        parser.add_argument("--token", required=True, help="your API token (otklik token USER)")
        parser.add_argument("--once", action="store_true", help="print what is unread, then exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between checks (default 5)")
        parser.add_argument("--print", dest="force_print", action="store_true", help="print even if notify-send exists")

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["url"].rstrip("/")
        parts = urllib.parse.urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(f"--url {options['url']!r} is not an http(s) address")
        if not 0.5 <= options["interval"] <= 3600:
            raise CommandError(f"--interval {options['interval']} must be between 0.5 and 3600 seconds")
        self.base, self.token = base, options["token"]
        self.desktop = None if options["force_print"] else shutil.which("notify-send")
        if options["once"]:
            try:
                items = self._unread()
            except OSError as exc:
                raise CommandError(f"cannot reach {self.base}: {exc}") from None
            for n in reversed(items):
                self._show(n)
            if not items:
                self.stdout.write("no unread notifications")
            return
        interval = options["interval"]
        seen = max((n["id"] for n in self._unread_until_reached(interval)), default=0)
        while True:
            time.sleep(interval)
            fresh = [n for n in self._unread_until_reached(interval) if n["id"] > seen]
            for n in reversed(fresh):
                self._show(n)
            seen = max([seen, *(n["id"] for n in fresh)])

    def _unread_until_reached(self, interval: float) -> list[dict[str, Any]]:
        """The unread notifications, waiting out a server restart or a network drop (longer each
        time, at most a minute)."""
        delay = interval
        while True:
            try:
                return self._unread()
            except OSError as exc:
                self.stderr.write(f"cannot reach {self.base}: {exc}; trying again")
                time.sleep(delay)
                delay = min(delay * 2, 60.0)

    def _unread(self) -> list[dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            f"{self.base}/api/v1/notifications?unread=true&limit=100",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.loads(response.read().decode("utf-8"))["items"]
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise CommandError(f"the server refused the token ({exc.code}): check --token") from None
            raise OSError(f"HTTP {exc.code}") from None

    def _show(self, n: dict[str, Any]) -> None:
        title, body = n["subject"], n["body"]
        if self.desktop:
            urgency = "critical" if n["importance"] == "critical" else "normal"
            subprocess.run([self.desktop, "-u", urgency, "-a", "Otklik", title, body], check=False)  # noqa: S603
        else:
            self.stdout.write(f"[{n['created_at']}] {title}\n{body}\n{n['link']}\n")
