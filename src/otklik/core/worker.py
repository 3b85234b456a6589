"""The background worker: runs each job it is given when it is due, stops cleanly on SIGTERM/SIGINT.

Jobs are plain callables that do their own claiming, so several workers may run at once. Which
jobs there are, and how often each runs, is the composition root's (otklik.runtime.jobs).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

from django.db import close_old_connections, connection

from .wakeup import Listener

log = logging.getLogger("otklik.worker")


@dataclass
class Job:
    name: str
    run: Callable[[], int]
    every_seconds: float
    next_at: float = field(default=0.0)
    # Run at once when a committed transaction wakes the workers (new notifications).
    on_wake: bool = False
    # A job that works in bounded slices (returns a positive count while more may be due) is
    # repeated by run_once until it reports nothing, so --once really does all that is due.
    drain: bool = False


class Worker:
    def __init__(self, jobs: list[Job], *, tick_seconds: float | None = None) -> None:
        from django.conf import settings

        self.jobs = jobs
        self.tick_seconds = tick_seconds if tick_seconds is not None else settings.WORKER_POLL_SECONDS
        self.stopping = threading.Event()
        # Written by the stop signal so a worker waiting on its LISTEN connection stops at once
        # (made by run_forever only: run_once needs none).
        self._interrupt: tuple[int, int] | None = None

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("worker: signal %s received, finishing the current job and stopping", signum)
        self.stopping.set()
        if self._interrupt is not None:
            os.write(self._interrupt[1], b"x")

    def run_once(self) -> dict[str, int]:
        """Run every job now; returns how many items each handled."""
        done: dict[str, int] = {}
        for job in self.jobs:
            done[job.name] = count = self._run(job)
            for _ in range(10_000 if job.drain else 0):
                if not count:
                    break
                count = self._run(job)
                done[job.name] += count
        return done

    def _run(self, job: Job) -> int:
        # Between jobs, drop broken or expired connections, but never one that a caller's
        # transaction is using (the tests run jobs inside theirs).
        owns_connection = not connection.in_atomic_block
        if owns_connection:
            close_old_connections()
        try:
            count = job.run()
        except Exception:
            log.exception("worker: job %s failed; it will be tried again", job.name)
            return 0
        finally:
            if owns_connection:
                close_old_connections()
        if count:
            log.info("worker: %s handled %d", job.name, count)
        return count

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        log.info("worker: started with jobs %s", ", ".join(j.name for j in self.jobs) or "(none)")
        listener = Listener()
        self._interrupt = os.pipe()
        try:
            while not self.stopping.is_set():
                moment = time.monotonic()
                for job in self.jobs:
                    if self.stopping.is_set():
                        break
                    if job.next_at <= moment:
                        self._run(job)
                        job.next_at = time.monotonic() + job.every_seconds
                if listener.conn is not None:
                    if listener.wait(self.tick_seconds, interrupt_fd=self._interrupt[0]):
                        for job in self.jobs:
                            if job.on_wake:
                                job.next_at = 0.0
                else:
                    self.stopping.wait(self.tick_seconds)
        finally:
            listener.close()
            for fd in self._interrupt:
                os.close(fd)
            self._interrupt = None
        log.info("worker: stopped")
