"""Benchmark of the working calendar (issue 3): add() and elapsed() over 100,000 varied inputs.

Workload: a Moscow office calendar (Mon–Fri 09:00–13:00 and 14:00–18:00, the 2025–2028 Russian
holidays as plain dates, a shortened 31 December); starts spread over 2025–2028 at random
minutes (inside and outside working hours, weekends, holidays); amounts from 1 minute to 80
working hours; elapsed() between two random instants up to 60 days apart. Target on this
2-core machine: ≥ 150,000 add/s and ≥ 150,000 elapsed/s.

    .venv/bin/python bench/sla_calendar.py [--n 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from otklik.sla.calendar import WorkCalendar

RU_HOLIDAYS = [
    f"{y}-{md}"
    for y in (2025, 2026, 2027, 2028)
    for md in (
        "01-01",
        "01-02",
        "01-05",
        "01-06",
        "01-07",
        "01-08",
        "02-23",
        "03-09",
        "05-01",
        "05-11",
        "06-12",
        "11-04",
    )
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    workday = [["09:00", "13:00"], ["14:00", "18:00"]]
    cal = WorkCalendar.from_dict(
        {
            "tz": "Europe/Moscow",
            "week": {d: workday for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": RU_HOLIDAYS,
            "overrides": {f"{y}-12-31": [["09:00", "17:00"]] for y in (2025, 2026, 2027, 2028)},
        }
    )
    tz = ZoneInfo("Europe/Moscow")
    origin = dt.datetime(2025, 1, 1, tzinfo=tz)
    span = 4 * 365 * 24 * 60
    starts = [origin + dt.timedelta(minutes=rnd.randrange(span)) for _ in range(args.n)]
    amounts = [dt.timedelta(minutes=rnd.randrange(1, 80 * 60)) for _ in range(args.n)]
    ends = [s + dt.timedelta(minutes=rnd.randrange(60 * 24 * 60)) for s in starts]

    cal.add(starts[0], amounts[0])  # build the table once, as a long-running process has it
    t0 = time.perf_counter()
    for s, a in zip(starts, amounts, strict=True):
        cal.add(s, a)
    add_rate = args.n / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for s, e in zip(starts, ends, strict=True):
        cal.elapsed(s, e)
    elapsed_rate = args.n / (time.perf_counter() - t0)
    print(f"WorkCalendar over {args.n:,} varied inputs (Moscow office calendar, 2025–2028):")
    print(f"  add:     {add_rate:,.0f} ops/s   (target ≥ 150,000) {'met' if add_rate >= 150_000 else 'MISSED'}")
    print(f"  elapsed: {elapsed_rate:,.0f} ops/s   (target ≥ 150,000) {'met' if elapsed_rate >= 150_000 else 'MISSED'}")


if __name__ == "__main__":
    main()
