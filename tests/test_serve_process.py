"""`otklik serve` as a user runs it: a real process tree that answers HTTP and stops cleanly on Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the process test runs once, on the embedded SQLite database",
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_and_stops_cleanly(tmp_path):
    port, stream_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "OTKLIK_DATA_DIR": str(tmp_path),
        "OTKLIK_STREAM_URL": f"http://127.0.0.1:{stream_port}",
    }
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "otklik", "serve", "--addr", f"127.0.0.1:{port}"),
            *("--stream-addr", f"127.0.0.1:{stream_port}"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as resp:
                    body = resp.read().decode()
            except OSError:
                time.sleep(0.3)
        assert body == '{"status": "ok"}'
        # The migrations ran before serving: the embedded database exists with its tables.
        assert (tmp_path / "otklik.sqlite3").exists()
        # The worker is a separate child and may still be starting when the web answers.
        while time.monotonic() < deadline and not any("worker: started" in line for line in lines):
            time.sleep(0.2)
        # The live stream is the third child: the web server sends clients there, and it asks
        # who is calling.
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"http://127.0.0.1:{port}/api/v1/notifications/stream?x=1", timeout=5)
        assert redirect.value.code == 307
        assert redirect.value.headers["Location"] == f"http://127.0.0.1:{stream_port}/api/v1/notifications/stream?x=1"
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{stream_port}/api/v1/notifications/stream", timeout=5)
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                time.sleep(0.3)
        assert status == 401
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=10)
    out = "".join(lines)
    assert proc.returncode == 0, out
    assert "Otklik stopped." in out
    assert "worker: started" in out and "worker: stopped" in out
