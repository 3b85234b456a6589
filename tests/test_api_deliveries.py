"""GET /api/v1/deliveries: the delivery history for support managers and administrators, every
notification of a request with its attempts, filters, counts of pending and dead."""

from __future__ import annotations

import pytest

from otklik.notify.delivery import notify_deliver_due
from otklik.testing.factories import file_error
from otklik.workflow import ticket_comment


@pytest.fixture
def ticket(personas):
    t = file_error(personas.initiator)
    ticket_comment(ticket=t, actor=personas.lead, body="On it")
    notify_deliver_due()
    return t


def test_a_requests_history_with_every_attempt(api, ticket):
    r = api("manager").get(f"/deliveries?ticket={ticket.number}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert {(d["event"], d["recipient"], d["channel"]) for d in body["items"]} >= {
        ("ticket_created", "lead", "inapp"),
        ("ticket_comment", "initiator", "inapp"),
    }
    inapp = next(d for d in body["items"] if d["channel"] == "inapp")
    assert inapp["state"] == "delivered"
    assert [(a["outcome"], a["carrier"]) for a in inapp["tries"]] == [("delivered", "inbox")]
    assert body["pending"] == 0
    by_id = api("manager").get(f"/deliveries?ticket={ticket.pk}").json()
    assert [d["id"] for d in by_id["items"]] == [d["id"] for d in body["items"]]


def test_filters(api, ticket):
    client = api("admin")
    only = client.get(f"/deliveries?ticket={ticket.number}&channel=inapp&recipient=initiator").json()["items"]
    assert [(d["channel"], d["recipient"]) for d in only] == [("inapp", "initiator")]
    assert client.get("/deliveries?state=nonsense").status_code == 422
    assert client.get("/deliveries?channel=pigeon").status_code == 422
    assert client.get("/deliveries?ticket=ERR-999999").status_code == 404


@pytest.mark.parametrize("who", ["initiator", "agent", "lead"])
def test_only_managers_and_admins_see_it(api, ticket, who):
    assert api(who).get("/deliveries").status_code == 403


def test_a_webhook_row_has_no_recipient_and_the_carrier_filter_follows_fail_over(api, ticket, personas):
    from otklik.notify.models import Carrier, DeliveryAttempt, Notification

    hook = Carrier.objects.create(name="erp-hook", channel="webhook", driver="webhook", settings={})
    backup = Carrier.objects.create(name="erp-backup", channel="webhook", driver="webhook", settings={}, priority=20)
    n = Notification.objects.create(
        event="ticket_created",
        channel="webhook",
        ticket=ticket,
        subject="s",
        carrier=backup,
        due_at=ticket.created_at,
        created_at=ticket.created_at,
    )
    DeliveryAttempt.objects.create(notification=n, carrier=hook.name, started_at=ticket.created_at, outcome="permanent")
    client = api("manager")
    for name in ("erp-hook", "erp-backup"):
        items = client.get(f"/deliveries?carrier={name}").json()["items"]
        assert [(d["id"], d["recipient"], d["carrier"]) for d in items] == [(n.pk, None, "erp-backup")]
    assert client.get("/deliveries?carrier=nobody").json()["items"] == []
