"""Benchmark of the quality facts' upkeep (issue 6): how fast the refresh turns per-stage logs into
facts, next-reaction outcomes and daily counts.

    .venv/bin/python bench/quality_refresh.py [--database-url URL] [--requests 20000] [--reseed]

The database (default postgres://postgres@127.0.0.1:5432/otklik_bench_quality_refresh) is filled by
bench/seed.py with --requests requests and their history (about 5 log records each, with SLA
clocks) when it holds none. Then the facts are dropped and the worker's job
(`otklik.quality.refresh.facts_refresh`, 5,000 log records a pass) is run until it reports nothing
more, as on an install that has just gained the quality app: log records and requests per second.
No target: the job runs every 30 seconds and must keep ahead of the log (the API's target is 400
new requests a second, with about 3 records each at first).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling seed.py

import seed as seeder

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench_quality_refresh"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help=f"default: $DATABASE_URL, else {DEFAULT_DB}")
    parser.add_argument("--requests", type=int, default=20_000, help="requests with history (default 20000)")
    parser.add_argument("--reseed", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_DB
    seeder.prepare_database(url, recreate=args.reseed)
    seeder.setup_django(url)
    from django.core.management import call_command

    from otklik.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    if not Ticket.objects.exists():
        seeder.seed(seeder.parse_args(["--requests", str(args.requests), "--database-url", url]))

    from otklik.quality.models import DayCount, Fact, NextReaction, RefreshState
    from otklik.quality.refresh import BATCH, facts_refresh

    for model in (RefreshState, NextReaction, DayCount, Fact):
        model.objects.all().delete()
    started = time.perf_counter()
    records = passes = 0
    while count := facts_refresh():
        records += count
        passes += 1
    seconds = time.perf_counter() - started
    requests = Fact.objects.count()
    print(
        f"refreshed {records:,} log records of {requests:,} requests in {seconds:.1f} s "
        f"({passes} passes of up to {BATCH:,} records): {records / seconds:,.0f} records/s, "
        f"{requests / seconds:,.0f} requests/s"
    )


if __name__ == "__main__":
    main()
