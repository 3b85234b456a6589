"""GET /api/v1/notifications and POST /api/v1/notifications/{id}/read: the caller's own in-app
inbox, newest first, with the unread count; someone else's notification is 404."""

from __future__ import annotations

import pytest

from otklik.notify.models import Notification
from otklik.testing.factories import file_error
from otklik.workflow import ticket_comment


@pytest.fixture
def ticket(personas):
    t = file_error(personas.initiator, subject="Printer queue")
    ticket_comment(ticket=t, actor=personas.lead, body="On it")
    ticket_comment(ticket=t, actor=personas.lead, body="Fixed")
    return t


def test_the_inbox_lists_the_callers_notifications_newest_first(api, ticket):
    r = api("initiator").get("/notifications")
    assert r.status_code == 200, r.content
    body = r.json()
    mine = [n for n in body["items"] if n["ticket"] and n["ticket"]["number"] == ticket.number]
    assert [n["event"] for n in mine] == ["ticket_comment", "ticket_comment"]
    assert "Fixed" in mine[0]["body"] and "On it" in mine[1]["body"]
    assert mine[0]["read_at"] is None
    assert body["unread"] >= 2


def test_reading_is_idempotent_and_counts_down(api, ticket):
    client = api("initiator")
    before = client.get("/notifications").json()
    first = before["items"][0]
    r = client.post(f"/notifications/{first['id']}/read", {})
    assert r.status_code == 200, r.content
    read_at = r.json()["read_at"]
    assert client.post(f"/notifications/{first['id']}/read", {}).json()["read_at"] == read_at
    after = client.get("/notifications").json()
    assert after["unread"] == before["unread"] - 1
    assert first["id"] not in [n["id"] for n in client.get("/notifications?unread=true").json()["items"]]


def test_someone_elses_notification_is_404_and_untouched(api, ticket, personas):
    theirs = Notification.objects.filter(recipient=personas.initiator).first()
    for ref in (theirs.pk, 2**63, 10**30):
        r = api("agent").post(f"/notifications/{ref}/read", {})
        assert r.status_code in (404, 422), (ref, r.content)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert theirs.pk not in [n["id"] for n in api("agent").get("/notifications").json()["items"]]


def test_pages_and_limits(api, ticket):
    client = api("initiator")
    page = client.get("/notifications?limit=1").json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    second = client.get(f"/notifications?limit=1&cursor={page['next_cursor']}").json()
    assert second["items"][0]["id"] < page["items"][0]["id"]
    assert client.get("/notifications?limit=0").status_code == 422
    assert client.get("/notifications?cursor=nonsense").status_code == 400


def test_the_inbox_needs_a_caller(client, personas):
    assert client.get("/api/v1/notifications").status_code == 401


def test_preferences_choose_channels_per_event_but_not_against_mandatory_ones(api, personas):
    from otklik.notify.models import Notification as N

    client = api("lead")
    choices = {
        e["event"]: {c["channel"]: c for c in e["channels"]} for e in client.get("/notifications/preferences").json()
    }
    assert choices["ticket_created"]["email"]["enabled"] is True
    assert choices["sla_escalated"]["email"] == {"channel": "email", "enabled": True, "mandatory": True}
    r = client.put("/notifications/preferences", [{"event": "ticket_created", "channel": "email", "enabled": False}])
    assert r.status_code == 200, r.content
    t = file_error(personas.initiator)
    created = N.objects.filter(ticket=t, recipient=personas.lead, event="ticket_created")
    assert list(created.values_list("channel", flat=True)) == ["inapp"]
    refused = client.put(
        "/notifications/preferences", [{"event": "sla_escalated", "channel": "email", "enabled": False}]
    )
    assert refused.status_code == 422
    assert (
        client.put("/notifications/preferences", [{"event": "nope", "channel": "email", "enabled": False}]).status_code
        == 422
    )
    assert (
        client.put(
            "/notifications/preferences", [{"event": "ticket_moved", "channel": "pigeon", "enabled": True}]
        ).status_code
        == 422
    )


def test_email_rows_only_for_people_with_an_address(personas):
    from otklik.notify.models import Notification as N

    personas.lead.email = ""
    personas.lead.save()
    t = file_error(personas.initiator)
    created = N.objects.filter(ticket=t, recipient=personas.lead, event="ticket_created")
    assert list(created.values_list("channel", flat=True)) == ["inapp"]
