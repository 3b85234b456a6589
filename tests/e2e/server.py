"""A real Otklik for browsers to drive: `otklik serve` (web, live stream and worker) on free loopback
ports against a fresh SQLite data directory with the demo loaded. Shared by the end-to-end tests
(tests/e2e/conftest.py) and `make screenshots` (scripts/screenshots.py), so it needs no pytest."""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

START_SECONDS = 90
PLAYWRIGHT_MISSING = "Playwright for Python is not installed (pip install -e '.[dev]')"
# Chromium as Debian packages it; these flags keep it quiet and working offline and in containers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Run once the demo is in: an outsider from another organisation (as the tests' personas have),
# and every demo person reading English, the language the tests' labels are written in.
SETUP = """
from otklik.accounts.models import User
from otklik.testing.personas import load_personas
load_personas()
User.objects.update(language={language!r})
"""


def chromium_path() -> str | None:
    """Debian's Chromium (OTKLIK_CHROMIUM may name another), or None when there is none."""
    named = os.environ.get("OTKLIK_CHROMIUM", "").strip()
    if named:
        return named if Path(named).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int, path: str) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None


@dataclass
class Server:
    data: Path
    web_port: int
    stream_port: int
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data / "serve.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def manage(self, *args: str, timeout: float = 120) -> str:
        """An `otklik` command against this server's database; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "otklik", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"otklik {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def start(self, *, language: str = "en") -> Server:
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("demo")
        self.python(SETUP.format(language=language))
        log = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "otklik", "serve", "--no-migrate"),
                *("--addr", f"127.0.0.1:{self.web_port}", "--stream-addr", f"127.0.0.1:{self.stream_port}"),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal reaches pytest, which stops it in order
        )
        log.close()
        deadline = time.monotonic() + START_SECONDS
        for port in (self.web_port, self.stream_port):
            while _answers(port, "/api/v1/health") != 200:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"otklik serve did not come up on {port}:\n{self.output()}")
                time.sleep(0.2)
        while "worker: started" not in self.output():  # notifications need the worker to be delivered
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the worker did not start:\n{self.output()}")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def make_server(data: Path) -> Server:
    """A server (not started yet) with its own data directory and ports."""
    web, stream = free_port(), free_port()
    env = {
        **os.environ,
        "OTKLIK_DATA_DIR": str(data),
        # Links in notifications and the stream's address must match the ports chosen here.
        "OTKLIK_BASE_URL": f"http://127.0.0.1:{web}",
        "OTKLIK_STREAM_URL": f"http://127.0.0.1:{stream}",
        "OTKLIK_ADDR": f"127.0.0.1:{web}",
        "OTKLIK_STREAM_ADDR": f"127.0.0.1:{stream}",
        "OTKLIK_SECRET_KEY": secrets.token_urlsafe(40),
        # Prompt deliveries, so "live" is measured in fractions of a second.
        "OTKLIK_WORKER_POLL_SECONDS": "0.2",
        "OTKLIK_STREAM_POLL_SECONDS": "0.2",
        "OTKLIK_STREAM_PING_SECONDS": "5",
        # The browser tests share this server: Ivan files more complaints in a run than a person may
        # in a day (5). The cap itself is tested in tests/test_complaint_limits.py.
        "OTKLIK_COMPLAINTS_PER_DAY": "50",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("DATABASE_URL", "OTKLIK_NOW", "OTKLIK_DEBUG", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return Server(data=data, web_port=web, stream_port=stream, env=env)
