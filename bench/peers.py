"""Otklik and django-helpdesk side by side, on the same machine and the same closed-loop client (issue 15).

    python bench/peers.py [--tickets 100000] [--rounds 2] [--seconds 20] [--reseed]

Installs django-helpdesk (PEER_VERSION) from PyPI into a virtualenv of its own, cached under
~/.cache/otklik-bench/peers-venv/ (keyed by the versions, so a rerun does not reinstall), builds a
minimal Django project around it in a temporary directory (with bench/peers_tool.py, which
migrates and seeds it with the peer's interpreter), seeds its own PostgreSQL database like
Otklik's bench (tickets, 3 follow-ups each, 10 queues, 20 agents; reused when already seeded with
the same counts) and runs the same workloads against both: create through each one's JSON API, the
agent's first list page, a request's page. Rounds alternate Otklik, peer, Otklik, peer, one server
at a time. Nothing of the peer is in this repository. Prints each side's req/s, p50/p95/p99 and the
ratio, and writes JSON to bench/results/peers-<timestamp>.json. bench/README.md says more.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api  # bench/api.py: the server, the fixtures and the closed-loop client

HERE = Path(__file__).resolve().parent
# The peer, pinned: the version issue 15 measured, the newest on PyPI that installs on Python 3.11.
PEER_PACKAGE = "django-helpdesk"
PEER_VERSION = "2.6.1"
# The web stack both sides run on: the peer gets the versions Otklik's own environment has, so that
# the comparison is of the applications, not of Django, gunicorn or the database driver.
SHARED_STACK = ("Django", "gunicorn", "psycopg", "psycopg-binary")
DEFAULT_OTKLIK_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"
DEFAULT_PEER_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench_peer_dh"
WORKLOADS = ("create", "list", "request")
QUEUES = 10
AGENTS = 20
CREATE_AGENTS = 8  # the peer's create is spread over 8 agents, as Otklik's over 8 initiators
PEER_PASSWORD = "bench-peer-agent"
LIST_ROWS = 25  # both list pages show 25 rows (django-helpdesk's tickets_per_page default)
MAX_ERROR_SAMPLES = 5
SUBJECTS = ["Ошибка при проведении документа", "Не формируется отчёт", "Зависает форма заказа", "Не приходит почта"]
DESCRIPTION = "Нагрузочный тест: воспроизводится стабильно. Открыть документ, нажать «Провести»: окно с ошибкой."


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--otklik-database-url",
        default=DEFAULT_OTKLIK_DB,
        help=f"Otklik's seeded bench database (bench/seed.py; default {DEFAULT_OTKLIK_DB})",
    )
    parser.add_argument(
        "--peer-database-url",
        default=DEFAULT_PEER_DB,
        help=f"the peer's database, created and seeded when missing (default {DEFAULT_PEER_DB})",
    )
    parser.add_argument("--tickets", type=int, default=100_000, help="peer tickets to seed (default 100000)")
    parser.add_argument("--reseed", action="store_true", help="drop the peer's tickets and seed them again")
    parser.add_argument("--seed-only", action="store_true", help="install and seed the peer, then stop (no load)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of Otklik then peer (default 2)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per workload (default 20)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads / connections (default 8)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn sync workers, each side (default 2)")
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"comma-separated subset of {','.join(WORKLOADS)}"
    )
    parser.add_argument("--results", type=Path, default=HERE / "results", help="where the JSON goes")
    parser.add_argument("--seed", type=int, default=1, help="random seed for bodies and ids")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "otklik-bench",
        help="where the peer's virtualenv is kept (default ~/.cache/otklik-bench)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=120.0,
        help="wait up to this many seconds for the machine to be quiet before starting (default 120; 0: don't)",
    )
    args = parser.parse_args(argv)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    if args.tickets < 1 or args.rounds < 1 or args.concurrency < 1 or args.web_workers < 1:
        parser.error("--tickets, --rounds, --concurrency and --web-workers must be >= 1")
    if args.seconds <= 0 or args.warmup < 0:
        parser.error("--seconds must be > 0 and --warmup >= 0")
    if "bench" not in (urlsplit(args.peer_database_url).path or ""):
        parser.error("--peer-database-url: the database's name must contain 'bench' (it is seeded and trimmed)")
    return args


# --- the peer's virtualenv -----------------------------------------------------------------------
def peer_requirements() -> list[str]:
    reqs = [f"{PEER_PACKAGE}=={PEER_VERSION}"]
    for name in SHARED_STACK:
        try:
            reqs.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            if name != "psycopg-binary":  # Otklik may use a psycopg built against the system's libpq
                raise SystemExit(f"{name} is not installed in this environment: run from Otklik's virtualenv") from None
            reqs.append("psycopg-binary")
    return reqs


def ensure_venv(cache_dir: Path) -> Path:
    """The peer's virtualenv with `peer_requirements()`; created once per set of versions."""
    reqs = peer_requirements()
    key = hashlib.sha256("\n".join([platform.python_version(), *reqs]).encode()).hexdigest()[:10]
    venv = cache_dir / "peers-venv" / f"{PEER_PACKAGE}-{PEER_VERSION}-{key}"
    marker = venv / "bench-installed.txt"
    python = venv / "bin" / "python"
    if marker.exists() and python.exists():
        print(f"peer virtualenv: {venv} (cached)")
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    print(f"peer virtualenv: installing {' '.join(reqs)} into {venv}")
    t0 = time.perf_counter()
    base = getattr(sys, "_base_executable", sys.executable)
    run_checked([base, "-m", "venv", str(venv)], "could not create the peer's virtualenv")
    run_checked(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *reqs],
        f"pip could not install {PEER_PACKAGE} {PEER_VERSION} (and the shared stack) into {venv}",
    )
    marker.write_text("\n".join(reqs) + "\n")
    print(f"  installed in {time.perf_counter() - t0:.0f} s")
    return venv


def run_checked(cmd: list[str], failure: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    if proc.returncode != 0:
        out = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-40:])
        raise SystemExit(f"FAILED: {failure}\n$ {' '.join(cmd)}\n{out}")
    return proc


# --- the peer's project (generated at run time) ------------------------------------------------------
SETTINGS = """\
# Generated by bench/peers.py: django-helpdesk as its users run it in production.
SECRET_KEY = "bench-peers-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peerproj.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "peerproj.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": %(name)r,
        "USER": %(user)r,
        "PASSWORD": %(password)r,
        "HOST": %(host)r,
        "PORT": %(port)r,
        "CONN_MAX_AGE": 300,
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/Moscow"
LANGUAGE_CODE = "en-us"
USE_I18N = True
STATIC_URL = "/static/"
STATIC_ROOT = %(static_root)r
MEDIA_ROOT = %(media_root)r
SITE_ID = 1
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/tickets/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"
# The default teams mode needs pinax-teams; a plain installation runs without it.
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_API_ENABLED = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
"""

URLS = """\
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
"""

WSGI = """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
application = get_wsgi_application()
"""


@dataclass
class Peer:
    venv: Path
    project: Path
    database_url: str

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV"}}
        env["DJANGO_SETTINGS_MODULE"] = "peerproj.settings"
        env["PYTHONPATH"] = str(self.project)
        return env

    def tool(self, command: str, **params: Any) -> dict[str, Any]:
        """bench/peers_tool.py's `command`, run with the peer's interpreter in its project."""
        params = {
            "command": command,
            "subjects": SUBJECTS,
            "description": DESCRIPTION,
            "password": PEER_PASSWORD,
            "agents": AGENTS,
            "queues": QUEUES,
            **params,
        }
        proc = run_checked(
            [self.python, str(self.project / "peers_tool.py"), json.dumps(params)],
            f"the peer's {command} failed",
            cwd=self.project,
            env=self.env(),
        )
        for line in proc.stdout.splitlines():
            if line.startswith("BENCH-JSON "):
                out: dict[str, Any] = json.loads(line.split(" ", 1)[1])
                return out
        raise SystemExit(f"FAILED: the peer's {command} printed no result:\n{proc.stdout}\n{proc.stderr}")


def write_project(root: Path, database_url: str, venv: Path) -> Peer:
    parts = urlsplit(database_url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise SystemExit("--peer-database-url must be a postgres:// URL")
    pkg = root / "peerproj"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text(
        SETTINGS
        % {
            "name": parts.path.lstrip("/"),
            "user": parts.username or "",
            "password": parts.password or "",
            "host": parts.hostname or "",
            "port": str(parts.port or ""),
            "static_root": str(root / "static"),
            "media_root": str(root / "media"),
        }
    )
    (pkg / "urls.py").write_text(URLS)
    (pkg / "wsgi.py").write_text(WSGI)
    shutil.copy(HERE / "peers_tool.py", root / "peers_tool.py")
    return Peer(venv, root, database_url)


def ensure_database(url: str) -> None:
    """Create the peer's PostgreSQL database when it is missing (through Otklik's psycopg)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            print(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


# --- the peer's server ------------------------------------------------------------------------------
@contextmanager
def peer_server(peer: Peer, args: argparse.Namespace, log_dir: Path) -> Iterator[tuple[str, int]]:
    """gunicorn with `--web-workers` sync workers, Otklik's own flags; yields (base URL, its session id)."""
    port = api.free_port()
    cmd = [
        *(peer.python, "-m", "gunicorn", "peerproj.wsgi:application", "--bind", f"127.0.0.1:{port}"),
        *("--workers", str(args.web_workers), "--graceful-timeout", "10", "--timeout", "30"),
        *("--access-logfile", "/dev/null", "--error-logfile", "-"),
    ]
    log_path = log_dir / "peer-server.log"
    print(f"starting: {' '.join(cmd)}  (log: {log_path})")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd, cwd=peer.project, env=peer.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"FAILED: the peer's server exited with {proc.returncode}:\n{api.tail(log_path)}")
            try:
                status, _, _ = http_get(base, "/login/")
                if status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"FAILED: the peer's server did not answer /login/ in 60 s:\n{api.tail(log_path)}")
            time.sleep(0.25)
        yield base, proc.pid
    finally:
        api.stop_server(proc)


def http_get(base: str, path: str, cookie: str = "") -> tuple[int, dict[str, list[str]], bytes]:
    return http_call(base, "GET", path, cookie=cookie)


def http_call(
    base: str,
    method: str,
    path: str,
    *,
    cookie: str = "",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, list[str]], bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        all_headers = {"Cookie": cookie} if cookie else {}
        all_headers.update(headers or {})
        conn.request(method, path, body=body, headers=all_headers)
        resp = conn.getresponse()
        data = resp.read()
        got: dict[str, list[str]] = {}
        for k, v in resp.getheaders():
            got.setdefault(k.lower(), []).append(v)
        return resp.status, got, data
    finally:
        conn.close()


def set_cookies(headers: dict[str, list[str]]) -> dict[str, str]:
    out = {}
    for line in headers.get("set-cookie", []):
        name, _, rest = line.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


@dataclass
class PeerSession:
    username: str
    sessionid: str
    csrftoken: str

    @property
    def cookie(self) -> str:
        return f"csrftoken={self.csrftoken}; sessionid={self.sessionid}"


def peer_login(base: str, username: str) -> PeerSession:
    """Sign in through the login form as a browser does: the form's CSRF token, then the session
    cookie and the CSRF cookie Django rotates at sign-in (the API's create sends it back as X-CSRFToken)."""
    status, headers, page = http_get(base, "/login/")
    cookies = set_cookies(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or "csrftoken" not in cookies or match is None:
        raise SystemExit(f"FAILED: the peer's /login/ gave {status} without a CSRF token:\n{page[:500]!r}")
    form = urlencode(
        {
            "username": username,
            "password": PEER_PASSWORD,
            "csrfmiddlewaretoken": match.group(1).decode(),
            "next": "/tickets/",
        }
    ).encode()
    status, headers, page = http_call(
        base,
        "POST",
        "/login/",
        cookie=f"csrftoken={cookies['csrftoken']}",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    cookies.update(set_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"FAILED: signing in to the peer as {username} gave {status}:\n{page[:500]!r}")
    return PeerSession(username, cookies["sessionid"], cookies["csrftoken"])


@dataclass
class PeerFixtures:
    sessions: list[PeerSession]  # [0] reads the pages; the first CREATE_AGENTS file tickets
    queues: list[int]
    ticket_ids: list[int]
    rows_path: str = ""  # the list page's datatables call, as its page names it


def rows_path_from(page: bytes) -> str:
    """The URL the list page's DataTable loads its rows from (the page's filter, base64 in the path),
    with the query string DataTables sends for the first page of LIST_ROWS rows, unsorted."""
    match = re.search(rb'"url":\s*"(/datatables_ticket_list/[^"]*)"', page)
    if match is None:
        raise SystemExit("FAILED: the peer's ticket list page names no datatables_ticket_list URL")
    columns = ["id", "ticket", "priority", "queue", "status", "created", "due_date", "assigned_to", "submitter"]
    columns += ["last_followup", "kbitem"]
    query: list[tuple[str, str]] = [("draw", "1")]
    for i, name in enumerate(columns):
        query += [(f"columns[{i}][data]", name), (f"columns[{i}][name]", ""), (f"columns[{i}][searchable]", "true")]
        query += [(f"columns[{i}][orderable]", "false" if i == 0 else "true")]
        query += [(f"columns[{i}][search][value]", ""), (f"columns[{i}][search][regex]", "false")]
    query += [("start", "0"), ("length", str(LIST_ROWS)), ("search[value]", ""), ("search[regex]", "false")]
    return match.group(1).decode() + "?" + urlencode(query, quote_via=quote)


def peer_check(base: str, pf: PeerFixtures) -> None:
    """One of each call before measuring, its answer read: a wrong set-up fails here, clearly."""
    reader = pf.sessions[0]
    status, _, data = http_get(base, pf.rows_path, cookie=reader.cookie)
    try:
        rows = json.loads(data)
        shown, matching = len(rows["data"]), int(rows["recordsFiltered"])
    except (ValueError, KeyError, TypeError):
        shown, matching = -1, -1
    if status != 200 or matching < 1 or shown != min(LIST_ROWS, matching):
        raise WorkloadFailed(f"the peer's rows call {pf.rows_path[:80]}… gave {status}: {data[:300]!r}")
    ticket = pf.ticket_ids[0]
    status, _, data = http_get(base, f"/tickets/{ticket}/", cookie=reader.cookie)
    if status != 200 or f"/tickets/{ticket}/".encode() not in data:
        raise WorkloadFailed(f"the peer's page of ticket {ticket} gave {status}: {data[:300]!r}")
    who = pf.sessions[-1]
    body = {
        "queue": pf.queues[0],
        "title": SUBJECTS[0],
        "description": DESCRIPTION,
        "submitter_email": "bench-user-0001@example.com",
        "priority": 3,  # required by the API (its TicketForm), though the model has a default
    }
    status, _, data = http_call(
        base,
        "POST",
        "/api/tickets/",
        cookie=who.cookie,
        body=json.dumps(body).encode(),
        headers={"X-CSRFToken": who.csrftoken, "Content-Type": "application/json", "Accept": "application/json"},
    )
    if status != 201 or b'"id"' not in data:
        raise WorkloadFailed(f"the peer's API create gave {status}: {data[:300]!r}")


# --- the workloads ------------------------------------------------------------------------------------
# (side, workload) -> [(part, what is requested)]; the peer's list has two parts, its page and its rows.
PARTS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("otklik", "create"): [("create", "POST /api/v1/tickets (token; 8 initiators)")],
    ("otklik", "list"): [("page", "GET /work (agent)")],
    ("otklik", "request"): [("page", "GET /requests/<number> (agent)")],
    ("peer", "create"): [("create", "POST /api/tickets/ (session + CSRF; 8 agents)")],
    ("peer", "list"): [
        ("page", "GET /tickets/ (agent; the page without rows)"),
        ("rows", "GET /datatables_ticket_list/<query> (agent; the page's first 25 rows)"),
    ],
    ("peer", "request"): [("page", "GET /tickets/<id>/ (agent)")],
}


def otklik_calls(workload: str, fx: api.Fixtures) -> Callable[[int, random.Random], api.Call]:
    if workload == "create":
        return api.scenario_calls("create", fx)
    cookie = fx.sessions["agent"]
    if workload == "list":
        return lambda idx, rnd: api.Call("GET", "/work", "", "agent", cookie=cookie)
    numbers = fx.numbers["agent"]
    if not numbers:
        raise SystemExit("FAILED: Otklik's agent sees no requests: seed its database first (bench/seed.py)")
    return lambda idx, rnd: api.Call("GET", f"/requests/{rnd.choice(numbers)}", "", "agent", cookie=cookie)


def peer_calls(workload: str, part: str, pf: PeerFixtures) -> Callable[[int, random.Random], api.Call]:
    reader = pf.sessions[0]
    if workload == "create":
        creators = pf.sessions[:CREATE_AGENTS]

        def create(idx: int, rnd: random.Random) -> api.Call:
            who = creators[idx % len(creators)]
            body = {
                "queue": rnd.choice(pf.queues),
                "title": rnd.choice(SUBJECTS),
                "description": DESCRIPTION,
                "submitter_email": f"bench-user-{rnd.randint(1, 200):04d}@example.com",
                "priority": rnd.choice([1, 2, 3, 3, 3, 4]),
            }
            headers = {"X-CSRFToken": who.csrftoken, "Accept": "application/json"}
            return api.Call(
                "POST", "/api/tickets/", "", "agents", json.dumps(body).encode(), cookie=who.cookie, headers=headers
            )

        return create
    if workload == "list" and part == "page":
        return lambda idx, rnd: api.Call("GET", "/tickets/", "", "agent", cookie=reader.cookie)
    if workload == "list":
        xhr = {"Accept": "application/json, text/javascript, */*; q=0.01", "X-Requested-With": "XMLHttpRequest"}
        return lambda idx, rnd: api.Call("GET", pf.rows_path, "", "agent", cookie=reader.cookie, headers=xhr)
    ids = pf.ticket_ids
    return lambda idx, rnd: api.Call("GET", f"/tickets/{rnd.choice(ids)}/", "", "agent", cookie=reader.cookie)


@dataclass
class Measure:
    round: int
    side: str
    workload: str
    part: str
    what: str
    loadavg_at_start: tuple[float, float, float]
    row: api.Row = field(repr=False)


def measure(
    side: str,
    workload: str,
    part: str,
    make_call: Callable[[int, random.Random], api.Call],
    base: str,
    sid: int,
    args: argparse.Namespace,
    rnd_round: int,
) -> Measure:
    what = dict(PARTS[(side, workload)])[part]
    load = os.getloadavg()
    print(f"\n== round {rnd_round}, {side}, {workload}/{part}: {what}; load average {load[0]:.2f}")
    cpu0 = api.cpu_snapshot(sid)
    t_cpu = time.perf_counter()
    logs, t_from, t_to = api.run_load(
        base,
        make_call,
        concurrency=args.concurrency,
        warmup=args.warmup,
        seconds=args.seconds,
        seed=args.seed * 100 + rnd_round,
    )
    cpu = api.cpu_percent(cpu0, api.cpu_snapshot(sid), time.perf_counter() - t_cpu)
    samples = [s for log in logs for s in log.samples]
    row = api.summarise(f"{side}:{workload}:{part}", "all", samples, t_to - t_from)
    row.error_samples = [e for log in logs for e in log.errors][:MAX_ERROR_SAMPLES]
    row.cpu_pct = cpu
    print(
        f"  {row.requests} requests, {row.errors} errors, {row.rps:.0f} req/s, "
        f"p50 {row.p50_ms:.1f} / p95 {row.p95_ms:.1f} / p99 {row.p99_ms:.1f} ms; "
        f"CPU % of a core: server {cpu['server']:.0f}, PostgreSQL {cpu['postgres']:.0f}, "
        f"client {cpu['client']:.0f}, other {cpu['other']:.0f}"
    )
    if row.errors or not row.requests:
        for e in row.error_samples:
            print(f"  error: {e}")
        raise WorkloadFailed(
            f"{side} {workload}/{part} ({what}): {row.errors} of {row.requests} answers were not 2xx"
            + "".join(f"\n  {e}" for e in row.error_samples)
        )
    return Measure(rnd_round, side, workload, part, what, load, row)


class WorkloadFailed(Exception):
    pass


# --- the report ----------------------------------------------------------------------------------------
@dataclass
class Summary:
    workload: str
    otklik: dict[str, float]
    peer: dict[str, dict[str, float]]  # part -> figures
    ratios: dict[str, float]  # what Otklik's figure is compared to -> Otklik req/s / peer req/s


def median_figures(measures: list[Measure]) -> dict[str, float]:
    return {
        "rps": statistics.median(m.row.rps for m in measures),
        "p50_ms": statistics.median(m.row.p50_ms for m in measures),
        "p95_ms": statistics.median(m.row.p95_ms for m in measures),
        "p99_ms": statistics.median(m.row.p99_ms for m in measures),
        "rounds": len(measures),
    }


def summarise_all(measures: list[Measure], workloads: list[str]) -> list[Summary]:
    out = []
    for w in workloads:
        mine = [m for m in measures if m.side == "otklik" and m.workload == w]
        theirs = [m for m in measures if m.side == "peer" and m.workload == w]
        if not mine or not theirs:
            continue
        otklik = median_figures(mine)
        peer = {
            part: median_figures([m for m in theirs if m.part == part])
            for part, _ in PARTS[("peer", w)]
            if any(m.part == part for m in theirs)  # a failed run may stop between the list's two parts
        }
        ratios = {part: otklik["rps"] / figs["rps"] for part, figs in peer.items()}
        if w == "list" and {"page", "rows"} <= peer.keys():
            # A browser's list is the page and then its rows: one view costs both (req/s combined harmonically).
            both = 1 / (1 / peer["page"]["rps"] + 1 / peer["rows"]["rps"])
            peer["page+rows"] = {"rps": both}
            ratios["page+rows"] = otklik["rps"] / both
        out.append(Summary(w, otklik, peer, ratios))
    return out


def print_report(measures: list[Measure], summaries: list[Summary], args: argparse.Namespace) -> None:
    print(f"\nper round ({args.concurrency} clients, {args.warmup:g} s warm-up + {args.seconds:g} s each):")
    print("| round | side | workload | part | load avg | requests | req/s | p50 ms | p95 ms | p99 ms | server CPU % |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for m in measures:
        r = m.row
        print(
            f"| {m.round} | {m.side} | {m.workload} | {m.part} | {m.loadavg_at_start[0]:.2f} | {r.requests} | "
            f"{r.rps:.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} | {r.cpu_pct.get('server', 0):.0f} |"
        )
    print(f"\nside by side (medians over {args.rounds} round(s); ratio = Otklik req/s / {PEER_PACKAGE} req/s):")
    print(
        f"| workload | Otklik req/s · p50/p95/p99 ms | {PEER_PACKAGE} {PEER_VERSION} req/s · p50/p95/p99 ms | ratio |"
    )
    print("| --- | --- | --- | --- |")
    for s in summaries:
        o = s.otklik
        mine = f"{o['rps']:.0f} · {o['p50_ms']:.1f}/{o['p95_ms']:.1f}/{o['p99_ms']:.1f}"
        for part, p in s.peer.items():
            if "p50_ms" in p:
                theirs = f"{p['rps']:.0f} · {p['p50_ms']:.1f}/{p['p95_ms']:.1f}/{p['p99_ms']:.1f}"
            else:
                theirs = f"{p['rps']:.0f} (derived: one page and its rows)"
            label = s.workload if part in {"create", "page"} else f"{s.workload} (peer: {part})"
            print(f"| {label} | {mine} | {theirs} | {s.ratios[part]:.2f}× |")


# --- main ------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also into a file
    started = datetime.now().astimezone()
    load_at_start = os.getloadavg()
    print(f"load average at start: {load_at_start[0]:.2f} {load_at_start[1]:.2f} {load_at_start[2]:.2f}")
    venv = ensure_venv(args.cache_dir)
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="otklik-bench-peers-") as tmp:
        tmpdir = Path(tmp)
        peer = write_project(tmpdir / "peer", args.peer_database_url, venv)
        ensure_database(args.peer_database_url)
        print(f"peer database: {args.peer_database_url} — migrating, seeding if needed ({args.tickets} tickets) …")
        t0 = time.perf_counter()
        seeding = peer.tool("setup", tickets=args.tickets, reseed=args.reseed)
        if seeding["seeded"]:
            print(f"  seeded in {seeding['seconds']} s (setup {time.perf_counter() - t0:.0f} s)")
        else:
            print(
                f"  reused (seeded {seeding['seeded_at']} in {seeding['seconds']:.0f} s); "
                f"{seeding['trimmed_rows']} rows of earlier runs' creates removed"
            )
        pdata = peer.tool("fixtures", sample=1000)
        print(f"  {pdata['tickets']} tickets, {pdata['followups']} follow-ups, {len(pdata['agents'])} agents")
        if args.seed_only:
            return
        otklik_dir = tmpdir / "otklik"
        otklik_dir.mkdir()
        api.setup_django(args.otklik_database_url, otklik_dir)
        fx = api.make_fixtures(rnd)
        print(f"Otklik database: {fx.tickets} requests, {fx.log_records} log records")
        otklik_args = argparse.Namespace(
            url=None, port=0, web_workers=args.web_workers, database_url=args.otklik_database_url
        )
        commit, dirty = api.git_commit()
        busy_before = api.wait_until_idle(args.wait_idle) if args.wait_idle > 0 else None
        measures: list[Measure] = []
        pf: PeerFixtures | None = None
        failure = ""
        try:
            for rnd_round in range(1, args.rounds + 1):
                with api.running_server(otklik_args, otklik_dir) as (base, _cmd, sid):
                    assert sid is not None
                    for w in args.workloads:
                        measures.append(
                            measure(
                                "otklik", w, PARTS[("otklik", w)][0][0], otklik_calls(w, fx), base, sid, args, rnd_round
                            )
                        )
                with peer_server(peer, args, tmpdir) as (base, sid):
                    if pf is None:
                        sessions = [peer_login(base, name) for name in pdata["agents"][:CREATE_AGENTS]]
                        pf = PeerFixtures(sessions, pdata["queues"], pdata["ticket_ids"])
                        status, _, page = http_get(base, "/tickets/", cookie=sessions[0].cookie)
                        if status != 200:
                            raise WorkloadFailed(f"the peer's ticket list page gave {status}: {page[:300]!r}")
                        pf.rows_path = rows_path_from(page)
                        peer_check(base, pf)
                    for w in args.workloads:
                        for part, _ in PARTS[("peer", w)]:
                            measures.append(
                                measure("peer", w, part, peer_calls(w, part, pf), base, sid, args, rnd_round)
                            )
        except WorkloadFailed as exc:
            failure = str(exc)
        finally:
            api.revoke_tokens(fx.token_ids, fx.sessions)
    summaries = summarise_all(measures, args.workloads)
    print(
        f"\nOtklik {commit}{' (src modified)' if dirty else ''} against {PEER_PACKAGE} {PEER_VERSION}, "
        f"{started:%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs; load average at start {load_at_start[0]:.2f}"
    )
    print_report(measures, summaries, args)
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"peers-{started:%Y%m%d-%H%M%S}.json"
    report = {
        "date": started.isoformat(timespec="seconds"),
        "commit": commit,
        "src_modified": dirty,
        "command": [sys.executable, *sys.argv],
        "peer": {
            "package": PEER_PACKAGE,
            "version": PEER_VERSION,
            "requirements": peer_requirements(),
            "database_url": args.peer_database_url,
            "seeding": seeding,
            "tickets": pdata["tickets"],
            "followups": pdata["followups"],
            "rows_path": pf.rows_path if pf else "",
        },
        "otklik": {"database_url": args.otklik_database_url, "requests": fx.tickets, "log_records": fx.log_records},
        "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {
            "seconds": args.seconds,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "web_workers": args.web_workers,
            "rounds": args.rounds,
        },
        "loadavg_at_start": load_at_start,
        "machine_busy_pct_before": busy_before,
        "measures": [{**{k: v for k, v in asdict(m).items() if k != "row"}, "result": asdict(m.row)} for m in measures],
        "summary": [asdict(s) for s in summaries],
        "failure": failure,
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten: {out}")
    if failure:
        raise SystemExit(f"FAILED: {failure}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a TERM stops the servers on the way out
    main()
