"""POST /api/v1/notifications/enqueue: another system (an ERP posting a document) queues a
notification for users, groups or roles with an integration token; the same preferences and
channels apply; anything wrong is a 4xx naming it, and queues nothing."""

from __future__ import annotations

import pytest

from otklik.accounts.services import token_create
from otklik.notify.models import Notification
from otklik.testing.client import ApiClient


@pytest.fixture
def erp(personas):
    _, raw = token_create(user=personas.admin, name="ERP", integration=True)
    return ApiClient(raw)


BODY = {
    "recipients": {"users": ["initiator"], "groups": ["second-line"], "roles": ["manager"]},
    "event": "erp.document_posted",
    "subject": "Накладная №42 проведена",
    "text": "Проведена в 1С, склад «Центральный».",
    "link": "https://erp.example.com/docs/42",
    "importance": "high",
}


def test_an_integration_queues_for_users_groups_and_roles(erp, personas):
    r = erp.post("/notifications/enqueue", BODY)
    assert r.status_code == 202, r.content
    rows = Notification.objects.filter(pk__in=r.json()["ids"])
    assert r.json()["queued"] == rows.count()
    who = {(n.recipient.username, n.channel) for n in rows}
    assert {u for u, _ in who} == {"initiator", "agent2", "manager"}  # second line is agent2
    assert ("initiator", "inapp") in who and ("initiator", "email") in who
    n = rows.get(recipient=personas.initiator, channel="inapp")
    assert (n.event, n.importance, n.link, n.context) == (
        "erp.document_posted",
        "high",
        "https://erp.example.com/docs/42",
        {"from": "admin"},
    )


def test_it_can_name_a_request(erp, personas):
    from otklik.testing.factories import file_error

    t = file_error(personas.initiator)
    r = erp.post("/notifications/enqueue", {**BODY, "recipients": {"users": ["initiator"]}, "ticket": t.number})
    assert r.status_code == 202, r.content
    # The number, then ": " in English or " · " in Russian (the initiator reads Russian).
    assert all(n.subject.startswith(f"{t.number} · ") for n in Notification.objects.filter(pk__in=r.json()["ids"]))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"recipients": {"users": ["nobody"]}}, "recipients.users"),
        ({"recipients": {"groups": ["nope"]}}, "recipients.groups"),
        ({"recipients": {"roles": ["king"]}}, "recipients.roles"),
        ({"recipients": {}}, "recipients"),
        ({"event": "Bad Event!"}, "event"),
        ({"event": "ticket_created"}, "event"),  # the help desk's own events are reserved
        ({"event": "digest"}, "event"),
        ({"subject": ""}, "subject"),
        ({"importance": "urgent"}, "importance"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"ticket": "ERR-999999"}, "ticket"),
    ],
)
def test_bad_input_is_422_naming_it_and_queues_nothing(erp, change, field):
    before = Notification.objects.count()
    r = erp.post("/notifications/enqueue", {**BODY, **change})
    assert r.status_code == 422, r.content
    assert field in {e["field"] for e in r.json()["errors"]}
    assert Notification.objects.count() == before


def test_only_an_integration_token_may_queue(api, personas):
    assert api("admin").post("/notifications/enqueue", BODY).status_code == 403
    assert api("initiator").post("/notifications/enqueue", BODY).status_code == 403
