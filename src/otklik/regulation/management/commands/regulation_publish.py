"""`otklik regulation_publish [--reason TEXT] [--effective WHEN]`: publish the regulation now if the
configuration changed in a way no signal saw (bulk updates, raw SQL, a restored dump). That change
acts already, so its version is in force at once (everyone is told). With `--effective` (an ISO date
or date and time in the service's zone, in the future) planned changes of the regulation's texts
saved from now on come into force at that moment (the regulation settings' field)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from otklik.core.clock import now
from otklik.regulation.models import RegulationSettings
from otklik.regulation.reasons import BY_HAND
from otklik.regulation.services import regulation_publish


def moment_of(text: str) -> dt.datetime:
    """ "2027-01-01" (its midnight) or "2027-01-01 09:00", in the service's zone unless it names one."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--effective: not a date or date and time: {text[:40]!r} (e.g. 2027-01-01 09:00)") from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    if value <= now():
        raise CommandError("--effective: the moment must be in the future")
    return value


class Command(BaseCommand):
    help = "Publish a new version of the service regulation if the configuration changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reason", default="", help="What changed (shown in the list of versions as written).")
        parser.add_argument(
            "--effective",
            default="",
            help=(
                "Plan: changes of the regulation's texts saved from now on come into force at this moment "
                "(YYYY-MM-DD [HH:MM], the service's zone)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            if options["effective"]:
                conf = RegulationSettings.current()
                conf.changes_effective_at = moment_of(options["effective"])
                conf.save()
            version = regulation_publish(code=BY_HAND, reason=options["reason"])
        if version is None:
            self.stdout.write("The regulation in force is up to date.")
        else:
            self.stdout.write(f"Published version {version.number}, in force from {_iso(version.effective_at)}.")
        if options["effective"]:
            when = _iso(RegulationSettings.current().changes_effective_at or now())
            self.stdout.write(f"Planned changes of the regulation's texts come into force at {when}.")


def _iso(value: dt.datetime) -> str:
    """In the form --effective takes (the terminal is no person's page: ISO, the service's zone)."""
    return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
