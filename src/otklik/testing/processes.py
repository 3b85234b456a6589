"""Real `otklik worker` processes against the test database (PostgreSQL), each logging to its own
file, for the tests that check what several workers, or a killed one, do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

STOP_SECONDS = 30


class WorkerProcesses:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.ended: set[str] = set()  # stopped or killed on purpose

    def start(self, name: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """A worker named `name` (its PostgreSQL application_name too), with `env` on top."""
        db = connection.settings_dict
        auth = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}?application_name={name}"
        full = {
            **os.environ,
            "DATABASE_URL": url,
            "OTKLIK_DATA_DIR": str(self.log_dir),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        log = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "otklik", "worker"], env=full, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()  # the child holds its own copy
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"----- {name} -----\n{self.log(name)}" for name in self.procs)

    def died(self) -> dict[str, int | None]:
        """Workers that ended without being told to."""
        return {n: p.returncode for n, p in self.procs.items() if n not in self.ended and p.poll() is not None}

    def stop(self, name: str) -> None:
        self.ended.add(name)
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=STOP_SECONDS)
        assert proc.returncode == 0, f"{name} exited with {proc.returncode}\n{self.logs()}"
        assert "worker: stopped" in self.log(name), self.logs()

    def kill(self, name: str) -> None:
        self.ended.add(name)
        proc = self.procs[name]
        proc.kill()
        proc.wait(timeout=STOP_SECONDS)
        assert proc.returncode == -signal.SIGKILL

    def __enter__(self) -> WorkerProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()
        print(self.logs())  # pytest shows it only when the test fails

    def cleanup(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=STOP_SECONDS)
