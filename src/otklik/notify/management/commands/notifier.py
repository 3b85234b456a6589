"""`otklik notifier --url URL --token TOKEN [--once]`: the notification reader shipped with the
system. Shows each new in-app notification as a desktop notification where `notify-send` exists,
else prints it. `--once` prints what is unread and exits.

It follows the live stream (`/api/v1/notifications/stream`, Server-Sent Events) with the desktop
notifier's own client (`otklik_notifier.stream.Follower`, shipped with the server: the one copy of
the stream client): the web server's 307 to the stream process is followed with the token (never
from https down to http); when the stream drops it reconnects by itself with `Last-Event-ID` (the
highest id shown) and a growing pause, and shows each notification once however often the server
sends it. Against a server without the stream (404, 501), or when the stream cannot be reached
after the redirect while the web server answers, it asks the inbox every `--interval` seconds
instead, and tries the stream again now and then. Only the standard library is used: the desktop
notifier's heavy dependencies (desktop-notifier) are never imported here.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import urllib.parse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from otklik_notifier.stream import Follower, TokenRefused


class Command(BaseCommand):
    help = "Show your Otklik notifications as they arrive (desktop notifications or printed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="the Otklik server, e.g. https://helpdesk.example.org")
        parser.add_argument("--token", required=True, help="your API token (otklik token USER)")
        parser.add_argument("--once", action="store_true", help="print what is unread, then exit")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between checks without the live stream (default 5)"
        )
        parser.add_argument("--print", dest="force_print", action="store_true", help="print even if notify-send exists")

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["url"].rstrip("/")
        parts = urllib.parse.urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(f"--url {options['url']!r} is not an http(s) address")
        if not 0.5 <= options["interval"] <= 3600:
            raise CommandError(f"--interval {options['interval']} must be between 0.5 and 3600 seconds")
        self.base = base
        self.desktop = None if options["force_print"] else shutil.which("notify-send")
        follower = Follower(base, options["token"], self._show, interval=options["interval"], err=self.stderr)
        try:
            if options["once"]:
                try:
                    items = follower.unread()
                except OSError as exc:
                    raise CommandError(f"cannot reach {self.base}: {exc}") from None
                for n in reversed(items):
                    self._show(n)
                if not items:
                    self.stdout.write("no unread notifications")
                return
            follower.follow()
        except TokenRefused as exc:
            raise CommandError(f"the server refused the token ({exc.status}): check --token") from None

    def _show(self, n: dict[str, Any]) -> None:
        title, body = n["subject"], n["body"]
        if self.desktop:
            urgency = "critical" if n["importance"] == "critical" else "normal"
            # "--": a subject starting with "-" is text, not an option; notification daemons read
            # the body as markup, so <, > and & are escaped.
            argv = [self.desktop, "-u", urgency, "-a", "Otklik", "--", title, html.escape(body, quote=False)]
            subprocess.run(argv, check=False)  # noqa: S603
        else:
            self.stdout.write(f"[{n['created_at']}] {title}\n{body}\n{n['link']}\n")
