"""`otklik quality_rebuild`: rebuild every request's quality facts and the daily counts from the
per-stage log, from scratch. Needed after OTKLIK_TIME_ZONE changes (the daily counts are local
days) or if the facts were written by hand; otherwise the worker keeps them up to date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from otklik.quality.models import DayCount, Fact, NextReaction, RefreshState
from otklik.quality.refresh import facts_refresh


class Command(BaseCommand):
    help = "Rebuild the quality facts and daily counts from the per-stage log, from scratch."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            # The watermark row first: a worker's pass now waits for this transaction, then starts over.
            RefreshState.objects.update_or_create(pk=1, defaults={"high_id": 0, "pending": []})
            for model in (NextReaction, DayCount, Fact):
                model.objects.all().delete()
        records = 0
        while count := facts_refresh():
            records += count
            self.stdout.write(f"\r{records:,} log records read", ending="")
        self.stdout.write(f"\nRebuilt the facts of {Fact.objects.count():,} requests from {records:,} log records.")
