from typing import Any

from django.core.management.base import BaseCommand

from otklik.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_load()
        self.stdout.write(self.style.SUCCESS("Demo organisation loaded. Logins (password = user name, demo only):"))
        for name in logins:
            self.stdout.write(f"  {name} / {name}")
