from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from otklik.runtime.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            metavar="WEEKS",
            help="also write WEEKS weeks of past work (requests, ratings, complaints) through the real services, "
            "once, so the quality reports have something to show",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        weeks = options["history"]
        if weeks < 0 or weeks > 52:
            raise CommandError(f"--history takes 0 to 52 weeks, not {weeks}")
        logins = demo_load()
        from otklik.runtime.demo.gateways import demo_gateways

        for name in demo_gateways():
            self.stdout.write(f"Added the development gateway {name}: its SMS or messenger messages go to the log")
        if weeks:
            from otklik.runtime.demo.history import demo_history

            self.stdout.write(f"Writing {weeks} weeks of the demo's past work …")
            filed = demo_history(weeks=weeks, say=self.stdout.write)
            self.stdout.write(f"  {filed} requests filed" if filed else "  the history is there already")
        self.stdout.write(self.style.SUCCESS("Demo organisation loaded. Logins (password = user name, demo only):"))
        for name in logins:
            self.stdout.write(f"  {name} / {name}")
