"""Carriers: each with its own attempts and back-off, fail-over to the next one in priority order,
dead when none is left, rate limits that defer without spending an attempt (OTKLIK_NOW drives the
clock). The persona is Ivan, an agent whose phone gets SMS through two gateways."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from otklik.notify import delivery
from otklik.notify.channels import DRIVERS, PermanentFailure, Sent, TransientFailure
from otklik.notify.models import Carrier, Notification
from otklik.notify.services import notification_retry
from otklik.testing.clock import set_now as when

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


class Gateways:
    """An SMS driver whose carriers answer as scripted, per carrier name."""

    code = "sms"

    def __init__(self, script: dict[str, list[str]]) -> None:
        self.script = script
        self.calls: list[tuple[str, str]] = []

    def send(self, n: Notification, carrier: object = None) -> Sent:
        name = carrier.name  # type: ignore[attr-defined]
        self.calls.append((name, str(n.key)))
        outcome = self.script.get(name, []).pop(0) if self.script.get(name) else "ok"
        if outcome == "transient":
            raise TransientFailure("503 from the gateway", code="503")
        if outcome == "permanent":
            raise PermanentFailure("400 bad sender", code="400")
        return Sent(code="200", response="queued")


@pytest.fixture
def ivan(personas):
    personas.agent.phone = personas.agent.phone_verified = "+79990001122"
    personas.agent.save()
    return personas.agent


@pytest.fixture
def carriers(db):
    first = Carrier.objects.create(
        name="smsc", channel="sms", driver="apprise", priority=1, max_attempts=2, backoff_base_seconds=60
    )
    second = Carrier.objects.create(name="smsru", channel="sms", driver="apprise", priority=2, max_attempts=1)
    return first, second


def _sms(ivan, count: int = 1) -> list[Notification]:
    return [
        Notification.objects.create(
            event="test", recipient=ivan, channel="sms", subject="s", body="b", due_at=T0, created_at=T0
        )
        for _ in range(count)
    ]


def _run(settings, n: Notification) -> None:
    delivery.notify_deliver_due()
    n.refresh_from_db()
    if n.state == "pending":
        when(settings, n.due_at)


def test_a_carrier_that_runs_out_of_attempts_hands_over_to_the_next(settings, monkeypatch, ivan, carriers):
    when(settings, T0)
    gw = Gateways({"smsc": ["transient", "transient"]})
    monkeypatch.setitem(DRIVERS, "sms", gw)
    (n,) = _sms(ivan)
    _run(settings, n)
    assert (n.state, n.carrier.name, n.carrier_attempts) == ("pending", "smsc", 1)
    assert T0 + timedelta(seconds=30) <= n.due_at <= T0 + timedelta(seconds=60)  # smsc's own back-off
    _run(settings, n)
    assert (n.state, n.carrier.name, n.carrier_attempts) == ("pending", "smsru", 0)  # failed over, due at once
    _run(settings, n)
    assert (n.state, n.attempts) == ("delivered", 3)
    assert [c for c, _ in gw.calls] == ["smsc", "smsc", "smsru"]
    assert len({k for _, k in gw.calls}) == 1  # one idempotency key throughout
    assert list(n.deliveries.values_list("carrier", "outcome")) == [
        ("smsc", "transient"),
        ("smsc", "transient"),
        ("smsru", "delivered"),
    ]


def test_a_permanent_failure_fails_over_at_once_and_the_last_carrier_makes_it_dead(
    settings, monkeypatch, ivan, carriers
):
    when(settings, T0)
    gw = Gateways({"smsc": ["permanent"], "smsru": ["transient"]})
    monkeypatch.setitem(DRIVERS, "sms", gw)
    (n,) = _sms(ivan)
    _run(settings, n)
    assert (n.state, n.carrier.name, n.due_at) == ("pending", "smsru", T0)
    _run(settings, n)
    assert (n.state, n.attempts, n.carrier.name) == ("dead", 2, "smsru")  # smsru allows one attempt
    # Retried from the admin: the first carrier again, with fresh attempts.
    assert notification_retry(ids=[n.pk]) == 1
    n.refresh_from_db()
    assert (n.state, n.carrier_id, n.carrier_attempts, n.attempts) == ("pending", None, 0, 0)
    _run(settings, n)
    assert n.state == "delivered" and gw.calls[-1][0] == "smsc"


def test_a_disabled_carrier_is_skipped_and_no_carrier_at_all_is_dead(settings, monkeypatch, ivan, carriers):
    when(settings, T0)
    first, _ = carriers
    gw = Gateways({})
    monkeypatch.setitem(DRIVERS, "sms", gw)
    first.enabled = False
    first.save()
    (n,) = _sms(ivan)
    _run(settings, n)
    assert n.state == "delivered" and gw.calls == [("smsru", str(n.key))]
    Carrier.objects.update(enabled=False)
    (m,) = _sms(ivan)
    _run(settings, m)
    assert m.state == "dead"
    assert "no enabled carrier" in m.deliveries.get().error


def test_a_rate_limit_defers_without_spending_attempts(settings, monkeypatch, ivan, carriers):
    when(settings, T0)
    first, _ = carriers
    first.rate_limit_per_minute = 2
    first.save()
    gw = Gateways({})
    monkeypatch.setitem(DRIVERS, "sms", gw)
    rows = _sms(ivan, 5)
    delivery.notify_deliver_due()
    states = sorted(Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("state", "attempts"))
    assert states == [("delivered", 1)] * 2 + [("pending", 0)] * 3
    waiting = Notification.objects.filter(pk__in=[r.pk for r in rows], state="pending")
    assert all(w.due_at == T0 + timedelta(seconds=30) and w.lease_until is None for w in waiting)
    assert not any(w.deliveries.exists() for w in waiting)
    when(settings, T0 + timedelta(seconds=30))
    delivery.notify_deliver_due()
    assert Notification.objects.filter(state="delivered").filter(pk__in=[r.pk for r in rows]).count() == 2  # limit
    when(settings, T0 + timedelta(seconds=61))
    delivery.notify_deliver_due()
    assert Notification.objects.filter(state="delivered").filter(pk__in=[r.pk for r in rows]).count() == 4
    assert len(gw.calls) == 4


def test_carrier_back_off_honours_base_cap_and_jitter():
    import random

    rnd = random.Random(7)
    base, cap = timedelta(seconds=10), timedelta(seconds=25)
    assert delivery.backoff(1, base=base, cap=cap, jitter=0, rnd=rnd) == base
    assert delivery.backoff(2, base=base, cap=cap, jitter=0, rnd=rnd) == timedelta(seconds=20)
    assert delivery.backoff(5, base=base, cap=cap, jitter=0, rnd=rnd) == cap
    spread = {delivery.backoff(1, base=base, cap=cap, jitter=1, rnd=rnd) for _ in range(20)}
    assert len(spread) > 10 and all(timedelta(0) <= s <= base for s in spread)


def test_a_row_delivered_by_its_first_carrier_names_it(settings, monkeypatch, ivan, carriers):
    when(settings, T0)
    monkeypatch.setitem(DRIVERS, "sms", Gateways({}))
    (n,) = _sms(ivan)
    _run(settings, n)
    assert (n.state, n.carrier.name) == ("delivered", "smsc")


def test_rows_another_worker_is_sending_count_against_the_rate_limit(settings, monkeypatch, ivan, carriers):
    when(settings, T0)
    first, _ = carriers
    first.rate_limit_per_minute = 3
    first.save()
    gw = Gateways({})
    monkeypatch.setitem(DRIVERS, "sms", gw)
    theirs = _sms(ivan, 2)
    delivery._claim(T0, 2)  # another worker holds these two, its attempts not written yet
    ours = _sms(ivan, 3)
    delivery.notify_deliver_due()
    assert len(gw.calls) == 1  # 3 a minute, 2 of them in flight elsewhere
    assert Notification.objects.filter(pk__in=[n.pk for n in ours], state="delivered").count() == 1
    assert Notification.objects.filter(pk__in=[n.pk for n in theirs], state="pending").count() == 2


class Slow(Gateways):
    def send(self, n: Notification, carrier: object = None) -> Sent:
        import time

        time.sleep(0.3)
        return super().send(n, carrier)


def test_a_slow_carrier_gives_the_rest_of_the_batch_back_before_the_lease_ends(settings, monkeypatch, ivan, carriers):
    when(settings, T0)
    settings.NOTIFY_LEASE_SECONDS = 1  # half of it: about two sends of 0.3 s
    gw = Slow({})
    monkeypatch.setitem(DRIVERS, "sms", gw)
    rows = _sms(ivan, 6)
    delivery.notify_deliver_due(budget_seconds=0)
    states = dict(Notification.objects.filter(pk__in=[n.pk for n in rows]).values_list("state").annotate(n=Count("id")))
    sent = len(gw.calls)
    assert 1 <= sent <= 3 and states == {"delivered": sent, "pending": 6 - sent}
    back = Notification.objects.filter(pk__in=[n.pk for n in rows], state="pending")
    assert all(r.lease_until is None and r.due_at == T0 and r.attempts == 0 for r in back)  # due again, no attempt
