"""Benchmark of the notification queue's e-mail delivery (issue 4, part a): e-mails per second for
one worker into a loopback SMTP sink.

    .venv/bin/python bench/notify.py [--database-url URL] [--emails 5000] [--batch 200]

Workload. The database (default postgres://postgres@127.0.0.1:5432/otklik_bench_notify, created
when missing, migrated, demo organisation loaded) gets --emails e-mail notifications, all due, for
the demo's seven users in turn (a subject and a two-paragraph Russian text, a link, a request each
of the demo's three sample requests, so every message carries threading headers). An aiosmtpd
server on 127.0.0.1 accepts and counts them (its handler does no work: this measures Otklik, not
the sink). Then `notify_deliver_due` runs in this process, as `otklik worker` does, until nothing
is due: claims of --batch rows with a lease, one SMTP connection per batch, an attempt row each,
the rows marked delivered. Printed: the e-mails per second, the messages the sink received (it
must equal --emails), and where the time went. The rows are deleted afterwards.

For scale: a bare Python SMTP client over one reused connection reaches about 1,400 messages/s
into the same sink on this machine: that is the ceiling. Target: ≥ 700 e-mails/s per worker.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from seed import prepare_database, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench_notify"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    parser.add_argument("--emails", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print where the time goes (cProfile)")
    args = parser.parse_args()
    if not 1 <= args.emails <= 1_000_000:
        raise SystemExit(f"--emails {args.emails}: between 1 and 1,000,000")

    prepare_database(args.database_url, recreate=False)
    setup_django(args.database_url)

    import logging

    from django.conf import settings
    from django.core.management import call_command

    from otklik.accounts.models import User
    from otklik.core.clock import now
    from otklik.notify import delivery
    from otklik.notify.models import DeliveryAttempt, Notification
    from otklik.runtime.demo import demo_load
    from otklik.testing.smtp import LoopbackController, MessageIdSink
    from otklik.tickets.models import Ticket

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection
    call_command("migrate", interactive=False, verbosity=0)
    demo_load()
    sink = MessageIdSink()
    controller = LoopbackController(sink)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    ids: list[int] = []
    try:
        # Earlier rows (the demo's own) are delivered first, so only ours are timed.
        delivery.notify_deliver_due(budget_seconds=60)
        users = list(User.objects.exclude(email="").order_by("pk"))
        tickets = list(Ticket.objects.order_by("pk")[:3])
        moment = now()
        body = (
            "Иван Петров подал(а) обращение (Ошибка). Оно ждёт вашей реакции.\n\n"
            "Не формируется отчёт по остаткам: при нажатии «Сформировать» появляется окно с ошибкой."
        )
        rows = [
            Notification(
                event="ticket_created",
                recipient=users[i % len(users)],
                channel="email",
                ticket=tickets[i % len(tickets)],
                subject=f"{tickets[i % len(tickets)].number}: новое обращение: отчёт не формируется",
                body=body,
                link=f"{settings.BASE_URL}/api/v1/tickets/{tickets[i % len(tickets)].number}",
                due_at=moment,
                created_at=moment,
            )
            for i in range(args.emails)
        ]
        Notification.objects.bulk_create(rows, batch_size=2000)
        ids.extend(n.pk for n in rows)
        print(
            f"workload: {args.emails:,} e-mail notifications for {len(users)} people, batches of {args.batch}, "
            f"sink at 127.0.0.1:{controller.port}; database {args.database_url.rsplit('/', 1)[-1]}"
        )
        received_before = sink.count
        profile = cProfile.Profile() if args.profile else None
        t0 = time.perf_counter()
        if profile:
            profile.enable()
        while delivery.notify_deliver_due(batch=args.batch, budget_seconds=3600):
            pass
        elapsed = time.perf_counter() - t0
        if profile:
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        delivered = Notification.objects.filter(pk__in=ids, state="delivered").count()
        received = sink.count - received_before
        print(
            f"delivered {delivered:,} of {args.emails:,} in {elapsed:.2f} s: **{delivered / elapsed:,.0f} e-mails/s** "
            f"(one worker); the sink received {received:,} over {sink.connections} connections"
        )
        if delivered != args.emails or received != args.emails:
            raise SystemExit("not every e-mail arrived exactly once: see above")
    finally:
        controller.stop()
        DeliveryAttempt.objects.filter(notification_id__in=ids).delete()
        Notification.objects.filter(pk__in=ids).delete()


if __name__ == "__main__":
    main()
