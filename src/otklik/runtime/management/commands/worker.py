from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from otklik.core.worker import Worker
from otklik.runtime.jobs import default_jobs


class Command(BaseCommand):
    help = "Run the background worker (deliveries, timers, housekeeping); --once does what is due and exits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="do all that is due now, then exit 0")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = Worker(default_jobs())
        if options["once"]:
            done = worker.run_once()
            for name, count in done.items():
                self.stdout.write(f"{name}: {count}")
            return
        worker.run_forever()
