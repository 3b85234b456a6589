"""Server-side render time of every web page, per persona, at 100,000 requests (issue 5).

    python bench/pages.py [--database-url URL] [--passes 60] [--pages dashboard,work-search]

In one warm process, through django.test.Client: the full request/response cycle of each view,
middleware included (sessions, authentication, locale, CSRF, security headers, whitenoise, the
templates' context processors), as gunicorn's WSGI worker runs it, but with no network and no HTTP
parsing. Every pass visits every case once (round robin, so a slow minute of the machine touches
all of them alike); after the warm-up passes each visit is timed and its SQL queries counted.
Prints p50/p95/max per page and persona with the queries per request, against the target
(p95 ≤ 50 ms), and writes JSON to bench/results/pages-<timestamp>.json.

The database must have been seeded first (bench/seed.py); its name must contain "bench". The
script adds what the seed lacks and a page needs: in-app notifications, topped up to
--notifications per persona, complaints (filed, taken up and answered through the service) topped
up to --complaints (so a second run adds none of either), the quality facts brought up to date
with the log (the worker's job, which the dashboard would otherwise do a batch of per visit), and
a session per persona (logged out at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from api import percentile  # noqa: E402  (the same nearest-rank percentile as the API's bench)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"
TARGET_MS = 50.0
PERSONAS = ("anonymous", "initiator", "agent", "lead", "manager")
STAFF = ("agent", "lead", "manager")
SUPERVISORS = ("lead", "manager")
QUEUES = ("mine", "unassigned", "waiting", "awaiting", "at_risk", "breached", "all")
# Workspace searches: frequent and rare words of the seed's subjects (Cyrillic, typed in capitals as
# well), a number's prefix, a whole number, two letters (too short for trigrams) found in a word,
# and text found nowhere, long and of two letters (the worst cases: every visible request must be
# ruled out).
SEARCHES = (
    "отчёт",
    "ОТЧЁТ",
    "сверки",
    "платёжного",
    "err-0001",
    "ERR-000123",
    "дебиторке",
    "ёж",
    "нет-такого-слова",
    "щщ",
)
SORTS = ("-number", "priority", "due", "-updated")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DB,
        help=f"a seeded bench database (default: $DATABASE_URL, else {DEFAULT_DB})",
    )
    parser.add_argument("--passes", type=int, default=60, help="measured visits of each case (default 60)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured passes first (default 5)")
    parser.add_argument("--pages", default="", help="comma-separated page keys to run (default: all); see --list")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--notifications", type=int, default=2000, help="in-app notifications per persona")
    parser.add_argument("--complaints", type=int, default=2000, help="complaints in all (filed through the service)")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="where the JSON goes")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the requests opened")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=120.0,
        help="wait up to this many seconds for the machine to be quiet before starting (default 120; 0: no wait)",
    )
    parser.add_argument("--sql", action="store_true", help="print each case's SQL (one visit, after the run)")
    parser.add_argument("--paths", action="store_true", help="also print p50/max per address of each case")
    args = parser.parse_args(argv)
    if args.passes < 1 or args.warmup < 0 or args.notifications < 0:
        parser.error("--passes must be >= 1, --warmup and --notifications >= 0")
    args.pages = {p.strip() for p in args.pages.split(",") if p.strip()}
    return args


# --- the cases -------------------------------------------------------------------------------
@dataclass
class Case:
    """One page as one persona sees it; `paths` gives the address of each visit in turn."""

    key: str  # the page, e.g. "work-search"
    page: str  # how the report names it, e.g. "/work?q="
    persona: str
    paths: list[str]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    by_path: dict[str, list[float]] = field(default_factory=dict)

    def path(self, visit: int) -> str:
        return self.paths[visit % len(self.paths)]


def build_cases(numbers: dict[str, list[str]], complaints: list[int] | None = None) -> list[Case]:
    from urllib.parse import urlencode

    def work(**params: str) -> str:
        return "/work?" + urlencode(params)

    cases = [
        Case("login", "/login", "anonymous", ["/login"]),
        Case("regulation", "/regulation", "anonymous", ["/regulation"]),
        Case("regulation", "/regulation", "initiator", ["/regulation"]),
    ]
    for who in ("initiator", *STAFF):
        cases.append(Case("my", "/my", who, ["/my", "/my?show=open", "/my?show=closed"]))
        cases.append(Case("new", "/new", who, ["/new"]))
        cases.append(Case("new-form", "/new/<type>", who, ["/new/error", "/new/request", "/new/wish"]))
        cases.append(Case("ticket", "/requests/<number>", who, [f"/requests/{n}" for n in numbers[who]]))
        cases.append(Case("inbox", "/inbox", who, ["/inbox", "/inbox?unread=1"]))
        cases.append(Case("settings", "/settings", who, ["/settings"]))
    for who in STAFF:
        for queue in QUEUES:
            cases.append(Case(f"work-{queue}", f"/work?queue={queue}", who, [work(queue=queue)]))
        cases.append(
            Case("work-sorted", "/work sorted", who, [work(queue=q, sort=s) for q in ("all", "mine") for s in SORTS])
        )
        filtered = [
            work(queue="all", type="error"),
            work(queue="all", priority="critical"),
            work(queue="all", group="second-line"),
            work(queue="all", state="in_work"),
            work(queue="all", state="closed"),
            work(queue="all", executor="none"),
            work(queue="all", state="error:new", sort="due"),
            work(queue="all", breach="7d"),
        ]
        cases.append(Case("work-filtered", "/work filtered", who, filtered))
        # All visible requests (the "all" queue's default), then the open ones only.
        searches = [work(queue="all", q=q) for q in SEARCHES] + [work(queue="all", q=q, state="open") for q in SEARCHES]
        cases.append(Case("work-search", "/work?q=", who, searches))
        rows = [f"/work/rows?queue={q}" for q in QUEUES]
        cases.append(Case("work-rows", "/work/rows", who, rows, headers={"HX-Request": "true"}))
    cases.append(Case("my-complaints", "/my/complaints", "initiator", ["/my/complaints"]))
    for who in SUPERVISORS:
        listed = ["/complaints", "/complaints?state=filed", "/complaints?overdue=1", "/complaints?kind=regulation"]
        cases.append(Case("complaints", "/complaints", who, listed))
    if complaints:
        cases.append(Case("complaint", "/complaints/<id>", "manager", [f"/complaints/{pk}" for pk in complaints]))
    for who in SUPERVISORS:
        cases.append(Case("dashboard", "/dashboard", who, ["/dashboard"]))
        cases.append(
            Case("dashboard-figures", "/dashboard/figures", who, ["/dashboard/figures"], headers={"HX-Request": "true"})
        )
    return cases


# --- data the pages need beyond the seed -----------------------------------------------------
def visible_numbers(rnd: random.Random, sample: int = 300) -> dict[str, list[str]]:
    """Random request numbers each persona may open (the initiator: their own)."""
    from otklik.accounts.models import User
    from otklik.tickets.access import visible_tickets

    out: dict[str, list[str]] = {}
    for name in ("initiator", *STAFF):
        user = User.objects.get(username=name)
        ids = list(visible_tickets(user).values_list("id", flat=True))
        if not ids:
            raise SystemExit(f"{name} sees no request: seed the database first (bench/seed.py)")
        chosen = rnd.sample(ids, min(sample, len(ids)))
        out[name] = list(visible_tickets(user).filter(pk__in=chosen).values_list("number", flat=True))
        rnd.shuffle(out[name])
    return out


def top_up_notifications(per_person: int, rnd: random.Random) -> None:
    """Each persona's inbox holds at least `per_person` in-app notifications about requests it
    sees, one in ten unread, spread over the seed's year (as a running service leaves them)."""
    from otklik.accounts.models import User
    from otklik.core.clock import now
    from otklik.notify.models import Channel, Event, Notification, State
    from otklik.tickets.access import visible_tickets

    events = [Event.TICKET_COMMENT, Event.TICKET_MOVED, Event.TICKET_ASSIGNED, Event.SLA_WARNED]
    for name in ("initiator", *STAFF):
        user = User.objects.get(username=name)
        have = Notification.objects.filter(recipient=user, channel=Channel.INAPP).count()
        missing = per_person - have
        if missing <= 0:
            continue
        tickets = list(visible_tickets(user).order_by("-id").values_list("id", "number", "subject")[: missing * 2])
        moment = now()
        rows = []
        for i in range(missing):
            ticket_id, number, subject = rnd.choice(tickets)
            created = moment - timedelta(minutes=(missing - i) * 250)
            rows.append(
                Notification(
                    event=rnd.choice(events),
                    recipient=user,
                    channel=Channel.INAPP,
                    ticket_id=ticket_id,
                    subject=f"{number}: {subject}",
                    body="Новый комментарий к заявке.",
                    state=State.DELIVERED,
                    due_at=created,
                    created_at=created,
                    delivered_at=created,
                    read_at=None if rnd.random() < 0.1 else created + timedelta(minutes=5),
                )
            )
        Notification.objects.bulk_create(rows, batch_size=1000)
        print(f"added {missing} in-app notifications for {name}")


def top_up_complaints(wanted: int, rnd: random.Random) -> list[int]:
    """At least `wanted` complaints, filed through the service by the requests' initiators over
    the seed's requests (a few about the regulation), a third of them taken up or answered by the
    manager; returns some complaint ids for the detail page."""
    from otklik.accounts.models import User
    from otklik.complaints.models import Complaint
    from otklik.complaints.services import complaint_answer, complaint_file, complaint_take
    from otklik.core.errors import DomainError
    from otklik.tickets.models import Ticket

    missing = wanted - Complaint.objects.count()
    if missing > 0:
        manager = User.objects.get(username="manager")
        pool = list(Ticket.objects.order_by("?").filter(initiator__role="initiator")[: missing * 2])
        added = 0
        for ticket in pool:
            if added >= missing:
                break
            try:
                c = complaint_file(author=ticket.initiator, ticket=ticket, body="Долго не было ответа.")
            except DomainError:
                continue  # one open complaint per person and request
            added += 1
            if rnd.random() < 0.33:
                c = complaint_take(complaint=c, actor=manager, version=c.version)
                if rnd.random() < 0.5:
                    complaint_answer(
                        complaint=c, actor=manager, decision="upheld", answer="Срок нарушен.", version=c.version
                    )
        print(f"added {added} complaints")
    ids = list(Complaint.objects.values_list("id", flat=True))
    return rnd.sample(ids, min(100, len(ids)))


# --- measuring -------------------------------------------------------------------------------
class QueryCounter:
    """Counts the SQL statements of the current request (a connection execute wrapper: no
    DEBUG cursor, so counting costs next to nothing)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        return execute(sql, params, many, context)


@contextmanager
def clients() -> Iterator[dict[str, Any]]:
    """A browser per persona, signed in (a real session row each), signed out at the end."""
    from django.test import Client

    from otklik.accounts.models import User

    out = {"anonymous": Client(HTTP_HOST="127.0.0.1")}
    try:
        for name in ("initiator", *STAFF):
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(User.objects.get(username=name))
            out[name] = client
        yield out
    finally:
        for client in out.values():
            client.logout()


def run(cases: list[Case], args: argparse.Namespace) -> None:
    from django.db import connection

    counter = QueryCounter()
    total = args.warmup + args.passes
    t_start = time.perf_counter()
    with clients() as browsers, connection.execute_wrapper(counter):
        for n in range(total):
            measured = n >= args.warmup
            for case in cases:
                path = case.path(n)
                client = browsers[case.persona]
                counter.n = 0
                t0 = time.perf_counter()
                response = client.get(path, headers=case.headers)
                elapsed = time.perf_counter() - t0
                if response.status_code != case.status:
                    body = response.content[:300].decode(errors="replace")
                    raise SystemExit(
                        f"{case.persona} GET {path}: {response.status_code}, expected {case.status}: {body}"
                    )
                if measured:
                    case.times.append(elapsed * 1000)
                    case.queries.append(counter.n)
                    case.by_path.setdefault(path, []).append(elapsed * 1000)
            if n == args.warmup - 1 or (measured and (n - args.warmup + 1) % 10 == 0):
                done = n - args.warmup + 1
                print(
                    f"  {'warm-up done' if done == 0 else f'{done}/{args.passes} passes'}: "
                    f"{time.perf_counter() - t_start:.0f} s",
                    flush=True,
                )


def print_sql(cases: list[Case]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with clients() as browsers:
        for case in cases:
            with CaptureQueriesContext(connection) as ctx:
                browsers[case.persona].get(case.path(0), headers=case.headers)
            print(f"\n== {case.persona} GET {case.path(0)}: {len(ctx.captured_queries)} queries")
            for q in ctx.captured_queries:
                print(f"  [{float(q['time']) * 1000:.1f} ms] {q['sql'][:600]}")


# --- the report ------------------------------------------------------------------------------
@dataclass
class Row:
    key: str
    page: str
    persona: str
    visits: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    mean_ms: float
    queries_min: int
    queries_max: int
    verdict: str


def summarise(case: Case) -> Row:
    lat = sorted(case.times)
    p95 = percentile(lat, 95)
    return Row(
        key=case.key,
        page=case.page,
        persona=case.persona,
        visits=len(lat),
        p50_ms=percentile(lat, 50),
        p95_ms=p95,
        max_ms=lat[-1],
        mean_ms=sum(lat) / len(lat),
        queries_min=min(case.queries),
        queries_max=max(case.queries),
        verdict="met" if p95 <= TARGET_MS else "MISSED",
    )


def table(rows: list[Row]) -> str:
    head = ["page", "persona", "visits", "p50 ms", "p95 ms", "max ms", "queries", f"p95 ≤ {TARGET_MS:g} ms"]
    body = [
        [
            r.page,
            r.persona,
            str(r.visits),
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.max_ms:.1f}",
            str(r.queries_min) if r.queries_min == r.queries_max else f"{r.queries_min}–{r.queries_max}",
            r.verdict,
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.ljust(w) if i in (0, 1, 7) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *(line(b) for b in body)])


def catch_up_quality_facts() -> None:
    """The quality facts up to date with the log, as the worker keeps them in production: else
    every dashboard visit would do the missing worker's catching up (a batch of log records each)
    and be timed for it."""
    from otklik.quality.refresh import facts_refresh

    started, records = time.monotonic(), 0
    while count := facts_refresh():
        records += count
    if records:
        print(f"quality facts brought up to date: {records:,} log records in {time.monotonic() - started:.0f} s")


def setup_django(database_url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("OTKLIK_DATA_DIR", str(data_dir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "otklik.settings"
    os.environ.pop("OTKLIK_DEBUG", None)  # DEBUG would keep every query's text
    os.environ.pop("OTKLIK_NOW", None)
    import django

    django.setup()


def _reachable(url: str) -> None:
    """A clear message instead of the pool's traceback when the seeded database is not there."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        raise SystemExit(
            f"cannot open the bench database {url}: {str(exc).strip()}\n"
            f"seed it first: .venv/bin/python bench/seed.py --requests 100000 --database-url {url}"
        ) from None


def main(argv: list[str] | None = None) -> None:
    from api import git_commit, wait_until_idle  # type: ignore[import-not-found]
    from seed import check_bench_database  # type: ignore[import-not-found]

    args = parse_args(argv)
    check_bench_database(args.database_url)
    _reachable(args.database_url)
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="otklik-bench-pages-") as tmp:
        setup_django(args.database_url, Path(tmp))
        from django.db import connection

        from otklik.tickets.models import LogRecord, Ticket

        tickets, records = Ticket.objects.count(), LogRecord.objects.count()
        open_tickets = Ticket.objects.filter(is_open=True).count()
        if not tickets:
            raise SystemExit("no requests: seed the database first (bench/seed.py)")
        top_up_notifications(args.notifications, rnd)
        complaint_ids = top_up_complaints(args.complaints, rnd)
        catch_up_quality_facts()
        cases = build_cases(visible_numbers(rnd), complaint_ids)
        if args.list:
            for c in cases:
                more = " …" if len(c.paths) > 3 else ""
                print(f"{c.key:18} {c.persona:10} {', '.join(unquote(p) for p in c.paths[:3])}{more}")
            return
        if args.pages:
            unknown = args.pages - {c.key for c in cases}
            if unknown:
                raise SystemExit(f"unknown pages: {', '.join(sorted(unknown))} (see --list)")
            cases = [c for c in cases if c.key in args.pages]
        print(
            f"database {connection.vendor} {connection.settings_dict['NAME']}: {tickets} requests "
            f"({open_tickets} open), {records} log records; {len(cases)} cases × "
            f"({args.warmup} warm-up + {args.passes} measured) visits"
        )
        commit, dirty = git_commit()
        busy_before = wait_until_idle(args.wait_idle) if args.wait_idle > 0 else None
        started = datetime.now().astimezone()
        run(cases, args)
        rows = [summarise(c) for c in cases]
        if args.sql:
            print_sql(cases)
    print(f"\nOtklik {commit}{' (src modified)' if dirty else ''}, {started:%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs")
    print(table(rows))
    if args.paths:
        for c in cases:
            if len(c.by_path) > 1:
                print(f"\n{c.page} as {c.persona}, per address (p50 / max ms):")
                for path, t in c.by_path.items():
                    print(f"  {percentile(sorted(t), 50):6.1f} / {max(t):6.1f}  {unquote(path)}")
    worst = max(rows, key=lambda r: r.p95_ms)
    missed = [r for r in rows if r.verdict != "met"]
    print(
        f"\nslowest p95: {worst.page} as {worst.persona}, {worst.p95_ms:.1f} ms; "
        + (f"target MISSED by {len(missed)} of {len(rows)}" if missed else f"target met by all {len(rows)}")
    )
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"pages-{started:%Y%m%d-%H%M%S}.json"
    report = {
        "date": started.isoformat(timespec="seconds"),
        "commit": commit,
        "src_modified": dirty,
        "command": [sys.executable, *sys.argv],
        "database_url": args.database_url,
        "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {"passes": args.passes, "warmup": args.warmup, "notifications": args.notifications},
        "machine_busy_pct_before": busy_before,
        "database": {"requests": tickets, "open": open_tickets, "log_records": records},
        "target_p95_ms": TARGET_MS,
        "results": [asdict(r) for r in rows],
        "cases": [
            {
                "key": c.key,
                "persona": c.persona,
                "by_path": {
                    unquote(path): {"p50_ms": percentile(sorted(t), 50), "max_ms": max(t), "times_ms": t}
                    for path, t in c.by_path.items()
                }
                if len(c.by_path) <= 30
                else {},
                "times_ms": c.times,
            }
            for c in cases
        ],
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
