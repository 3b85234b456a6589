"""Upgrading to per-measure attribution (quality migration 0003) or to "received" by the first
executor (0004) clears the facts, the next-reaction
outcomes and the daily counts, and resets the watermark: the worker's refresh then rebuilds them
from the log, the same as facts built along the way."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from otklik.quality.models import DayCount, Fact, NextReaction, RefreshState
from otklik.quality.refresh import facts_refresh_all

from .quality_month import build_month
from .test_quality_refresh import snapshot

MIGRATIONS = ("0003_per_measure_attribution", "0004_received_by_first_executor")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", MIGRATIONS)
def test_the_upgrade_clears_the_facts_and_the_refresh_rebuilds_them(settings, name):
    migration = importlib.import_module(f"otklik.quality.migrations.{name}")
    month = build_month(settings)
    before = snapshot()
    assert before["facts"] and before["next"] and before["days"]

    migration.clear_facts(apps, None)
    assert not Fact.objects.exists() and not NextReaction.objects.exists() and not DayCount.objects.exists()
    assert list(RefreshState.objects.values_list("high_id", "pending")) == [(0, [])]

    assert facts_refresh_all() is True  # the worker's passes, from the oldest record
    assert snapshot() == before
    assert Fact.objects.get(pk=month.a.pk).resolution_executor_id == month.p.agent.pk
