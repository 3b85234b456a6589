"""Benchmark of the SLA timer pass (issue 3): finding and claiming the due requests among
1,000,000 (100,000 open), and firing due events through the real services.

    .venv/bin/python bench/sla_timers.py [--database-url URL] [--reseed] [--passes 50] [--due 500]

Workload. The database (default postgres://postgres@127.0.0.1:5432/otklik_bench_timers, created
when missing, migrated, demo organisation loaded) gets --requests bench requests of the demo's
three types with valid references (routes' start or closed point, the type's group and its
dispatcher, the demo initiators), written by INSERT … SELECT generate_series in a few seconds.
One in ten is open (--open of them); each open request has a next timer instant
(`sla_next_at`) spread 26 s apart, in a shuffled order, over the month around the measured
moment M (Wednesday 8 April 2026 18:30 Moscow time), such that exactly --due of them are due
at M; closed requests have none. Then VACUUM ANALYZE. A second run finds the data and skips the
seeding (--reseed drops and recreates the database).

Measured, each --passes times, in a transaction rolled back afterwards (so every pass sees the
same state):
1. one claim: `otklik.core.duework.claim(otklik.sla.timers.due(M), BATCH)` exactly as the pass issues it
   (SELECT … WHERE sla_next_at <= M ORDER BY sla_next_at LIMIT 100 FOR UPDATE OF … SKIP LOCKED);
2. a pass's whole finding and claiming: claims of 100 until fewer come back, the time of the
   claims summed; between them each batch's `sla_next_at` is cleared by an UPDATE (standing in
   for the firing, which moves it on; timed apart). Target: ≤ 100 ms per pass on PostgreSQL.
The plan of the claim (EXPLAIN ANALYZE) is printed once: the partial index `ticket_sla_next`.

3. the full pass: --fire Errors filed through `ticket_create` on Monday 30 March 2026 09:00 (so
   with real clocks), then `sla_timers_pass` at Thursday 2 April 10:00, when each has 9 events
   due (both targets' warnings and breaches, and five escalation levels of the demo's ladder);
   events per second. The seeded requests are not yet due then. Rolled back too (the batches
   are savepoints of one transaction here, not separate commits). Also printed: the pass's own CPU
   time, its SQL statements per request and the rows it wrote per request and table (the
   machine-independent part of the figure).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling seed.py

from seed import prepare_database, setup_django

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench_timers"
MSK = ZoneInfo("Europe/Moscow")
MOMENT = dt.datetime(2026, 4, 8, 18, 30, tzinfo=MSK)  # M: when the claim is measured
FIRE_FILED = dt.datetime(2026, 3, 30, 9, tzinfo=MSK)
FIRE_AT = dt.datetime(2026, 4, 2, 10, tzinfo=MSK)
STEP_SECONDS = 26  # between consecutive open requests' next instants: 100,000 span a month
SHUFFLE = 7919  # a prime: i -> i * SHUFFLE mod open is a permutation, so due rows are scattered
SUBJECT = "bench-timers"
TARGET_MS = 100.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help=f"default: $DATABASE_URL, else {DEFAULT_DB}")
    parser.add_argument("--requests", type=int, default=1_000_000, help="bench requests in all (default 1000000)")
    parser.add_argument("--open", type=int, default=100_000, help="of them open (default 100000)")
    parser.add_argument("--due", type=int, default=500, help="open requests due at the measured moment (default 500)")
    parser.add_argument("--passes", type=int, default=50, help="measured passes (default 50)")
    parser.add_argument("--fire", type=int, default=1000, help="requests for the full pass (default 1000; 0: skip)")
    parser.add_argument("--reseed", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args(argv)
    if not 0 < args.open <= args.requests or args.requests % args.open:
        parser.error("--open must divide --requests (every n-th request is open)")
    if not 0 <= args.due <= args.open or args.passes < 1 or args.fire < 0:
        parser.error("need 0 <= --due <= --open, --passes >= 1, --fire >= 0")
    return args


def seeded_count() -> int:
    from otklik.tickets.models import Ticket

    return Ticket.objects.filter(subject=SUBJECT).count()


def seed(args: argparse.Namespace) -> None:
    """The bench requests in plain SQL: per type, one INSERT … SELECT over generate_series."""
    from django.db import connection, transaction

    from otklik.accounts.directory import directory
    from otklik.accounts.models import User
    from otklik.catalog.models import Priority, RequestType
    from otklik.routes.models import PointKind, RoutePoint

    dispatchers = directory().dispatchers
    types = list(RequestType.objects.filter(code__in=["error", "request", "wish"]).order_by("code"))
    initiators = list(User.objects.filter(username__in=["initiator", "initiator2"]).order_by("id"))
    # Priorities in the bench's mix: critical 1, high 2, normal 5, low 2 (of 10).
    by_code = dict(Priority.objects.values_list("code", "id"))
    mix = [by_code[c] for c in ["critical", "high", "high"] + ["normal"] * 5 + ["low", "low"]]
    every = args.requests // args.open
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        offset = 0  # global index of the type's first request: open ones are numbered across types
        for n, rtype in enumerate(types):
            count = args.requests // len(types) + (1 if n < args.requests % len(types) else 0)
            start = RoutePoint.objects.get(route_id=rtype.route_id, is_start=True)
            closed = RoutePoint.objects.filter(route_id=rtype.route_id, kind=PointKind.CLOSED).order_by("order").first()
            assert closed is not None, f"route of {rtype.code} has no final point"
            group_id = rtype.default_group_id
            cur.execute(
                """
                INSERT INTO tickets_ticket (
                    number, request_type_id, seq, subject, description, fields, initiator_id, organisation_id,
                    category_id, priority_id, group_id, executor_id, point_id, is_open, version, search,
                    sla_due_at, sla_warn_at, sla_breached, sla_next_at, regulation_version_id,
                    created_at, updated_at, closed_at)
                SELECT
                    %(prefix)s || '-' || lpad((%(last)s + i + 1)::text, 7, '0'), %(type)s, %(last)s + i + 1,
                    %(subject)s, '', '{}'::jsonb, (%(initiators)s::bigint[])[1 + i %% 2], %(org)s,
                    NULL, (%(mix)s::bigint[])[1 + ((%(offset)s + i) / %(every)s) %% 10], %(group)s, %(executor)s,
                    CASE WHEN open THEN %(start)s ELSE %(closed)s END, open, CASE WHEN open THEN 1 ELSE 4 END,
                    lower(%(prefix)s || '-' || lpad((%(last)s + i + 1)::text, 7, '0') || ' ' || %(subject)s),
                    CASE WHEN open THEN next_at + interval '2 hours' END, NULL, false, next_at, NULL,
                    created, created, CASE WHEN open THEN NULL ELSE created + interval '1 day' END
                FROM generate_series(0, %(count)s - 1) AS g(i)
                CROSS JOIN LATERAL (SELECT (%(offset)s + i) %% %(every)s = 0 AS open) AS o
                CROSS JOIN LATERAL (
                    SELECT
                        %(moment)s::timestamptz
                            - interval '365 days' * (1 - (%(offset)s + i)::float / %(total)s) AS created,
                        CASE WHEN open THEN %(moment)s::timestamptz + make_interval(secs =>
                            (((((%(offset)s + i) / %(every)s)::bigint * %(shuffle)s) %% %(open_total)s)
                             - %(due)s + 0.5) * %(step)s)
                        END AS next_at
                ) AS t
                """,
                {
                    "prefix": rtype.prefix,
                    "last": rtype.last_number,
                    "type": rtype.pk,
                    "subject": SUBJECT,
                    "initiators": [u.pk for u in initiators],
                    "org": initiators[0].organisation_id,
                    "mix": mix,
                    "every": every,
                    "group": group_id,
                    "executor": dispatchers.get(group_id),
                    "start": start.pk,
                    "closed": closed.pk,
                    "count": count,
                    "offset": offset,
                    "total": args.requests,
                    "moment": MOMENT,
                    "shuffle": SHUFFLE,
                    "open_total": args.open,
                    "due": args.due,
                    "step": STEP_SECONDS,
                },
            )
            # Numbering continues after the bench rows, so later filings never collide.
            RequestType.objects.filter(pk=rtype.pk).update(last_number=rtype.last_number + count)
            offset += count
            print(f"  {rtype.code}: {count:,} requests")
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE tickets_ticket")
    print(
        f"seeded {args.requests:,} requests in {inserted:.1f} s; VACUUM ANALYZE {time.perf_counter() - started:.1f} s"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def summary(name: str, times: list[float], *, target: float | None = None) -> None:
    times = sorted(times)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    verdict = ""
    if target is not None:
        verdict = f"   target ≤ {target:.0f} ms: {'met' if p95 * 1000 <= target else 'MISSED'} (p95)"
    print(
        f"  {name}: p50 {ms(statistics.median(times))}, p95 {ms(p95)}, max {ms(times[-1])} "
        f"over {len(times)} passes{verdict}"
    )


def measure_claims(args: argparse.Namespace) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from otklik.core.duework import claim
    from otklik.sla import timers
    from otklik.tickets.models import Ticket

    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            claimed = claim(timers.due(MOMENT), timers.BATCH)
        sql = captured.captured_queries[-1]["sql"]
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cur.fetchall()]
        transaction.set_rollback(True)
    print(f"\nthe claim, as issued ({len(claimed)} rows):\n  {sql}\nits plan:")
    for line in plan:
        print(f"  {line}")
    if "ticket_sla_next" not in "\n".join(plan):
        print("  !!! the partial index ticket_sla_next is NOT used")

    one: list[float] = []
    whole: list[float] = []
    moves: list[float] = []
    found: set[int] = set()
    for _ in range(args.passes):
        with transaction.atomic():
            t0 = time.perf_counter()
            claim(timers.due(MOMENT), timers.BATCH)
            one.append(time.perf_counter() - t0)
            transaction.set_rollback(True)
        with transaction.atomic():
            claiming = moving = 0.0
            total = 0
            while True:
                t0 = time.perf_counter()
                batch = claim(timers.due(MOMENT), timers.BATCH)
                t1 = time.perf_counter()
                # Firing moves each request's next instant on (not timed as claiming); here it is cleared.
                Ticket.objects.filter(pk__in=[t.pk for t in batch]).update(sla_next_at=None)
                claiming, moving = claiming + t1 - t0, moving + time.perf_counter() - t1
                total += len(batch)
                if len(batch) < timers.BATCH:
                    break
            whole.append(claiming)
            moves.append(moving)
            found.add(total)
            transaction.set_rollback(True)
    print(f"\nclaiming at M, {args.passes} passes, each rolled back:")
    summary(f"one claim of {timers.BATCH}", one)
    summary(f"a pass finding and claiming all {', '.join(map(str, sorted(found)))} due", whole, target=TARGET_MS)
    summary("(not in it: the UPDATEs moving them on)", moves)


def measure_fire(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.db import connection, transaction

    from otklik.accounts.models import User
    from otklik.sla.timers import sla_timers_pass
    from otklik.tickets.models import LogRecord
    from otklik.workflow import ticket_create

    initiator = User.objects.get(username="initiator")
    with transaction.atomic():
        # The application's clock, as OTKLIK_NOW sets it (settings refuse it from the
        # environment outside debug mode; a benchmark sets it directly).
        settings.OTKLIK_NOW = FIRE_FILED.isoformat()
        t0 = time.perf_counter()
        ids = [
            ticket_create(
                initiator=initiator,
                type_code="error",
                subject="bench-timers fire",
                category_code="accounting",
                fields={"steps": "x"},
            ).pk
            for _ in range(args.fire)
        ]
        filed = time.perf_counter() - t0
        settings.OTKLIK_NOW = FIRE_AT.isoformat()
        written = rows_written()
        statements: list[str] = []
        t0, cpu0 = time.perf_counter(), time.process_time()
        handled = passes = 0
        with connection.execute_wrapper(lambda execute, sql, *rest: statements.append(sql) or execute(sql, *rest)):
            while True:  # as `otklik worker --once` drains the job
                count = sla_timers_pass(budget_seconds=3600)
                passes += 1
                handled += count
                if not count:
                    break
        took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        written = {t: n - written.get(t, 0) for t, n in rows_written().items() if n != written.get(t, 0)}
        events = LogRecord.objects.filter(ticket_id__in=ids, event="sla").exclude(sla_event="applied").count()
        transaction.set_rollback(True)
    settings.OTKLIK_NOW = None
    per = max(handled, 1)
    print(
        f"\nfull pass: {args.fire:,} Errors filed with ticket_create in {filed:.1f} s; at {FIRE_AT:%a %d %b %H:%M} "
        f"sla_timers_pass handled {handled:,} requests ({passes} calls), {events:,} events, in {took:.2f} s:\n"
        f"  {handled / took:,.0f} requests/s, {events / took:,.0f} events/s (one process; "
        f"its own CPU {cpu:.2f} s, the rest waiting on PostgreSQL or the machine)\n"
        f"  {len(statements) / per:.2f} SQL statements per request ({len(statements):,}); rows written per request: "
        + ", ".join(f"{t} {n / per:.2f}" for t, n in sorted(written.items()))
    )


def rows_written() -> dict[str, int]:
    """Rows inserted or updated so far in this transaction, by table (PostgreSQL's own count)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT relname, n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables")
        return dict(cur.fetchall())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DB
    if not url.startswith("postgres"):
        raise SystemExit("this benchmark needs PostgreSQL (SKIP LOCKED, generate_series)")
    print(f"database: {url}")
    prepare_database(url, recreate=args.reseed)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from otklik.runtime.demo import demo_load
    from otklik.sla import timers
    from otklik.tickets.models import Ticket

    call_command("migrate", interactive=False, verbosity=0)
    demo_load()
    have = seeded_count()
    if have == 0:
        seed(args)
    elif have != args.requests:
        raise SystemExit(f"the database holds {have:,} bench requests, not {args.requests:,}: use --reseed")
    else:
        print(f"seeding skipped: {have:,} bench requests present")
    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version: Any = cur.fetchone()[0]
    total = Ticket.objects.count()
    with_next = Ticket.objects.filter(sla_next_at__isnull=False).count()
    due = Ticket.objects.filter(sla_next_at__lte=MOMENT).count()
    if due != args.due:
        raise SystemExit(f"{due:,} requests are due at M, not {args.due:,} (seeded with another --due?): use --reseed")
    print(
        f"\nworkload: {total:,} requests ({Ticket.objects.filter(is_open=True).count():,} open), "
        f"{with_next:,} with a next timer instant, {due:,} due at M = {MOMENT.isoformat()}; "
        f"claims of {timers.BATCH}\n{version.split(',')[0]}"
    )
    measure_claims(args)
    if args.fire:
        measure_fire(args)


if __name__ == "__main__":
    main()
