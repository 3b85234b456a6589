"""Profile a handful of API requests in-process (django.test.Client + cProfile), per scenario.

    python bench/profile_api.py [--database-url URL] [--requests 200] [--scenarios create,list,detail]
    python bench/profile_api.py --scenarios page_request   # the request page, signed in

Runs the same calls as bench/api.py without a server (WSGI path, no network), reports the
mean wall time and SQL queries per request, then the top functions by own and cumulative
time. Tokens it creates are revoked at the end; created requests stay (as with bench/api.py).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DB,
        help=f"default: $DATABASE_URL, else {DEFAULT_DB}",
    )
    parser.add_argument("--requests", type=int, default=200, help="profiled requests per scenario (default 200)")
    parser.add_argument("--scenarios", default="create,list,detail")
    parser.add_argument("--top", type=int, default=25, help="rows of each profile listing (default 25)")
    parser.add_argument("--sql", action="store_true", help="print the SQL of one request per scenario")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="otklik-prof-") as tmp:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("OTKLIK_DATA_DIR", str(Path(tmp)))
        os.environ["DJANGO_SETTINGS_MODULE"] = "otklik.settings"
        import django

        django.setup()
        run(args)


def run(args: argparse.Namespace) -> None:
    from api import Fixtures, make_fixtures, revoke_tokens, scenario_calls  # type: ignore[import-not-found]
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rnd = random.Random(1)
    fx: Fixtures = make_fixtures(rnd)
    client = Client(HTTP_HOST="127.0.0.1")
    try:
        for name in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
            make_call = scenario_calls(name, fx)

            def one(i: int, make_call: Any = make_call) -> int:
                call = make_call(i, rnd)
                headers = {"Authorization": f"Bearer {call.token}"}
                if call.cookie:  # a page (page_request, page_work, page_portal): the session, as a browser
                    headers = {"Cookie": call.cookie, "Accept": "text/html", "Accept-Language": "ru"}
                if call.method == "POST":
                    resp = client.post(call.path, data=call.body, content_type="application/json", headers=headers)
                else:
                    resp = client.get(call.path, headers=headers)
                if not 200 <= resp.status_code < 300:
                    raise SystemExit(f"{call.method} {call.path}: {resp.status_code} {resp.content[:300]!r}")
                return resp.status_code

            for i in range(10):  # warm caches (URL resolver, ninja schemas, connection)
                one(i)
            with CaptureQueriesContext(connection) as ctx:
                one(0)
            queries = ctx.captured_queries
            t0 = time.perf_counter()
            for i in range(args.requests):
                one(i)
            wall = (time.perf_counter() - t0) / args.requests * 1000
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.requests):
                one(i)
            profiler.disable()
            sql_ms = sum(float(q["time"]) for q in queries) * 1000
            print(
                f"\n===== {name}: {wall:.1f} ms per request (no profiler); {len(queries)} queries, {sql_ms:.1f} ms SQL"
            )
            if args.sql:
                for q in queries:
                    print(f"  [{float(q['time']) * 1000:.1f} ms, {len(q['sql'])} chars] {q['sql'][:400]}")
                    if os.environ.get("SQL_DUMP"):  # the whole statements, for EXPLAIN in psql
                        with Path(os.environ["SQL_DUMP"]).open("a") as out:
                            out.write(q["sql"] + ";\n")
            for order in ("tottime", "cumulative"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
                text = out.getvalue()
                print(f"--- by {order}")
                print(text[text.index("   ncalls") :].rstrip())
    finally:
        revoke_tokens(fx.token_ids, fx.sessions)


if __name__ == "__main__":
    main()
