"""The delivery service: due rows claimed with a lease, handed to their channel's driver, every
attempt recorded; transient failures retried with back-off, permanent ones and exhausted ones
parked as dead; a dead worker's lease runs out and its rows are delivered by the next."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.notify import delivery
from otklik.notify.channels import DRIVERS, PermanentFailure, Sent, TransientFailure
from otklik.notify.models import Carrier, DeliveryAttempt, Notification
from otklik.testing.clock import set_now as when
from otklik.testing.factories import file_error

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 3, 10, 11, 30, tzinfo=MSK)


class Flaky:
    """A driver for a test channel that fails as told: the engine's retry logic against a real
    database, before the real carriers (SMTP, HTTP) of the next part of the issue."""

    code = "sms"

    def __init__(self, outcomes: list[str]) -> None:
        self.outcomes = outcomes
        self.seen: list[str] = []

    def send(self, n: Notification, carrier: object = None) -> Sent:
        self.seen.append(str(n.key))
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if outcome == "transient":
            raise TransientFailure("gateway timeout", carrier="test-gw", code="504", response="timeout")
        if outcome == "permanent":
            raise PermanentFailure("no such number", carrier="test-gw", code="400")
        if outcome == "boom":
            raise RuntimeError("driver bug")
        return Sent(carrier="test-gw", code="200", response="queued")


@pytest.fixture
def ticket(personas, settings):
    when(settings, T0)
    return file_error(personas.initiator)


@pytest.fixture
def sms(monkeypatch, ticket, personas, settings):
    def make(outcomes: list[str]) -> tuple[Flaky, Notification]:
        driver = Flaky(outcomes)
        monkeypatch.setitem(DRIVERS, "sms", driver)
        Carrier.objects.get_or_create(
            name="test-gw",
            defaults={"channel": "sms", "driver": "apprise", "max_attempts": settings.NOTIFY_MAX_ATTEMPTS},
        )
        n = Notification.objects.create(
            event="test", recipient=personas.agent, channel="sms", ticket=ticket, subject="s", due_at=T0, created_at=T0
        )
        return driver, n

    return make


def test_in_app_rows_are_delivered_with_an_attempt_each(ticket, settings):
    pending = list(Notification.objects.filter(state="pending", channel="inapp", due_at__lte=T0))
    assert pending
    assert delivery.notify_deliver_due() >= len(pending)  # and the e-mail rows beside them
    for n in pending:
        n.refresh_from_db()
        assert (n.state, n.attempts, n.delivered_at, n.lease_until) == ("delivered", 1, T0, None)
        (a,) = n.deliveries.all()
        assert (a.outcome, a.carrier) == ("delivered", "inbox")
    assert delivery.notify_deliver_due() == 0  # nothing twice


def test_transient_failures_back_off_then_deliver(sms, settings):
    driver, n = sms(["transient", "transient"])
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert (n.state, n.attempts) == ("pending", 1)
    assert T0 + timedelta(seconds=15) <= n.due_at <= T0 + timedelta(seconds=30)  # first back-off: 15–30 s
    assert delivery.notify_deliver_due() == 0  # not due yet
    when(settings, n.due_at)
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert n.attempts == 2
    assert n.due_at - T0 >= timedelta(seconds=30)  # the second waits longer
    when(settings, n.due_at)
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert (n.state, n.attempts) == ("delivered", 3)
    attempts = list(n.deliveries.order_by("id").values_list("outcome", "code", "carrier"))
    assert attempts == [
        ("transient", "504", "test-gw"),
        ("transient", "504", "test-gw"),
        ("delivered", "200", "test-gw"),
    ]
    assert len(set(driver.seen)) == 1  # the same idempotency key every time


def test_a_permanent_failure_is_dead_at_once(sms):
    _, n = sms(["permanent"])
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert (n.state, n.attempts) == ("dead", 1)
    assert n.deliveries.get().error == "no such number"


def test_exhausted_attempts_are_dead_and_a_driver_bug_counts_as_transient(sms, settings):
    _, n = sms(["boom"] + ["transient"] * 10)
    for _ in range(settings.NOTIFY_MAX_ATTEMPTS):
        delivery.notify_deliver_due()
        n.refresh_from_db()
        when(settings, n.due_at)
    assert (n.state, n.attempts) == ("dead", settings.NOTIFY_MAX_ATTEMPTS)
    first = n.deliveries.order_by("id").first()
    assert (first.outcome, first.error) == ("transient", "RuntimeError: driver bug")


def test_a_dead_workers_lease_runs_out_and_the_row_is_delivered_once(sms, settings):
    driver, n = sms([])
    rows, lease_end = delivery._claim(T0, 10)  # a worker claims, then dies before sending
    assert n.pk in [r.pk for r in rows]
    assert delivery.notify_deliver_due() == 0  # leased: nobody else takes it
    when(settings, lease_end)
    assert delivery.notify_deliver_due() >= 1
    n.refresh_from_db()
    assert (n.state, n.attempts) == ("delivered", 1)
    assert len(driver.seen) == 1
    # The first worker comes back to life late: its lease is gone, it records nothing.
    delivery._finish([delivery._send(n, delivery.carriers_by_channel())], lease_end - timedelta(seconds=1))
    assert len(driver.seen) == 2  # it did send again (at-least-once) ...
    assert DeliveryAttempt.objects.filter(notification=n).count() == 1  # ... but records nothing


def test_backoff_grows_and_is_capped():
    import random

    rnd = random.Random(1)
    first = [delivery.backoff(1, rnd=rnd) for _ in range(50)]
    assert all(timedelta(seconds=15) <= b <= timedelta(seconds=30) for b in first)
    assert all(delivery.backoff(30, rnd=rnd) <= delivery.BACKOFF_CAP for _ in range(50))


def test_dead_notifications_are_retried_from_the_admin_with_their_history_kept(sms, settings, personas):
    from django.test import Client

    _, n = sms(["permanent"])
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert n.state == "dead"
    client = Client()
    client.force_login(personas.admin)
    delivered = Notification.objects.filter(state="delivered").first()  # the request's own, delivered above
    assert delivered is not None
    r = client.post("/admin/notify/notification/", {"action": "retry", "_selected_action": [n.pk, delivered.pk]})
    assert r.status_code == 302
    n.refresh_from_db()
    assert (n.state, n.attempts) == ("pending", 0)
    delivery.notify_deliver_due()
    n.refresh_from_db()
    assert n.state == "delivered"
    assert list(n.deliveries.order_by("id").values_list("outcome", flat=True)) == ["permanent", "delivered"]
    delivered.refresh_from_db()
    assert delivered.state == "delivered"  # only dead rows are queued again
