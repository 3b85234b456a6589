"""Benchmark of the notification queue's latency (issue 4, part b): from a committed change to the
e-mail arriving at the SMTP server, at a steady rate of changes, on PostgreSQL.

    .venv/bin/python bench/notify_latency.py [--database-url URL] [--rate 50] [--seconds 20]

Workload. The database (default postgres://postgres@127.0.0.1:5432/otklik_bench_notify, created
when missing, migrated, demo organisation loaded) and one `otklik worker` process (as in
production: its own process, LISTEN/NOTIFY wake-up, polling once a second as the fallback)
sending to an aiosmtpd server on 127.0.0.1 in this process, which notes when each message
arrives. This process posts --rate public comments a second for --seconds (the first-line lead
answering the demo initiator's requests through `ticket_comment`, each its own transaction);
each comment queues the initiator's in-app and e-mail notifications. Latency = the e-mail's
arrival at the server − the comment's commit (both clocks in this process). Printed: p50, p95,
p99 and max, the messages received, the rate achieved. Target: p99 ≤ 500 ms at 50 events/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from api import percentile  # noqa: E402
from seed import prepare_database, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench_notify"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    parser.add_argument("--rate", type=float, default=50.0, help="changes per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if not 1 <= args.rate <= 1000 or not 1 <= args.seconds <= 600:
        raise SystemExit("--rate 1–1000 and --seconds 1–600")

    prepare_database(args.database_url, recreate=False)
    setup_django(args.database_url)
    import logging

    from django.core.management import call_command

    from otklik.notify.models import Notification
    from otklik.runtime.demo import demo_load
    from otklik.testing.smtp import LoopbackController, MessageIdSink
    from otklik.tickets.models import Ticket
    from otklik.workflow import ticket_comment

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    call_command("migrate", interactive=False, verbosity=0)
    demo_load()
    from otklik.accounts.models import User

    lead, initiator = User.objects.get(username="lead"), User.objects.get(username="initiator")
    tickets = list(Ticket.objects.filter(initiator=initiator, is_open=True, group__code="first-line"))
    if not tickets:
        raise SystemExit("no open first-line request of the demo initiator to comment on")
    # Nothing older may be waiting: the worker would spend the first seconds on it.
    Notification.objects.filter(state="pending").update(state="dead")

    sink = MessageIdSink()
    controller = LoopbackController(sink)
    controller.start()
    data_dir = tempfile.mkdtemp(prefix="otklik-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "OTKLIK_EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
        "OTKLIK_DATA_DIR": data_dir,
        "PYTHONUNBUFFERED": "1",
    }
    log = Path(data_dir) / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "otklik", "worker"], env=env, stdout=out, stderr=out)
    committed: dict[str, float] = {}
    try:
        time.sleep(3)  # the worker starts and LISTENs
        last_id = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        interval = 1.0 / args.rate
        count = int(args.rate * args.seconds)
        start = time.monotonic()
        for i in range(count):
            pause = start + i * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            ticket = tickets[i % len(tickets)]
            ticket_comment(ticket=ticket, actor=lead, body=f"Ответ {i}")
            moment = time.monotonic()
            for pk, key in Notification.objects.filter(pk__gt=last_id, channel="email").values_list("pk", "key"):
                committed[str(key)] = moment
                last_id = max(last_id, pk)
        achieved = count / (time.monotonic() - start)
        deadline = time.monotonic() + 30
        while len([k for k in committed if k in sink.arrived]) < len(committed) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()
    latencies = [(sink.arrived[k] - t) * 1000 for k, t in committed.items() if k in sink.arrived]
    missing = len(committed) - len(latencies)
    ordered = sorted(latencies)
    print(
        f"workload: {count} comments at {args.rate:g}/s for {args.seconds:g} s (achieved {achieved:.1f}/s), "
        f"{len(committed)} e-mails; one worker process; SMTP sink on 127.0.0.1:{controller.port}"
    )
    if not latencies:
        raise SystemExit(f"no e-mail arrived; worker log: {log}")
    print(
        f"commit → arrival: p50 {statistics.median(latencies):.0f} ms, p95 {percentile(ordered, 95):.0f} ms, "
        f"**p99 {percentile(ordered, 99):.0f} ms**, max {max(latencies):.0f} ms; {missing} not arrived"
    )


if __name__ == "__main__":
    main()
