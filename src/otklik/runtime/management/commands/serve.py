"""`otklik serve`: migrate, then run the web server, one worker and the live stream, each a
supervised child.

The web server is gunicorn with sync workers (WSGI): on this 2-core machine it serves 1.5–2×
the requests of uvicorn running Django's ASGI handler, which spends a thread hop and a new
thread on every synchronous request (bench/README.md has the figures). Server-Sent Events
(`/api/v1/notifications/stream`) would hold a sync worker each for as long as they are open, so
they have an ASGI process of their own: uvicorn on `--stream-addr` (the web port + 1), to which
the web server redirects that path (otklik.api.stream).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

RESTART_BACKOFF_MAX = 30.0


def ensure_free(host: str, port: int, hint: str = "Choose another with --addr HOST:PORT or OTKLIK_ADDR") -> None:
    """Refuse at once, naming the address, when something already listens there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {host}:{port} ({exc.strerror}); another program uses it? {hint}"
            ) from None


def parse_addr(value: str, option: str = "--addr") -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"{option} {value!r} is not HOST:PORT (for example 127.0.0.1:8000)")
    return host.strip("[]"), int(port)


def join_addr(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Command(BaseCommand):
    help = (
        "Migrate, then run the web server (gunicorn), one worker and the live stream (uvicorn), supervised; "
        "Ctrl-C stops them all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default=os.environ.get("OTKLIK_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--no-worker", action="store_true", help="run no worker")
        parser.add_argument(
            "--stream-addr",
            default=os.environ.get("OTKLIK_STREAM_ADDR", ""),
            help="where the live stream (Server-Sent Events) listens (default: the web port + 1)",
        )
        parser.add_argument(
            "--no-stream", action="store_true", help="run no stream process (the web server still redirects to it)"
        )
        parser.add_argument(
            "--web-workers",
            type=int,
            default=int(os.environ.get("OTKLIK_WEB_WORKERS", "1")),
            help="web server processes (use 2 or more with PostgreSQL)",
        )
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument("--access-log", action="store_true", help="log every request to standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = parse_addr(options["addr"])
        if options["web_workers"] < 1:
            raise CommandError(f"--web-workers {options['web_workers']} must be 1 or more")
        stream_host, stream_port = parse_addr(options["stream_addr"] or join_addr(host, port + 1), "--stream-addr")
        ensure_free(host, port)
        if not options["no_stream"]:
            if (stream_host, stream_port) == (host, port):
                raise CommandError("--stream-addr must differ from --addr")
            hint = "Choose another with --stream-addr HOST:PORT or OTKLIK_STREAM_ADDR, or run with --no-stream"
            ensure_free(stream_host, stream_port, hint)
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        web = [
            *(sys.executable, "-m", "gunicorn", "otklik.wsgi:application", "--bind", join_addr(host, port)),
            *("--workers", str(options["web_workers"]), "--graceful-timeout", "10", "--timeout", "30"),
            *("--access-logfile", "-" if options["access_log"] else "/dev/null", "--error-logfile", "-"),
            # Rating links' tokens are masked in the access log (otklik.core.logmask).
            *("--logger-class", "otklik.core.gunicorn_logging.MaskingLogger"),
        ]
        # The children agree on where the stream is: the web server redirects there (settings.STREAM_URL).
        env = {
            **os.environ,
            "OTKLIK_ADDR": join_addr(host, port),
            "OTKLIK_STREAM_ADDR": join_addr(stream_host, stream_port),
        }
        # gunicorn's sync workers keep their thread: per-thread persistent connections serve them.
        env.setdefault("OTKLIK_DB_POOL", "0")
        children: dict[str, tuple[list[str], dict[str, str]]] = {"web": (web, env)}
        if not options["no_worker"]:
            children["worker"] = ([sys.executable, "-m", "otklik", "worker"], env)
        if not options["no_stream"]:
            stream = [
                *(sys.executable, "-m", "uvicorn", "otklik.asgi:application", "--host", stream_host),
                *("--port", str(stream_port), "--lifespan", "off", "--timeout-graceful-shutdown", "5"),
                *(() if options["access_log"] else ("--no-access-log",)),
            ]
            # Under ASGI each database call runs in a thread of the moment: a pool makes connections cheap.
            children["stream"] = (stream, {**env, "OTKLIK_DB_POOL": os.environ.get("OTKLIK_DB_POOL", "1")})
        self.stdout.write(f"Otklik is serving at http://{join_addr(host, port)}/ (Ctrl-C stops it)")
        if not options["no_stream"]:
            self.stdout.write(
                f"Live notifications: http://{join_addr(stream_host, stream_port)}/api/v1/notifications/stream"
            )
        self._supervise(children)

    def _supervise(self, commands: dict[str, tuple[list[str], dict[str, str]]]) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        procs = {name: subprocess.Popen(cmd, env=env) for name, (cmd, env) in commands.items()}  # noqa: S603
        backoff = dict.fromkeys(commands, 1.0)
        try:
            while not stopping:
                time.sleep(0.5)
                for name, proc in list(procs.items()):
                    code = proc.poll()
                    if code is None or stopping:
                        continue
                    self.stderr.write(f"{name} exited with {code}; restarting in {backoff[name]:.0f} s")
                    time.sleep(backoff[name])
                    backoff[name] = min(backoff[name] * 2, RESTART_BACKOFF_MAX)
                    cmd, env = commands[name]
                    procs[name] = subprocess.Popen(cmd, env=env)  # noqa: S603
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            self.stdout.write("Otklik stopped.")
