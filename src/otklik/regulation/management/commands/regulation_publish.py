"""`otklik regulation_publish [--reason TEXT]`: publish the regulation now if the configuration
changed in a way no signal saw (bulk updates, raw SQL, a restored dump)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from otklik.regulation.services import regulation_publish


class Command(BaseCommand):
    help = "Publish a new version of the service regulation if the configuration changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reason", default="", help="What changed (shown in the list of versions).")

    def handle(self, *args: Any, **options: Any) -> None:
        version = regulation_publish(reason=options["reason"] or "otklik regulation_publish")
        if version is None:
            self.stdout.write("The regulation in force is up to date.")
        else:
            self.stdout.write(f"Published version {version.number}.")
