"""`otklik regulation_publish [--reason TEXT] [--effective WHEN]`: publish the regulation now if the
configuration changed in a way no signal saw (bulk updates, raw SQL, a restored dump). With
`--effective` (an ISO date or date and time in the service's zone, in the future) changes from now
on come into force at that moment (the regulation settings' field), and what changed already is
published as the version that comes into force then."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from otklik.core.clock import now
from otklik.regulation.models import RegulationSettings
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
        parser.add_argument("--reason", default="", help="What changed (shown in the list of versions).")
        parser.add_argument(
            "--effective",
            default="",
            help="Schedule: changes come into force at this moment (YYYY-MM-DD [HH:MM], the service's zone).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reason = options["reason"] or "otklik regulation_publish"
        with transaction.atomic():
            if options["effective"]:
                conf = RegulationSettings.current()
                conf.changes_effective_at = moment_of(options["effective"])
                conf.save()
            version = regulation_publish(reason=reason)
        if version is None:
            self.stdout.write("The regulation in force is up to date.")
        elif version.effective_at > version.published_at:
            # In the form --effective takes (the terminal is no person's page: ISO, the service's zone).
            when = timezone.localtime(version.effective_at, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"Published version {version.number}, in force from {when}.")
        else:
            self.stdout.write(f"Published version {version.number}.")
