"""Closed-loop API load over loopback against the production set-up (issue 2).

    python bench/api.py [--seconds 20] [--concurrency 8] [--database-url URL] [--url URL]

Unless --url is given, starts `otklik serve --no-worker --web-workers 2` on a free loopback
port (DATABASE_URL as given, OTKLIK_DATA_DIR a temporary directory), waits for
/api/v1/health, creates API tokens for a few demo users in-process, then runs the scenarios
one after another: each client thread holds one keep-alive connection and sends its next
request as soon as the previous answer has arrived. Prints a table and writes JSON to
bench/results/api-<timestamp>.json; stops the server (SIGTERM, then waits) at the end.
The database must have been seeded first (bench/seed.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"
SCENARIOS = ("create", "list", "list_sla", "detail", "page_request", "page_work", "page_portal")
# Issue 15: the pages people work in, over HTTP as the API (a signed-in browser's session cookie).
PAGE_SCENARIOS = ("page_request", "page_work", "page_portal")
# Issue 2's targets: (scenario, metric, bound).
TARGETS: dict[str, tuple[str, float, str]] = {
    "create": ("p99_ms", 50.0, "≥ 400 req/s, p99 ≤ 50 ms"),
    "list": ("p95_ms", 30.0, "p95 ≤ 30 ms"),
    # Issue 3: the SLA filters answer from the request's indexed SLA columns.
    "list_sla": ("p95_ms", 30.0, "p95 ≤ 30 ms"),
    "detail": ("p95_ms", 30.0, "p95 ≤ 30 ms"),
    "page_request": ("p95_ms", 50.0, "≥ 250 req/s, p95 ≤ 50 ms"),
    "page_work": ("p95_ms", 50.0, "≥ 250 req/s, p95 ≤ 50 ms"),
    "page_portal": ("p95_ms", 50.0, "≥ 250 req/s, p95 ≤ 50 ms"),
}
CREATE_MIN_RPS = 400.0
PAGE_MIN_RPS = 250.0
MAX_ERROR_SAMPLES = 5
ERROR_CATEGORIES = ["accounting", "accounting-reports", "accounting-payroll", "email", "access", None]
PRIORITIES = ["critical", "high", "normal", "normal", "normal", "low"]
SUBJECTS = ["Ошибка при проведении документа", "Не формируется отчёт", "Зависает форма заказа", "Не приходит почта"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="an already running server (then none is started)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DB,
        help=f"the server's database, also used to create tokens (default: $DATABASE_URL, else {DEFAULT_DB})",
    )
    parser.add_argument("--port", type=int, default=0, help="port for the started server (default: a free one)")
    parser.add_argument("--web-workers", type=int, default=2, help="web server processes (default 2)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per scenario (default 20)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads / connections (default 8)")
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated subset of {','.join(SCENARIOS)}"
    )
    parser.add_argument("--results", type=Path, default=HERE / "results", help="where the JSON goes")
    parser.add_argument("--seed", type=int, default=1, help="random seed for bodies and ids")
    parser.add_argument(
        "--pending",
        type=int,
        default=0,
        help="first top the queue of pending notifications up to this many rows (copies of one, due in a "
        "year, so no worker would send them): create must not slow down as the queue grows (issue 15)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=120.0,
        help="wait up to this many seconds for the machine to be quiet (< 25%% busy) before starting (default 120)",
    )
    args = parser.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.concurrency < 1 or args.seconds <= 0 or args.warmup < 0 or args.web_workers < 1:
        parser.error("--concurrency and --web-workers must be >= 1, --seconds > 0, --warmup >= 0")
    return args


# --- the server -------------------------------------------------------------------------------
def free_port() -> int:
    """A free port whose next port is free too: `otklik serve` binds the live stream on port + 1
    (on a busy machine a port picked alone had its neighbour taken, and the run failed)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port < 65535 and _free(port) and _free(port + 1):
            return port
    raise SystemExit("no two neighbouring free ports on 127.0.0.1")


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def otklik_command() -> list[str]:
    script = Path(sys.executable).with_name("otklik")
    return [str(script)] if script.exists() else [sys.executable, "-m", "otklik"]


@contextmanager
def running_server(args: argparse.Namespace, data_dir: Path) -> Iterator[tuple[str, list[str], int | None]]:
    """Start `otklik serve` (unless --url) and yield (base URL, command, its session id); always stop it."""
    if args.url:
        yield args.url.rstrip("/"), [], None
        return
    port = args.port or free_port()
    cmd = [
        *otklik_command(),
        "serve",
        "--no-worker",
        "--addr",
        f"127.0.0.1:{port}",
        "--web-workers",
        str(args.web_workers),
    ]
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "OTKLIK_DATA_DIR": str(data_dir),
        "OTKLIK_LOG_LEVEL": os.environ.get("OTKLIK_LOG_LEVEL", "WARNING"),
    }
    env.pop("OTKLIK_DEBUG", None)
    env.pop("OTKLIK_NOW", None)
    log_path = data_dir / "server.log"
    print(f"starting: {' '.join(cmd)}  (log: {log_path})")
    with open(log_path, "wb") as log:
        # A session of its own: the terminal's Ctrl-C reaches only us, and we stop the whole group.
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, log_path)
        yield base, cmd, proc.pid
    finally:
        stop_server(proc)


def wait_healthy(base: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float = 120.0) -> None:
    parts = urlsplit(base)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}:\n{tail(log_path)}")
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            conn.request("GET", "/api/v1/health")
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            if resp.status == 200 and json.loads(body).get("status") == "ok":
                return
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.25)
    raise SystemExit(f"the server did not become healthy within {timeout:.0f} s:\n{tail(log_path)}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Not reaped yet, so its process group (uvicorn and its workers) is still ours to kill.
            print("the server did not stop within 30 s: killing its process group")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print(f"server stopped (exit code {proc.returncode})")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- tokens and ids, straight from the database ----------------------------------------------
@dataclass
class Fixtures:
    initiator_tokens: list[str]
    personas: dict[str, str]  # persona -> token
    detail_ids: dict[str, list[int]]  # persona -> ids it may see
    token_ids: list[int]
    sessions: dict[str, str]  # persona -> session cookie (the pages)
    numbers: dict[str, list[str]]  # persona -> request numbers it may see (the request page)
    tickets: int
    log_records: int


def setup_django(database_url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("OTKLIK_DATA_DIR", str(data_dir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "otklik.settings"
    import django

    django.setup()


def make_fixtures(rnd: random.Random, sample: int = 5000) -> Fixtures:
    from django.apps import apps
    from django.db import connection

    from otklik.accounts.models import User
    from otklik.accounts.services import token_create
    from otklik.tickets.access import visible_tickets
    from otklik.tickets.models import Ticket

    # The per-stage log's model (LogRecord; Reaction before issue 13), so older commits can be measured.
    log_model = next(m for m in apps.get_app_config("tickets").get_models() if m.__name__ in ("LogRecord", "Reaction"))

    def token(username: str) -> tuple[int, str]:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise SystemExit(f"no user {username!r}: seed the database first (bench/seed.py)")
        row, raw = token_create(user=user, name="bench/api.py")
        return row.pk, raw

    token_ids: list[int] = []
    initiators = ["initiator", "initiator2"]
    initiators += list(
        User.objects.filter(username__startswith="bench-user-").order_by("username").values_list("username", flat=True)
    )[:6]
    initiator_tokens = []
    for name in initiators:
        pk, raw = token(name)
        token_ids.append(pk)
        initiator_tokens.append(raw)
    personas: dict[str, str] = {}
    detail_ids: dict[str, list[int]] = {}
    for name in ("agent", "manager"):
        pk, raw = token(name)
        token_ids.append(pk)
        personas[name] = raw
        user = User.objects.get(username=name)
        ids = list(visible_tickets(user).order_by("?").values_list("id", flat=True)[:sample])
        rnd.shuffle(ids)
        detail_ids[name] = ids
    # The pages: a session per persona, as a browser holds after signing in. The initiator with
    # the most requests reads the portal list (a bench initiator: ~500 requests at 100,000).
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    sessions: dict[str, str] = {}
    numbers: dict[str, list[str]] = {}
    busiest = (Ticket.objects.values("initiator__username").annotate(n=Count("id")).order_by("-n").first() or {}).get(
        "initiator__username"
    ) or "initiator"
    for persona, username in (("agent", "agent"), ("manager", "manager"), ("initiator", busiest)):
        web = Client()
        web.force_login(User.objects.get(username=username))
        sessions[persona] = f"{settings.SESSION_COOKIE_NAME}={web.cookies[settings.SESSION_COOKIE_NAME].value}"
    for persona in ("agent", "manager"):
        numbers[persona] = list(
            Ticket.objects.filter(id__in=detail_ids[persona][:1000]).values_list("number", flat=True)
        )
    tickets, records = Ticket.objects.count(), log_model._default_manager.count()
    connection.close()
    return Fixtures(initiator_tokens, personas, detail_ids, token_ids, sessions, numbers, tickets, records)


PENDING_EVENT = "bench.pending"  # the copies --pending adds, deleted at the end


def top_up_pending(rows: int) -> int:
    """At least `rows` pending notifications in the queue (PostgreSQL): copies of an existing
    e-mail row (event PENDING_EVENT, new keys, due a year from now, so no worker sends them and no
    inbox counts them). Returns how many are pending now."""
    from django.db import connection

    from otklik.notify.models import Channel, Notification, State

    pending = Notification.objects.filter(state=State.PENDING).count()
    template = Notification.objects.filter(channel=Channel.EMAIL).order_by("id").values_list("id", flat=True).first()
    if rows > pending and template is not None and connection.vendor == "postgresql":
        table = Notification._meta.db_table
        columns = [f.column for f in Notification._meta.local_concrete_fields if not f.primary_key]
        chosen = {
            "key": "gen_random_uuid()",
            "state": "'pending'",
            "due_at": "now() + interval '1 year'",
            "event": f"'{PENDING_EVENT}'",
        }
        select = ", ".join(chosen.get(c, f'"{c}"') for c in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{table}" ({quoted}) SELECT {select} '
                f'FROM "{table}", generate_series(1, %s) WHERE id = %s',
                [rows - pending, template],
            )
            cur.execute(f'ANALYZE "{table}"')
        pending = rows
    connection.close()
    return pending


def remove_pending_copies() -> None:
    from django.db import connection

    from otklik.notify.models import Notification

    Notification.objects.filter(event=PENDING_EVENT).delete()
    connection.close()


def revoke_tokens(ids: list[int], sessions: dict[str, str]) -> None:
    from django.contrib.sessions.models import Session
    from django.db import connection

    from otklik.accounts.models import ApiToken
    from otklik.core.clock import now

    ApiToken.objects.filter(pk__in=ids, revoked_at__isnull=True).update(revoked_at=now())
    Session.objects.filter(session_key__in=[c.split("=", 1)[1] for c in sessions.values()]).delete()
    connection.close()


# --- the load --------------------------------------------------------------------------------
@dataclass
class Call:
    method: str
    path: str
    token: str
    persona: str
    body: bytes | None = None
    cookie: str = ""  # a page's session instead of the token
    headers: dict[str, str] = field(default_factory=dict)  # extra or overriding (bench/peers.py: CSRF)


@dataclass
class Sample:
    persona: str
    started: float
    latency: float
    status: int


@dataclass
class ThreadLog:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_load(
    base: str,
    make_call: Callable[[int, random.Random], Call],
    *,
    concurrency: int,
    warmup: float,
    seconds: float,
    seed: int,
) -> tuple[list[ThreadLog], float, float]:
    """Run `concurrency` closed-loop clients; returns their logs and the measured window (start, end)."""
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    logs = [ThreadLog() for _ in range(concurrency)]
    barrier = threading.Barrier(concurrency + 1)
    window: dict[str, float] = {}

    def client(idx: int) -> None:
        rnd = random.Random(seed * 1000 + idx)
        log = logs[idx]
        conn = http.client.HTTPConnection(host, port, timeout=30)
        barrier.wait()
        measure_from, stop_at = window["from"], window["to"]
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at:
                break
            call = make_call(idx, rnd)
            if call.cookie:
                headers = {"Cookie": call.cookie, "Accept": "text/html", "Accept-Language": "ru"}
            else:
                headers = {"Authorization": f"Bearer {call.token}", "Accept": "application/json"}
            if call.body is not None:
                headers["Content-Type"] = "application/json"
            headers.update(call.headers)
            try:
                conn.request(call.method, call.path, body=call.body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                status = resp.status
                if resp.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=30)
            except (OSError, http.client.HTTPException) as exc:
                status, data = 0, repr(exc).encode()
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            t1 = time.perf_counter()
            if t0 < measure_from:
                continue
            log.samples.append(Sample(call.persona, t0, t1 - t0, status))
            if not 200 <= status < 300 and len(log.errors) < MAX_ERROR_SAMPLES:
                log.errors.append(f"{status} {call.method} {call.path}: {data[:300].decode(errors='replace')}")
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    window["from"] = start + warmup
    window["to"] = start + warmup + seconds
    barrier.wait()
    for t in threads:
        t.join()
    return logs, window["from"], window["to"]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


@dataclass
class Row:
    scenario: str
    persona: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    target: str = ""
    verdict: str = ""
    cpu_pct: dict[str, float] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)


def summarise(scenario: str, persona: str, samples: list[Sample], seconds: float) -> Row:
    lat = sorted(s.latency * 1000 for s in samples)
    errors = sum(1 for s in samples if not 200 <= s.status < 300)
    return Row(
        scenario=scenario,
        persona=persona,
        requests=len(samples),
        errors=errors,
        rps=len(samples) / seconds,
        p50_ms=percentile(lat, 50),
        p95_ms=percentile(lat, 95),
        p99_ms=percentile(lat, 99),
        max_ms=lat[-1] if lat else 0.0,
        mean_ms=sum(lat) / len(lat) if lat else 0.0,
    )


def judge(row: Row) -> None:
    metric, bound, text = TARGETS[row.scenario]
    row.target = text
    ok = row.errors == 0 and getattr(row, metric) <= bound
    if row.scenario == "create":
        ok = ok and row.rps >= CREATE_MIN_RPS
    if row.scenario in PAGE_SCENARIOS:
        ok = ok and row.rps >= PAGE_MIN_RPS
    row.verdict = "met" if ok else "MISSED"


def scenario_calls(name: str, fx: Fixtures) -> Callable[[int, random.Random], Call]:
    if name == "create":

        def create(idx: int, rnd: random.Random) -> Call:
            body: dict[str, Any] = {
                "type": "error",
                "subject": rnd.choice(SUBJECTS),
                "description": "Нагрузочный тест: воспроизводится стабильно.",
                "priority": rnd.choice(PRIORITIES),
                "fields": {"steps": "Открыть документ, нажать «Провести»: окно с ошибкой."},
            }
            category = rnd.choice(ERROR_CATEGORIES)
            if category:
                body["category"] = category
            token = fx.initiator_tokens[idx % len(fx.initiator_tokens)]
            return Call("POST", "/api/v1/tickets", token, "initiators", json.dumps(body).encode())

        return create
    personas = list(fx.personas)
    if name == "list":

        def first_page(idx: int, rnd: random.Random) -> Call:
            persona = personas[idx % len(personas)]
            return Call("GET", "/api/v1/tickets", fx.personas[persona], persona)

        return first_page
    if name == "list_sla":

        def sla_page(idx: int, rnd: random.Random) -> Call:
            persona = personas[idx % len(personas)]
            query = ("breached=true", "at_risk=true", "breached=false&state=open")[idx % 3]
            return Call("GET", f"/api/v1/tickets?{query}", fx.personas[persona], persona)

        return sla_page
    if name == "page_work":

        def work(idx: int, rnd: random.Random) -> Call:
            persona = personas[idx % len(personas)]
            return Call("GET", "/work", "", persona, cookie=fx.sessions[persona])

        return work
    if name == "page_portal":

        def portal(idx: int, rnd: random.Random) -> Call:
            return Call("GET", "/my", "", "initiator", cookie=fx.sessions["initiator"])

        return portal
    if name == "page_request":
        staff = [p for p in personas if fx.numbers.get(p)]

        def request_page(idx: int, rnd: random.Random) -> Call:
            persona = staff[idx % len(staff)]
            number = rnd.choice(fx.numbers[persona])
            return Call("GET", f"/requests/{number}", "", persona, cookie=fx.sessions[persona])

        return request_page
    personas = [p for p in personas if fx.detail_ids.get(p)]
    if not personas:
        raise SystemExit("no requests to read: seed the database first (bench/seed.py)")

    def detail(idx: int, rnd: random.Random) -> Call:
        persona = personas[idx % len(personas)]
        ticket_id = rnd.choice(fx.detail_ids[persona])
        return Call("GET", f"/api/v1/tickets/{ticket_id}", fx.personas[persona], persona)

    return detail


@dataclass
class Memory:
    pid: int
    role: str
    rss_mb: float
    pss_mb: float


def _role(cmdline: list[str]) -> str:
    """Which of `otklik serve`'s processes this is, by its command line."""
    text = " ".join(cmdline)
    if "gunicorn" in text:
        return "web (gunicorn)"
    if "uvicorn" in text:
        return "stream (uvicorn)"
    if " worker" in text:
        return "worker"
    if " serve" in text:
        return "supervisor"
    return text[:40]


def server_memory(server_sid: int | None) -> list[Memory]:
    """RSS and PSS (shared pages divided among their sharers) of every process of the server's session."""
    out: list[Memory] = []
    if server_sid is None:
        return out
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat[stat.rindex(")") + 2 :].split()[3]) != server_sid:
                continue
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace").split("\0")
            fields = {}
            for line in Path(f"/proc/{entry}/smaps_rollup").read_text().splitlines()[1:]:
                key, _, value = line.partition(":")
                fields[key] = int(value.split()[0]) if value.split() else 0
        except (OSError, ValueError, IndexError):
            continue
        out.append(Memory(int(entry), _role(cmdline), fields.get("Rss", 0) / 1024, fields.get("Pss", 0) / 1024))
    return sorted(out, key=lambda m: m.pid)


def print_memory(rows: list[Memory]) -> None:
    if not rows:
        return
    print("\nmemory of the server's processes after the load (MB):")
    for m in rows:
        print(f"  {m.pid:>7} {m.role:<18} RSS {m.rss_mb:6.1f}  PSS {m.pss_mb:6.1f}")
    print(f"  {'':>7} {'in all':<18} RSS {sum(m.rss_mb for m in rows):6.1f}  PSS {sum(m.pss_mb for m in rows):6.1f}")


def cpu_snapshot(server_sid: int | None) -> dict[str, float]:
    """CPU seconds so far: the server's processes (its session), PostgreSQL's, this client's, the machine's."""
    tick = os.sysconf("SC_CLK_TCK")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out = {"server": 0.0, "postgres": 0.0, "client": usage.ru_utime + usage.ru_stime}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(rest[11]) + int(rest[12])) / tick  # utime + stime
        if server_sid is not None and int(rest[3]) == server_sid:
            out["server"] += seconds
        elif comm.startswith("postgres"):
            out["postgres"] += seconds
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        out["machine"] = (sum(values) - values[3] - values[4]) / tick  # all but idle and iowait
    except (OSError, ValueError, IndexError):
        out["machine"] = 0.0
    return out


def wait_until_idle(limit: float, busy_below: float = 25.0, quiet_checks: int = 3) -> float:
    """Wait (at most `limit` seconds) until the machine has been mostly idle for `quiet_checks` 2-second
    windows in a row; returns the last busy percentage."""
    deadline = time.monotonic() + limit
    cores = os.cpu_count() or 1
    quiet = 0
    while True:
        before = cpu_snapshot(None)["machine"]
        time.sleep(2.0)
        busy = (cpu_snapshot(None)["machine"] - before) / 2.0 * 100 / cores
        quiet = quiet + 1 if busy < busy_below else 0
        if quiet >= quiet_checks or time.monotonic() >= deadline:
            break
        if quiet == 0:
            print(f"the machine is {busy:.0f}% busy with something else: waiting for it to quieten down")
    if quiet < quiet_checks:
        print(f"WARNING: starting anyway with the machine {busy:.0f}% busy: the figures will be pessimistic")
    return busy


def cpu_percent(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Per consumer, percent of one core over the window (200% = both cores of a 2-core machine)."""
    used = {k: (after[k] - before[k]) / seconds * 100 for k in before}
    used["other"] = max(0.0, used["machine"] - used["server"] - used["postgres"] - used["client"])
    return {k: round(v, 1) for k, v in used.items()}


def run_scenario(name: str, base: str, fx: Fixtures, args: argparse.Namespace, server_sid: int | None) -> list[Row]:
    print(f"\n== {name}: {args.concurrency} clients, {args.warmup:g} s warm-up + {args.seconds:g} s measured")
    cpu0 = cpu_snapshot(server_sid)
    t_cpu = time.perf_counter()
    logs, t_from, t_to = run_load(
        base,
        scenario_calls(name, fx),
        concurrency=args.concurrency,
        warmup=args.warmup,
        seconds=args.seconds,
        seed=args.seed,
    )
    cpu = cpu_percent(cpu0, cpu_snapshot(server_sid), time.perf_counter() - t_cpu)
    seconds = t_to - t_from
    samples = [s for log in logs for s in log.samples]
    errors = [e for log in logs for e in log.errors][:MAX_ERROR_SAMPLES]
    total = summarise(name, "all", samples, seconds)
    total.error_samples = errors
    total.cpu_pct = cpu
    judge(total)
    rows = [total]
    personas = sorted({s.persona for s in samples})
    if len(personas) > 1:
        for persona in personas:
            row = summarise(name, persona, [s for s in samples if s.persona == persona], seconds)
            rows.append(row)
    for e in errors:
        print(f"  error: {e}")
    print(
        f"  {total.requests} requests, {total.errors} errors, {total.rps:.0f} req/s, "
        f"p50 {total.p50_ms:.1f} / p95 {total.p95_ms:.1f} / p99 {total.p99_ms:.1f} ms"
    )
    print(
        f"  CPU, % of one core: server {cpu['server']:.0f}, PostgreSQL {cpu['postgres']:.0f}, "
        f"this client {cpu['client']:.0f}, other {cpu['other']:.0f}; machine {cpu['machine']:.0f} "
        f"of {100 * (os.cpu_count() or 1)}"
    )
    if total.rps and cpu["server"]:
        # Per request, steadier than req/s on a machine whose speed drifts from minute to minute.
        per = {k: cpu[k] * 10 / total.rps for k in ("server", "postgres")}
        print(f"  CPU per request: server {per['server']:.1f} ms, PostgreSQL {per['postgres']:.1f} ms")
    return rows


def table(rows: list[Row]) -> str:
    head = ["scenario", "persona", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "target"]
    body = [
        [
            r.scenario,
            r.persona,
            str(r.requests),
            str(r.errors),
            f"{r.rps:.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.p99_ms:.1f}",
            f"{r.max_ms:.1f}",
            f"{r.target} → {r.verdict}" if r.target else "",
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.ljust(w) if i < 2 or i == 9 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *(line(b) for b in body)])


def git_commit() -> tuple[str, bool]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--", "src"],
                cwd=HERE.parent,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        return commit, dirty
    except (OSError, subprocess.CalledProcessError):
        return "unknown", False


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="otklik-bench-") as tmp:
        data_dir = Path(tmp)
        setup_django(args.database_url, data_dir)
        fx = make_fixtures(rnd)
        rows: list[Row] = []
        base, cmd = args.url or "", []
        memory: list[Memory] = []
        try:  # the tokens, sessions and queue copies go whatever happens from here
            if args.pending:
                print(f"pending notifications in the queue: {top_up_pending(args.pending)}")
            print(
                f"database: {fx.tickets} requests, {fx.log_records} log records; ids to read: "
                + ", ".join(f"{p} {len(ids)}" for p, ids in fx.detail_ids.items())
            )
            commit, dirty = git_commit()  # what the server is about to import
            busy_before = wait_until_idle(args.wait_idle) if args.wait_idle > 0 else None
            started = datetime.now().astimezone()
            with running_server(args, data_dir) as (base, cmd, sid):
                print(f"server healthy at {base}")
                for name in args.scenarios:
                    rows.extend(run_scenario(name, base, fx, args, sid))
                memory = server_memory(sid)
                print_memory(memory)
        finally:
            revoke_tokens(fx.token_ids, fx.sessions)
            if args.pending:
                remove_pending_copies()
    print(f"\nOtklik {commit}{' (src modified)' if dirty else ''}, {started:%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs")
    print(table(rows))
    print_memory(memory)
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"api-{started:%Y%m%d-%H%M%S}.json"
    report = {
        "date": started.isoformat(timespec="seconds"),
        "commit": commit,
        "src_modified": dirty,
        "command": [sys.executable, *sys.argv],
        "server_command": cmd,
        "url": base,
        "database_url": args.database_url,
        "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {
            "seconds": args.seconds,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "web_workers": None if args.url else args.web_workers,
        },
        "machine_busy_pct_before": busy_before,
        "database": {"requests_before": fx.tickets, "log_records_before": fx.log_records},
        "results": [asdict(r) for r in rows],
        "memory_after_load": [asdict(m) for m in memory],
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
