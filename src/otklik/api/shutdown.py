"""Ending open streams when the server stops: uvicorn waits on SIGTERM/SIGINT for open responses to
finish, and a Server-Sent Events stream never does."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any


def close_on_shutdown(callback: Callable[[], None]) -> None:
    """On SIGTERM/SIGINT call `callback` (which ends the streams at once), then let the server's own
    handler go on. Only in the main thread, where the handlers are."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(signum: int, frame: FrameType | None, previous: Callable[..., Any] = previous) -> None:
            callback()
            previous(signum, frame)

        signal.signal(sig, handler)
