"""`otklik serve`: migrate, then run the web server, one worker and the live stream, each a
supervised child, from a thin process that imports no Django (its memory is the interpreter's own,
about 15 MB, where a Django-loaded supervisor held some 90 MB for nothing; issue 15).

The web server is gunicorn with sync workers (WSGI): on this 2-core machine it serves 1.5–2×
the requests of uvicorn running Django's ASGI handler, which spends a thread hop and a new
thread on every synchronous request (bench/README.md has the figures). Server-Sent Events
(`/api/v1/notifications/stream`) would hold a sync worker each for as long as they are open, so
they have an ASGI process of their own: uvicorn on `--stream-addr` (the web port + 1), to which
the web server redirects that path (otklik.api.stream). Migrations run in a child (`otklik
migrate`) before the others start.

`otklik serve` reaches `main` before Django is set up (otklik.__main__), so it is no Django
management command (`otklik help` does not list it; `otklik serve --help` says its options).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

RESTART_BACKOFF_MAX = 30.0


class ServeError(Exception):
    """A bad argument or a busy address: said in one line, exit status 2."""


@dataclass(frozen=True)
class Child:
    command: list[str]
    env: dict[str, str]


def parse_addr(value: str, option: str = "--addr") -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ServeError(f"{option} {value!r} is not HOST:PORT (for example 127.0.0.1:8000)")
    return host.strip("[]"), int(port)


def join_addr(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def ensure_free(host: str, port: int, hint: str = "Choose another with --addr HOST:PORT or OTKLIK_ADDR") -> None:
    """Refuse at once, naming the address, when something already listens there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ServeError(
                f"cannot listen on {host}:{port} ({exc.strerror}); another program uses it? {hint}"
            ) from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="otklik serve",
        description=(
            "Migrate, then run the web server (gunicorn), one worker and the live stream (uvicorn), supervised; "
            "Ctrl-C stops them all."
        ),
    )
    p.add_argument("--addr", default=os.environ.get("OTKLIK_ADDR", "127.0.0.1:8000"))
    p.add_argument("--no-worker", action="store_true", help="run no worker")
    p.add_argument(
        "--stream-addr",
        default=os.environ.get("OTKLIK_STREAM_ADDR", ""),
        help="where the live stream (Server-Sent Events) listens (default: the web port + 1)",
    )
    p.add_argument(
        "--no-stream", action="store_true", help="run no stream process (the web server still redirects to it)"
    )
    p.add_argument(
        "--web-workers",
        default=os.environ.get("OTKLIK_WEB_WORKERS", "1"),
        help="web server processes (use 2 or more with PostgreSQL)",
    )
    p.add_argument("--no-migrate", action="store_true")
    p.add_argument("--access-log", action="store_true", help="log every request to standard output")
    return p


def children(args: argparse.Namespace) -> dict[str, Child]:
    """The processes to supervise, after checking the arguments and that the addresses are free."""
    host, port = parse_addr(args.addr)
    workers = str(args.web_workers)
    if not workers.isdigit() or int(workers) < 1:
        raise ServeError(f"--web-workers {workers!r} must be a whole number, 1 or more")
    stream_host, stream_port = parse_addr(args.stream_addr or join_addr(host, port + 1), "--stream-addr")
    if not args.no_stream and (stream_host, stream_port) == (host, port):
        raise ServeError("--stream-addr must differ from --addr")
    ensure_free(host, port)
    if not args.no_stream:
        hint = "Choose another with --stream-addr HOST:PORT or OTKLIK_STREAM_ADDR, or run with --no-stream"
        ensure_free(stream_host, stream_port, hint)
    web = [
        *(sys.executable, "-m", "gunicorn", "otklik.wsgi:application", "--bind", join_addr(host, port)),
        *("--workers", workers, "--graceful-timeout", "10", "--timeout", "30"),
        # Loaded once in the master and shared by the workers (runtime/gunicorn_conf.py says why it is safe).
        *("--config", "python:otklik.runtime.gunicorn_conf"),
        *("--access-logfile", "-" if args.access_log else "/dev/null", "--error-logfile", "-"),
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
    out = {"web": Child(web, env)}
    if not args.no_worker:
        out["worker"] = Child([sys.executable, "-m", "otklik", "worker"], env)
    if not args.no_stream:
        stream = [
            *(sys.executable, "-m", "uvicorn", "otklik.asgi_stream:application", "--host", stream_host),
            *("--port", str(stream_port), "--lifespan", "off", "--timeout-graceful-shutdown", "5"),
            *(() if args.access_log else ("--no-access-log",)),
        ]
        # Under ASGI each database call runs in a thread of the moment: a pool makes connections cheap.
        out["stream"] = Child(stream, {**env, "OTKLIK_DB_POOL": os.environ.get("OTKLIK_DB_POOL", "1")})
    return out


def migrate() -> None:
    """`otklik migrate` in a child: the supervisor itself never loads Django."""
    done = subprocess.run([sys.executable, "-m", "otklik", "migrate", "--noinput", "-v", "0"], check=False)
    if done.returncode != 0:
        raise ServeError(f"the database could not be migrated (otklik migrate exited with {done.returncode})")


def supervise(commands: dict[str, Child]) -> None:
    """Start the children and restart any that exits (backing off up to RESTART_BACKOFF_MAX), until
    SIGINT or SIGTERM; then stop them all, each within 15 s."""
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    procs = {name: subprocess.Popen(c.command, env=c.env) for name, c in commands.items()}  # noqa: S603
    backoff = dict.fromkeys(commands, 1.0)
    try:
        while not stopping:
            time.sleep(0.5)
            for name, proc in list(procs.items()):
                code = proc.poll()
                if code is None or stopping:
                    continue
                say(f"{name} exited with {code}; restarting in {backoff[name]:.0f} s", err=True)
                time.sleep(backoff[name])
                backoff[name] = min(backoff[name] * 2, RESTART_BACKOFF_MAX)
                c = commands[name]
                procs[name] = subprocess.Popen(c.command, env=c.env)  # noqa: S603
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
        say("Otklik stopped.")


def say(line: str, *, err: bool = False) -> None:
    """A line to standard output (or error), flushed: the supervisor's words come before its children's."""
    stream = sys.stderr if err else sys.stdout
    stream.write(line + "\n")
    stream.flush()


def run(args: argparse.Namespace) -> None:
    commands = children(args)
    if not args.no_migrate:
        migrate()
    say(f"Otklik is serving at http://{commands['web'].env['OTKLIK_ADDR']}/ (Ctrl-C stops it)")
    if "stream" in commands:
        say(f"Live notifications: http://{commands['stream'].env['OTKLIK_STREAM_ADDR']}/api/v1/notifications/stream")
    supervise(commands)


def main(argv: Sequence[str]) -> int:
    try:
        run(parser().parse_args(list(argv)))
    except ServeError as exc:
        sys.stderr.write(f"otklik serve: {exc}\n")
        return 2
    return 0
