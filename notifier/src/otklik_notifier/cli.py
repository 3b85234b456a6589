"""`otklik-notifier`: pair once, then follow.

otklik-notifier pair --url https://helpdesk.example.org   # shows a code; confirm it in the portal
otklik-notifier                                           # shows your notifications as they come
otklik-notifier --once                                    # prints the unread ones, then exits
otklik-notifier forget                                    # removes the pairing from this computer
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import platform
import shutil
import sys
import urllib.parse
import webbrowser
from argparse import SUPPRESS
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__, config
from .display import AppleScript, Desktop, Terminal, desktop_available, local_time, open_link
from .http import Refused, call, check_url, pair
from .stream import Follower, TokenRefused


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="otklik-notifier", description="Your Otklik notifications on the desktop.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config", type=Path, default=None, help="where the pairing is kept (default: your configuration folder)"
    )
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("pair", help="sign in once: confirm the code shown in the portal")
    p.add_argument("--url", required=True, help="the Otklik server, e.g. https://helpdesk.example.org")
    p.add_argument("--device", default=platform.node(), help="a name for this computer (default: its host name)")
    p.add_argument("--no-browser", action="store_true", help="do not open the confirmation page in the browser")
    r = sub.add_parser("run", help="show notifications as they arrive (the default)")
    for target in (parser, r):
        # Given before or after `run`: the subcommand's own defaults must not undo the main ones.
        main = target is parser
        flag: dict[str, Any] = {"action": "store_true"} if main else {"action": "store_true", "default": SUPPRESS}
        target.add_argument("--print", dest="force_print", help="print, not on the desktop", **flag)
        target.add_argument("--once", help="print what is unread, then exit", **flag)
        target.add_argument(
            "--interval",
            type=float,
            default=5.0 if main else SUPPRESS,
            help="seconds between checks without the live stream (default 5)",
        )
    sub.add_parser("forget", help="remove the pairing from this computer (disconnect it in the portal too)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = args.config or config.default_path()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.command == "pair":
        return _pair(path, check_url(args.url), args.device, browser=not args.no_browser)
    if args.command == "forget":
        print("removed" if config.forget(path) else "nothing to remove", path)
        return 0
    return _run(path, once=args.once, force_print=args.force_print, interval=args.interval)


def _pair(path: Path, base: str, device: str, *, browser: bool) -> int:
    def show(info: dict[str, Any]) -> None:
        print(f"Your code: {info['code']}")
        # The page is opened without the code: the person types it, so nobody else's link can
        # pair a notifier with them in one click.
        print(f"Type it, signed in to Otklik, at {info['verify_url']}")
        print(f"It is valid until {local_time(info['expires_at'], '')}. Waiting for the confirmation…", flush=True)
        if browser:
            webbrowser.open(info["verify_url"])

    try:
        paired = pair(base, device=device, show=show)
    except Refused as exc:
        print(f"pairing failed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cannot reach {base}: {exc}", file=sys.stderr)
        return 1
    config.save(path, config.Pairing(base, paired.token, paired.username, paired.name, paired.time_zone))
    print(f"Paired as {paired.name} ({paired.username}). Start it with: otklik-notifier", flush=True)
    print(f"(kept in {path})", flush=True)
    return 0


def _run(path: Path, *, once: bool, force_print: bool, interval: float) -> int:
    pairing = config.load(path)
    if pairing is None:
        print("not paired yet: run  otklik-notifier pair --url https://your-otklik-server", file=sys.stderr)
        return 2
    if not 0.5 <= interval <= 3600:
        print(f"--interval {interval} must be between 0.5 and 3600 seconds", file=sys.stderr)
        return 2
    try:
        me = call("GET", f"{pairing.url}/api/v1/me", token=pairing.token)
    except OSError as exc:
        me = None
        print(f"cannot reach {pairing.url} ({exc}); trying on", file=sys.stderr)
    if me is not None and me.status in (401, 403):
        print("the server no longer accepts this notifier: pair again (otklik-notifier pair)", file=sys.stderr)
        return 1
    if me is not None and me.status == 200 and me.data.get("time_zone"):
        pairing.time_zone = str(me.data["time_zone"])  # the person may have moved since pairing

    def clicked(n: dict[str, Any]) -> None:
        open_link(n)
        read = f"{pairing.url}/api/v1/notifications/{urllib.parse.quote(str(n['id']))}/read"
        with contextlib.suppress(OSError):  # it stays unread: the portal's bell still shows it
            call("POST", read, token=pairing.token)

    why = "asked to print" if force_print or once else desktop_available()
    display: Desktop | Terminal
    if why is None:
        display = Desktop(pairing.time_zone, clicked)
    elif sys.platform == "darwin" and not (force_print or once) and shutil.which("osascript"):
        display = AppleScript(pairing.time_zone)
    else:
        display = Terminal(pairing.time_zone)
        if not once:
            print(f"printing notifications here: {why}", file=sys.stderr, flush=True)
    follower = Follower(pairing.url, pairing.token, _safe(display), interval=interval)
    try:
        if once:
            items = follower.unread()
            for n in reversed(items):
                display.show(n)
            if not items:
                print("no unread notifications")
            return 0
        follower.follow()
    except TokenRefused as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cannot reach {pairing.url}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        display.close()
    return 0


def _safe(display: Desktop | Terminal) -> Callable[[dict[str, Any]], None]:
    """A notification the desktop could not show is printed: the stream goes on."""

    def show(n: dict[str, Any]) -> None:
        try:
            display.show(n)
        except Exception as exc:
            print(f"could not show a desktop notification ({exc!r}):", file=sys.stderr)
            Terminal(getattr(display, "zone", "")).show(n)

    return show


if __name__ == "__main__":
    raise SystemExit(main())
