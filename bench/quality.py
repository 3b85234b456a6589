"""Benchmark of the quality report (issue 6): the report for one year over 1,000,000 requests on
PostgreSQL, for everyone (target ≤ 2 s) and for one group (target ≤ 300 ms).

    .venv/bin/python bench/quality.py [--database-url URL] [--requests 1000000] [--repeat 7] [--reseed]

Workload. The database (default postgres://postgres@127.0.0.1:5432/otklik_bench_quality, created when
missing, migrated, demo organisation loaded) gets 10 bench support groups of 10 agents each, and
--requests requests filed evenly over 2025 (Moscow time), spread over the groups by the weights
18, 14, 12, 11, 10, 9, 8, 7, 6, 5 %, over the demo's three types and four priorities. Each request
has its row of quality facts, ~20 % have settled next-reaction cycles, the resolved ones a survey
(45 % answered), 1 % a complaint. The figures are shaped like a help desk's: 96 % reacted to (about
9 in 10 in time), 82 % resolved (about 9 in 10 in time), 6 % reopened, 10 % reassigned, 3 % still
open, 20 % of the resolved confirmed automatically; and the daily counts the refresh keeps.

The seeding writes these rows directly, in one INSERT … SELECT over generate_series per table (with
deterministic pseudo-random values from hashtext), then VACUUM ANALYZE: the benchmark measures the
report, not the facts' upkeep or the seeding, which take minutes (and are not timed against a
target). A second run finds the data and skips the seeding (--reseed drops the database first).

Measured, --repeat times after one unmeasured warm-up each: `otklik.quality.report.report_build`
for the days 2025-01-01..2025-12-31, exactly as the API and the page call it (the facts refresh
before it, every query, the assembly of the figures of the total, the groups, the agents, the weeks,
the types and priorities): for everyone, for the largest group (18 % of the requests), for the
smallest (5 %), and for one agent; then, for information, the API answer and the report page for
everyone and the largest group through Django's test client (no target). Printed: median and max
per scope, and the SQL statements of one run with their time (--explain adds their plans).
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

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench_quality"
MSK = ZoneInfo("Europe/Moscow")
YEAR_START = dt.datetime(2025, 1, 1, tzinfo=MSK)
SUBJECT = "bench-quality"
GROUP_WEIGHTS = (18, 14, 12, 11, 10, 9, 8, 7, 6, 5)
AGENTS_PER_GROUP = 10
TABLES = ("quality_fact", "quality_nextreaction", "quality_daycount", "feedback_survey", "feedback_complaint")
TARGETS_MS = {"everyone": 2000.0, "largest group": 300.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help=f"default: $DATABASE_URL, else {DEFAULT_DB}")
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests over the year (default 1000000)")
    parser.add_argument("--repeat", type=int, default=7, help="measured runs per scope (default 7)")
    parser.add_argument("--reseed", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--explain", action="store_true", help="print the plan of each statement of one run")
    args = parser.parse_args(argv)
    if args.requests < 1000 or args.repeat < 1:
        parser.error("need --requests >= 1000 and --repeat >= 1")
    return args


def u(key: str, column: str = "t.id") -> str:
    """A deterministic pseudo-random number in [0, 1) per row and key."""
    return f"((hashtext(({column})::text || '{key}')::bigint + 2147483648) / 4294967296.0)"


def seeded_count() -> int:
    from otklik.tickets.models import Ticket

    return Ticket.objects.filter(subject=SUBJECT).count()


def bench_groups() -> list[tuple[int, list[int]]]:
    """The bench groups (code bench-g01 …) with their agents, created when missing."""
    from otklik.accounts.models import GroupMembership, Role, SupportGroup, User

    out = []
    for n, _weight in enumerate(GROUP_WEIGHTS, 1):
        group, _ = SupportGroup.objects.get_or_create(
            code=f"bench-g{n:02d}", defaults={"name_ru": f"Группа {n}", "name_en": f"Group {n}"}
        )
        agents = []
        for a in range(1, AGENTS_PER_GROUP + 1):
            user, created = User.objects.get_or_create(
                username=f"bench-g{n:02d}-a{a:02d}", defaults={"role": Role.LEAD if a == 1 else Role.AGENT}
            )
            if created:
                user.set_unusable_password()
                user.save()
            GroupMembership.objects.get_or_create(group=group, user=user, defaults={"is_lead": a == 1})
            agents.append(user.pk)
        out.append((group.pk, agents))
    return out


def seed(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    from otklik.accounts.models import User
    from otklik.catalog.models import Priority, RequestType
    from otklik.routes.models import PointKind, RoutePoint

    groups = bench_groups()
    # Group of request i: cumulative weights over 100 slots; executor: one of its agents.
    slots = [g for (g, _), w in zip(groups, GROUP_WEIGHTS, strict=True) for _ in range(w)]
    agents = [a for _, members in groups for a in members]
    group_index = {g: n for n, (g, _) in enumerate(groups)}
    slot_agents = [group_index[g] * AGENTS_PER_GROUP for g in slots]  # first agent of the slot's group
    types = list(RequestType.objects.filter(code__in=["error", "request", "wish"]).order_by("code"))
    points = {
        t.pk: (
            RoutePoint.objects.get(route_id=t.route_id, is_start=True).pk,
            RoutePoint.objects.filter(route_id=t.route_id, kind=PointKind.CLOSED).order_by("order").first().pk,
        )
        for t in types
    }
    prio = dict(Priority.objects.values_list("code", "id"))
    prio_mix = [prio[c] for c in ["critical", "high", "high"] + ["normal"] * 5 + ["low", "low"]]
    initiator = User.objects.get(username="initiator")
    last = max(t.last_number for t in types)
    n = args.requests
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute(
            f"""
            INSERT INTO tickets_ticket (
                number, request_type_id, seq, subject, description, fields, initiator_id, organisation_id,
                category_id, priority_id, group_id, executor_id, point_id, is_open, version, search,
                sla_due_at, sla_warn_at, sla_breached, sla_next_at, auto_close_at, regulation_version_id,
                created_at, updated_at, closed_at)
            SELECT
                'QB-' || lpad((%(last)s + i + 1)::text, 8, '0'), (%(types)s::bigint[])[1 + i %% 3], %(last)s + i + 1,
                %(subject)s, '', '{{}}'::jsonb, %(initiator)s, %(org)s, NULL,
                (%(prio)s::bigint[])[1 + (i / 3) %% 10], (%(slots)s::bigint[])[1 + i %% 100],
                (%(agents)s::bigint[])[1 + (%(slot_agents)s::int[])[1 + i %% 100] + (i / 100) %% {AGENTS_PER_GROUP}],
                (%(starts)s::bigint[])[1 + i %% 3], true, 1, 'qb-' || i,
                NULL, NULL, false, NULL, NULL, NULL,
                %(start)s::timestamptz + interval '365 days' * i / %(n)s,
                %(start)s::timestamptz + interval '365 days' * i / %(n)s, NULL
            FROM generate_series(0, %(n)s - 1) AS g(i)
            """,
            {
                "last": last,
                "types": [t.pk for t in types],
                "subject": SUBJECT,
                "initiator": initiator.pk,
                "org": initiator.organisation_id,
                "prio": prio_mix,
                "slots": slots,
                "agents": agents,
                "slot_agents": slot_agents,
                "starts": [points[t.pk][0] for t in types],
                "start": YEAR_START,
                "n": n,
            },
        )
        RequestType.objects.filter(pk__in=[t.pk for t in types]).update(last_number=last + n)
        print(f"  requests: {time.perf_counter() - started:.1f} s")
        step = time.perf_counter()
        # Next-reaction outcomes first (the facts count them): one or two cycles, two days apart.
        cur.execute(
            f"""
            INSERT INTO quality_nextreaction (ticket_id, cycle, at, met, type_id, priority_id, group_id, executor_id)
            SELECT t.id, c, t.created_at + interval '2 days' * c, {u("m", "t.id * 7 + c")} < 0.85,
                   t.request_type_id, t.priority_id, t.group_id, t.executor_id
            FROM tickets_ticket t CROSS JOIN generate_series(1, 2) AS c
            WHERE t.subject = %(subject)s AND {u("nr")} < 0.2 AND (c = 1 OR {u("n2")} < 0.3)
            """,
            {"subject": SUBJECT},
        )
        print(f"  next reactions: {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        # The facts, shaped by per-row pseudo-random draws (seconds are working time; the calendar
        # instants stretch them about threefold, nights and weekends in between). About 3 % stay
        # open: the unresolved and the resolved alike are closed otherwise.
        cur.execute(
            f"""
            INSERT INTO quality_fact (
                ticket_id, type_id, priority_id, group_id, executor_id,
                received_group_id, received_executor_id, reaction_group_id, reaction_executor_id,
                resolution_group_id, resolution_executor_id, first_resolution_group_id, first_resolution_executor_id,
                reaction_breach_group_id, reaction_breach_executor_id,
                resolution_breach_group_id, resolution_breach_executor_id,
                created_at, closed_at, first_reaction_at, first_reaction_seconds, first_reaction_met,
                first_reaction_breached_at,
                first_resolved_at, resolved_at, resolution_seconds, resolution_met, resolution_breached_at,
                next_met, next_breached, reopens, reassignments, auto_confirmed)
            SELECT
                t.id, t.request_type_id, t.priority_id, t.group_id, t.executor_id,
                t.group_id, t.executor_id, t.group_id, t.executor_id,
                t.group_id, t.executor_id, t.group_id, t.executor_id,
                CASE WHEN reacted AND fr > 14400 THEN t.group_id ELSE 0 END,
                CASE WHEN reacted AND fr > 14400 THEN t.executor_id END,
                CASE WHEN resolved AND res > 86400 THEN t.group_id ELSE 0 END,
                CASE WHEN resolved AND res > 86400 THEN t.executor_id END,
                t.created_at,
                CASE WHEN {u("op")} < 0.03 THEN NULL
                     WHEN resolved THEN t.created_at + make_interval(secs => res * 3) + interval '3 days'
                     ELSE t.created_at + interval '2 hours' END,
                CASE WHEN reacted THEN t.created_at + make_interval(secs => fr * 2.5) END,
                CASE WHEN reacted THEN fr END,
                CASE WHEN reacted THEN fr <= 14400 END,
                CASE WHEN reacted AND fr > 14400 THEN t.created_at + interval '10 hours' END,
                CASE WHEN resolved THEN t.created_at + make_interval(secs => res * 3)
                     - CASE WHEN reopened THEN interval '1 day' ELSE interval '0' END END,
                CASE WHEN resolved THEN t.created_at + make_interval(secs => res * 3) END,
                CASE WHEN resolved THEN res END,
                CASE WHEN resolved THEN res <= 86400 END,
                CASE WHEN resolved AND res > 86400 THEN t.created_at + interval '4 days' END,
                coalesce(n.met, 0), coalesce(n.breached, 0),
                CASE WHEN reopened THEN 1 ELSE 0 END,
                CASE WHEN {u("ra")} < 0.1 THEN 1 + ({u("rb")} < 0.3)::int ELSE 0 END,
                resolved AND {u("op")} >= 0.03 AND {u("ac")} < 0.2
            FROM tickets_ticket t
            CROSS JOIN LATERAL (
                SELECT {u("r")} < 0.96 AS reacted, {u("s")} < 0.82 AS resolved, {u("o")} < 0.06 AS reopened,
                       (-ln(1 - {u("fr")}) * 6120)::int AS fr, (-ln(1 - {u("rs")}) * 39600)::int AS res
            ) d
            LEFT JOIN (
                SELECT ticket_id, count(*) FILTER (WHERE met) AS met, count(*) FILTER (WHERE NOT met) AS breached
                FROM quality_nextreaction GROUP BY ticket_id
            ) n ON n.ticket_id = t.id
            WHERE t.subject = %(subject)s
            """,
            {"subject": SUBJECT},
        )
        print(f"  facts: {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        # The daily counts, as the refresh keeps them (quality.facts.contributions), in one GROUP BY,
        # each measure under its own attribution columns (reassignments: the group's, nobody's).
        day = "(({col}) AT TIME ZONE 'Europe/Moscow')::date"
        parts = [
            ("received", "created_at", "TRUE", "1", "received"),
            ("resolved", "resolved_at", "TRUE", "1", "resolution"),
            ("res_met", "resolved_at", "resolution_met", "1", "resolution"),
            ("reassigned", "resolved_at", "reassignments > 0", "1", ""),
            ("reassignments", "resolved_at", "reassignments > 0", "reassignments", ""),
            ("auto_confirmed", "resolved_at", "auto_confirmed", "1", "resolution"),
            ("fr_met", "first_reaction_at", "first_reaction_met", "1", "reaction"),
            ("fr_breached", "first_reaction_breached_at", "TRUE", "1", "reaction_breach"),
            ("res_breached", "resolution_breached_at", "TRUE", "1", "resolution_breach"),
            ("first_resolved", "first_resolved_at", "TRUE", "1", "first_resolution"),
            ("reopened", "first_resolved_at", "reopens > 0", "1", "first_resolution"),
        ]
        measures = [p[0] for p in parts] + ["nr_met", "nr_breached"]
        selects = [
            f"SELECT {day.format(col=col)} AS day, {owner or 'resolution'}_group_id AS group_id, "
            f"{f'coalesce({owner}_executor_id, 0)' if owner else '0'} AS executor_id, type_id, "
            f"priority_id, '{name}' AS m, {amount} AS n FROM quality_fact WHERE {col} IS NOT NULL AND {cond}"
            for name, col, cond, amount, owner in parts
        ]
        selects.append(
            f"SELECT {day.format(col='at')}, group_id, coalesce(executor_id, 0), type_id, priority_id, "
            "CASE WHEN met THEN 'nr_met' ELSE 'nr_breached' END, 1 FROM quality_nextreaction"
        )
        sums = ", ".join(f"coalesce(sum(n) FILTER (WHERE m = '{m}'), 0)" for m in measures)
        union = " UNION ALL ".join(selects)
        cur.execute(
            f"INSERT INTO quality_daycount (day, group_id, executor_id, type_id, priority_id, {', '.join(measures)}) "
            f"SELECT day, group_id, executor_id, type_id, priority_id, {sums} "
            f"FROM ({union}) AS c GROUP BY 1, 2, 3, 4, 5"
        )
        print(f"  daily counts: {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        cur.execute(
            f"""
            INSERT INTO feedback_survey (
                ticket_id, initiator_id, executor_id, group_id, asked_at, expires_at, remind_at, reminded_at,
                token_nonce, token_used_at, score, comment, answered_at, answered_via)
            SELECT f.ticket_id, %(initiator)s, f.executor_id, f.group_id, f.first_resolved_at,
                   f.first_resolved_at + interval '14 days', NULL, NULL, md5(f.ticket_id::text), NULL,
                   CASE WHEN answered THEN
                       CASE WHEN v < 0.50 THEN 5 WHEN v < 0.75 THEN 4 WHEN v < 0.87 THEN 3
                            WHEN v < 0.94 THEN 2 ELSE 1 END
                   END,
                   '', CASE WHEN answered THEN f.first_resolved_at + interval '5 hours' END,
                   CASE WHEN answered THEN 'link' ELSE '' END
            FROM quality_fact f
            CROSS JOIN LATERAL (SELECT {u("a", "f.ticket_id")} < 0.45 AS answered, {u("v", "f.ticket_id")} AS v) d
            WHERE f.first_resolved_at IS NOT NULL
            """,
            {"initiator": initiator.pk},
        )
        cur.execute(
            f"""
            INSERT INTO feedback_complaint (
                kind, ticket_id, author_id, organisation_id, group_id, executor_id, body, state, reviewer_id,
                answer, filed_at, review_at, answered_at, reaction_due_at, answer_due_at, reaction_breached_at,
                answer_breached_at, next_check_at, version)
            SELECT 'request', f.ticket_id, %(initiator)s, NULL, f.group_id, f.executor_id, 'bench',
                   CASE WHEN {u("st", "f.ticket_id")} < 0.3 THEN 'upheld'
                        WHEN {u("st", "f.ticket_id")} < 0.8 THEN 'rejected' ELSE 'review' END,
                   NULL, '', f.created_at + interval '3 days', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1
            FROM quality_fact f WHERE {u("cp", "f.ticket_id")} < 0.01
            """,
            {"initiator": initiator.pk},
        )
        print(f"  surveys and complaints: {time.perf_counter() - step:.1f} s")
    inserted = time.perf_counter() - started
    step = time.perf_counter()
    with connection.cursor() as cur:
        for table in ("tickets_ticket", *TABLES):
            cur.execute(f"VACUUM ANALYZE {table}")
    print(f"seeded {n:,} requests in {inserted:.1f} s; VACUUM ANALYZE {time.perf_counter() - step:.1f} s")


def counts() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")
            out[table] = cur.fetchone()[0]
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from otklik.accounts.models import SupportGroup, User
    from otklik.quality.period import Period
    from otklik.quality.refresh import facts_refresh_all
    from otklik.quality.report import report_build
    from otklik.quality.scope import Scope

    facts_refresh_all()  # the demo's own requests: the facts are up to date before timing
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "Europe/Moscow")
    largest = SupportGroup.objects.get(code="bench-g01").pk
    smallest = SupportGroup.objects.get(code=f"bench-g{len(GROUP_WEIGHTS):02d}").pk
    agent = User.objects.get(username="bench-g01-a02").pk
    scopes = {
        "everyone": Scope(),
        "largest group": Scope(group_ids=frozenset({largest})),
        "smallest group": Scope(group_ids=frozenset({smallest})),
        "one agent": Scope(executor_id=agent),
    }
    results: dict[str, Any] = {}
    for name, scope in scopes.items():
        report_build(scope, period)  # warm-up: caches, plans, buffers
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            data = report_build(scope, period).data
            times.append(time.perf_counter() - started)
        target = TARGETS_MS.get(name)
        med = statistics.median(times)
        verdict = f"   target ≤ {target:.0f} ms: {'met' if med * 1000 <= target else 'MISSED'}" if target else ""
        print(
            f"  {name:15s} received {data['figures']['received']:>9,}  median {ms(med):>8}  max {ms(max(times)):>8}"
            f"  ({args.repeat} runs){verdict}"
        )
        results[name] = {"median_ms": med * 1000, "max_ms": max(times) * 1000, "received": data["figures"]["received"]}
    measure_http(args, largest)
    print("\nthe statements of one report for everyone:")
    with CaptureQueriesContext(connection) as captured:
        report_build(scopes["everyone"], period)
    for q in captured.captured_queries:
        sql = " ".join(q["sql"].split())
        print(f"  {float(q['time']) * 1000:8.1f} ms  {sql[:150]}")
        if args.explain and sql.upper().startswith("SELECT"):
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n".join("            " + r[0] for r in cur.fetchall()))
    return results


def measure_http(args: argparse.Namespace, largest: int) -> None:
    """The same report through the API and the page, in-process (Django's test client: the WSGI
    path without the network), as the support manager: JSON, the charts and tables included."""
    from django.conf import settings
    from django.test import Client

    from otklik.accounts.models import SupportGroup, User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username="manager"))
    group = SupportGroup.objects.get(pk=largest).code
    print("\nthrough HTTP (in-process), the support manager:")
    for name, url in (
        ("API, everyone", "/api/v1/reports/quality?from=2025-01-01&to=2025-12-31"),
        ("API, largest group", f"/api/v1/reports/quality?from=2025-01-01&to=2025-12-31&group={group}"),
        ("page, everyone", "/reports/quality?from=2025-01-01&to=2025-12-31"),
        ("page, largest group", f"/reports/quality?from=2025-01-01&to=2025-12-31&group={group}"),
    ):
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, url
        print(f"  {name:20s} median {ms(statistics.median(times)):>8}  max {ms(max(times)):>8}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_DB
    if not url.startswith("postgres"):
        raise SystemExit("the quality benchmark runs on PostgreSQL (its targets are PostgreSQL's)")
    prepare_database(url, recreate=args.reseed)
    setup_django(url)
    from django.core.management import call_command

    from otklik.runtime.demo import demo_load

    call_command("migrate", verbosity=0)
    demo_load()
    have = seeded_count()
    if have == 0:
        print(f"seeding {args.requests:,} requests …")
        seed(args)
    elif have != args.requests:
        raise SystemExit(f"the database holds {have:,} bench requests, not {args.requests:,}: pass --reseed")
    else:
        print(f"found {have:,} bench requests (pass --reseed to seed again)")
    print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts().items()))
    print(f"\nthe quality report for 2025 (Europe/Moscow), {args.repeat} runs per scope after one warm-up:")
    measure(args)


if __name__ == "__main__":
    main()
