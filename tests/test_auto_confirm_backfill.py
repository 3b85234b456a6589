"""Requests already resolved and waiting for their initiator when the confirmation period arrived
(migration tickets 0008) get their closing instant counted from the upgrade, in their group's
calendar; the others are left alone.

Ivan's Error was resolved by Alexei before the upgrade (no closing instant); Maria's Request is
still in work."""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

from django.apps import apps

from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_create, ticket_transition

migration = importlib.import_module("otklik.tickets.migrations.0008_backfill_auto_close")
MSK = ZoneInfo("Europe/Moscow")


def test_waiting_requests_get_their_period_from_the_upgrade(personas, settings):
    p = personas
    set_now(settings, dt.datetime(2026, 12, 3, 11, tzinfo=MSK))  # a Thursday
    err = file_error(p.initiator)
    for code in ("accept", "start"):
        err = ticket_transition(ticket=err, actor=p.agent, transition_code=code, version=err.version)
    err = ticket_transition(ticket=err, actor=p.agent, transition_code="resolve", version=err.version, comment="Ok")
    req = ticket_create(
        initiator=p.initiator2, type_code="request", subject="Access", category_code="access", fields={"kind": "access"}
    )
    req = ticket_transition(ticket=req, actor=p.agent, transition_code="take", version=req.version)
    Ticket.objects.filter(pk=err.pk).update(auto_close_at=None)  # as before the upgrade

    set_now(settings, dt.datetime(2026, 12, 4, 16, tzinfo=MSK))  # the upgrade, Friday afternoon
    migration.backfill(apps, None)

    err.refresh_from_db()
    # The demo's 5 working days after Friday 4 December: 7–11 December, closing at 18:00.
    assert err.auto_close_at == dt.datetime(2026, 12, 11, 18, tzinfo=MSK)
    assert Ticket.objects.get(pk=req.pk).auto_close_at is None
    # Run again: an instant already set is kept.
    set_now(settings, dt.datetime(2026, 12, 8, 10, tzinfo=MSK))
    migration.backfill(apps, None)
    err.refresh_from_db()
    assert err.auto_close_at == dt.datetime(2026, 12, 11, 18, tzinfo=MSK)
