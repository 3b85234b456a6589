"""The whole path with real carriers on loopback: a request's event → rules → rows → the delivery
service → Apprise's generic JSON endpoint (SMS) failing over from a broken gateway to a working
one, and a signed webhook to an ERP's endpoint, every attempt in the history. Sergey is the
manager who wants critical requests by SMS; the ERP listens for new requests."""

from __future__ import annotations

import json

import pytest

from otklik.catalog.models import Priority
from otklik.notify.channels.webhook import verify
from otklik.notify.delivery import notify_deliver_due
from otklik.notify.models import Carrier, Notification, Rule
from otklik.testing.factories import file_error
from otklik.testing.http import LoopbackHTTPServer

pytestmark = pytest.mark.django_db
SECRET = "erp-signing-secret-0123456789"


@pytest.fixture(autouse=True)
def allow_loopback(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]


@pytest.fixture
def sergey(personas):
    personas.manager.phone = personas.manager.phone_verified = "+7 (999) 000-11-22"
    personas.manager.save()
    return personas.manager


def test_critical_requests_reach_the_manager_by_sms_through_the_second_gateway(sergey, personas):
    with LoopbackHTTPServer(default=500) as broken, LoopbackHTTPServer(default=200) as working:
        Carrier.objects.create(
            name="broken-gw",
            channel="sms",
            driver="apprise",
            priority=1,
            max_attempts=1,
            settings={"url": f"json://127.0.0.1:{broken.port}/send/?:to={{phone}}"},
        )
        Carrier.objects.create(
            name="working-gw",
            channel="sms",
            driver="apprise",
            priority=2,
            settings={"url": f"json://127.0.0.1:{working.port}/send/?:to={{phone}}"},
        )
        rule = Rule.objects.create(name="critical → managers by SMS", event="ticket_created", channels=["sms"])
        rule.priorities.set(Priority.objects.filter(code="critical"))
        rule.roles = ["manager"]
        rule.save()
        file_error(personas.initiator, subject="Low printer toner")  # normal priority: no SMS
        assert not Notification.objects.filter(channel="sms").exists()
        t = file_error(personas.initiator, subject="Server room flooded", priority_code="critical")
        (sms,) = Notification.objects.filter(channel="sms", ticket=t)
        assert sms.recipient_id == sergey.pk and len(sms.body) <= 160
        notify_deliver_due()  # the broken gateway answers 500 and has one attempt: fail-over
        notify_deliver_due()  # the working one takes over at once
        sms.refresh_from_db()
        assert sms.state == "delivered"
        attempts = list(sms.deliveries.order_by("id").values_list("carrier", "outcome", "code"))
        # (Apprise says only "sent" on success: no status code to record then.)
        assert attempts == [("broken-gw", "transient", "500"), ("working-gw", "delivered", "")]
        (received,) = working.requests
        payload = received.json()
        assert payload["to"] == "+79990001122" and t.number in json.dumps(payload, ensure_ascii=False), payload
        assert all("json://" not in (a.error + a.response) for a in sms.deliveries.all())


def test_new_requests_go_to_the_erp_webhook_signed_once_per_event(personas):
    with LoopbackHTTPServer(default=200) as erp:
        Carrier.objects.create(
            name="erp",
            channel="webhook",
            driver="webhook",
            settings={"url": f"http://127.0.0.1:{erp.port}/otklik", "secret": SECRET},
        )
        Rule.objects.create(name="new requests → ERP", event="ticket_created", channels=["webhook"])
        t = file_error(personas.initiator, subject="Invoice 42 is stuck")
        (hook,) = Notification.objects.filter(channel="webhook", ticket=t)
        assert hook.recipient_id is None
        notify_deliver_due()
        hook.refresh_from_db()
        assert hook.state == "delivered"
        (req,) = erp.requests
        ts, sig = req.header("X-Otklik-Timestamp"), req.header("X-Otklik-Signature")
        assert verify(SECRET, ts, req.body, sig)
        assert not verify("another-secret-0123456789", ts, req.body, sig)
        assert req.header("Idempotency-Key") == str(hook.key)
        body = json.loads(req.body)
        assert (body["event"], body["ticket"]["number"]) == ("ticket_created", t.number)
        assert SECRET not in req.body.decode()
