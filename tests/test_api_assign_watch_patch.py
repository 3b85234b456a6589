"""Reassignment (POST …/assign), watchers (POST/DELETE …/watchers) and corrections (PATCH)."""

import pytest

from otklik.tickets.models import LogRecord, Ticket, Watcher


@pytest.fixture
def ticket(api, dispatching):
    """Filed where the groups hand new requests to their dispatcher (the first line: its lead)."""
    r = api("initiator").post("/tickets", {"type": "error", "subject": "Сбой", "fields": {"steps": "шаги"}})
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["executor"]["username"] == "lead" and t["group"]["code"] == "first-line"
    return t


def state(ticket_id):
    t = Ticket.objects.get(pk=ticket_id)
    return (
        t.version,
        t.executor_id,
        t.group_id,
        t.subject,
        t.priority_id,
        t.category_id,
        dict(t.fields),
        LogRecord.objects.filter(ticket_id=ticket_id).count(),
    )


def log_of(api, who, ticket_id, event):
    return [e for e in api(who).get(f"/tickets/{ticket_id}/activity").json() if e["event"] == event]


# --- assign --------------------------------------------------------------------------------------


def test_lead_reassigns_to_an_agent(api, personas, ticket):
    r = api("lead").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": "agent"})
    assert r.status_code == 200, r.content
    t = r.json()
    assert t["executor"]["username"] == "agent"
    assert t["version"] == 2
    assert t["state"] == "new"  # reassignment does not move the request
    (rec,) = log_of(api, "lead", ticket["id"], "assignment")
    assert (rec["field"], rec["old_value"], rec["new_value"]) == ("executor", personas.lead.pk, personas.agent.pk)
    assert rec["actor"]["username"] == "lead"


def test_assign_by_user_id(api, personas, ticket):
    r = api("lead").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": personas.agent.pk})
    assert r.status_code == 200
    assert r.json()["executor"]["username"] == "agent"


def test_executor_outside_the_group_is_refused_422(api, ticket):
    before = state(ticket["id"])
    r = api("lead").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": "agent2"})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "executor", "code": "not_member", "params": {}, "message": "not a member of the request's group"}
    ]
    assert "agent2" in r.json()["detail"]
    for who in ("initiator", "ghost"):
        r = api("lead").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": who})
        assert r.status_code == 422, who
    assert state(ticket["id"]) == before


def test_assign_with_a_stale_version_is_409(api, ticket):
    assert api("lead").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": "agent"}).status_code == 200
    before = state(ticket["id"])
    r = api("lead").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": "lead"})
    assert r.status_code == 409
    assert r.json()["code"] == "stale_version"
    assert state(ticket["id"]) == before


def test_lead_moves_the_request_to_another_group(api, personas, ticket):
    r = api("lead").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "group": "second-line"})
    assert r.status_code == 200, r.content
    t = r.json()
    assert t["group"]["code"] == "second-line"
    assert t["executor"]["username"] == "agent2"  # the new group's dispatcher
    assert t["version"] == 2
    assert t["transitions"] == []  # the lead has no part in it any more
    fields = {rec["field"] for rec in log_of(api, "manager", ticket["id"], "assignment")}
    assert fields == {"group", "executor"}
    # now second line sees it; first line, its lead included, no longer does
    assert api("agent2").get(f"/tickets/{ticket['id']}").status_code == 200
    assert api("agent").get(f"/tickets/{ticket['id']}").status_code == 404
    assert api("lead").get(f"/tickets/{ticket['id']}").status_code == 404


def test_member_may_reassign_within_the_group_but_not_move_it(api, personas, ticket):
    before = state(ticket["id"])
    r = api("agent").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "group": "second-line"})
    assert r.status_code == 403
    assert state(ticket["id"]) == before
    r = api("agent").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": "agent"})
    assert r.status_code == 200
    assert r.json()["executor"]["username"] == "agent"


def test_initiator_cannot_assign(api, ticket):
    before = state(ticket["id"])
    r = api("initiator").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": "agent"})
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert state(ticket["id"]) == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"version": 1, "group": "third-line"},
            [{"field": "group", "code": "unknown", "params": {"value": "third-line"}, "message": "unknown"}],
        ),
        ({"version": 1}, [{"field": "executor", "code": "required", "params": {}, "message": "required"}]),
    ],
)
def test_assign_refusals(api, ticket, body, errors):
    before = state(ticket["id"])
    r = api("lead").post(f"/tickets/{ticket['id']}/assign", body)
    assert r.status_code == 422
    assert r.json()["errors"] == errors
    assert state(ticket["id"]) == before


def test_assign_invisible_ticket_is_404(api, ticket):
    before = state(ticket["id"])
    r = api("agent2").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": "agent2"})
    assert r.status_code == 404
    assert state(ticket["id"]) == before


# --- watchers ------------------------------------------------------------------------------------


def test_a_watcher_can_then_see_the_ticket(api, ticket):
    tid = ticket["id"]
    assert api("initiator2").get(f"/tickets/{tid}").status_code == 404
    r = api("agent").post(f"/tickets/{tid}/watchers", {"user": "initiator2"})
    assert r.status_code == 200, r.content
    assert [w["username"] for w in r.json()["watchers"]] == ["initiator2"]
    assert r.json()["version"] == 1  # watching changes no state

    assert api("initiator2").get(f"/tickets/{tid}").status_code == 200
    listed = {t["id"] for t in api("initiator2").get("/tickets").json()["items"]}
    assert tid in listed
    (rec,) = log_of(api, "agent", tid, "watcher")
    assert (rec["field"], rec["old_value"], rec["new_value"]) == ("watchers", None, "initiator2")

    r = api("agent").delete(f"/tickets/{tid}/watchers/initiator2")
    assert r.status_code == 200
    assert r.json()["watchers"] == []
    assert api("initiator2").get(f"/tickets/{tid}").status_code == 404
    assert tid not in {t["id"] for t in api("initiator2").get("/tickets").json()["items"]}


def test_adding_a_watcher_twice_keeps_one(api, ticket):
    api("agent").post(f"/tickets/{ticket['id']}/watchers", {"user": "initiator2"})
    r = api("agent").post(f"/tickets/{ticket['id']}/watchers", {"user": "initiator2"})
    assert r.status_code == 200
    assert [w["username"] for w in r.json()["watchers"]] == ["initiator2"]
    assert Watcher.objects.filter(ticket_id=ticket["id"]).count() == 1
    assert len(log_of(api, "agent", ticket["id"], "watcher")) == 1


def test_watch_yourself_and_stop(api, ticket):
    r = api("manager").post(f"/tickets/{ticket['id']}/watchers", {})
    assert r.status_code == 200
    assert [w["username"] for w in r.json()["watchers"]] == ["manager"]
    r = api("manager").delete(f"/tickets/{ticket['id']}/watchers/manager")
    assert r.json()["watchers"] == []


def test_watcher_may_remove_themselves(api, ticket):
    api("agent").post(f"/tickets/{ticket['id']}/watchers", {"user": "initiator2"})
    r = api("initiator2").delete(f"/tickets/{ticket['id']}/watchers/initiator2")
    assert r.status_code == 200  # done, even though she can no longer see it
    assert r.json()["watchers"] == []
    assert api("initiator2").get(f"/tickets/{ticket['id']}").status_code == 404
    assert not Watcher.objects.filter(ticket_id=ticket["id"]).exists()


def test_initiator_cannot_add_other_watchers(api, ticket):
    r = api("initiator").post(f"/tickets/{ticket['id']}/watchers", {"user": "initiator2"})
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert not Watcher.objects.filter(ticket_id=ticket["id"]).exists()
    assert api("initiator2").get(f"/tickets/{ticket['id']}").status_code == 404


def test_unknown_watcher_is_422(api, ticket):
    r = api("agent").post(f"/tickets/{ticket['id']}/watchers", {"user": "ghost"})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "user", "code": "unknown", "params": {"value": "ghost"}, "message": "unknown"}
    ]


def test_outsider_cannot_watch_their_way_in(api, ticket):
    r = api("outsider").post(f"/tickets/{ticket['id']}/watchers", {})
    assert r.status_code == 404
    assert not Watcher.objects.filter(ticket_id=ticket["id"]).exists()


# --- PATCH ---------------------------------------------------------------------------------------


def test_patch_priority_category_subject_records_each_change(api, ticket):
    r = api("agent").patch(
        f"/tickets/{ticket['id']}", {"version": 1, "priority": "critical", "category": "email", "subject": "Почта"}
    )
    assert r.status_code == 200, r.content
    t = r.json()
    assert t["version"] == 2
    assert t["priority"]["code"] == "critical"
    assert t["category"]["code"] == "email"
    assert t["subject"] == "Почта"
    changes = {
        (e["field"], e["old_value"], e["new_value"]) for e in log_of(api, "initiator", ticket["id"], "field_change")
    }
    assert changes == {("subject", "Сбой", "Почта"), ("priority", "normal", "critical"), ("category", None, "email")}
    for e in log_of(api, "initiator", ticket["id"], "field_change"):
        assert e["actor"]["username"] == "agent"
        assert e["stage"]["code"] == "new"
    row = Ticket.objects.get(pk=ticket["id"])
    assert (row.subject, row.priority.code, row.category.code, row.version) == ("Почта", "critical", "email", 2)


def test_patch_form_fields(api, ticket):
    r = api("lead").patch(f"/tickets/{ticket['id']}", {"version": 1, "fields": {"affected_users": 40}})
    assert r.status_code == 200, r.content
    assert r.json()["fields"] == {"steps": "шаги", "affected_users": 40}
    (rec,) = log_of(api, "lead", ticket["id"], "field_change")
    assert (rec["field"], rec["old_value"], rec["new_value"]) == ("fields.affected_users", None, 40)


def test_patch_clearing_the_category(api, ticket):
    api("agent").patch(f"/tickets/{ticket['id']}", {"version": 1, "category": "email"})
    r = api("agent").patch(f"/tickets/{ticket['id']}", {"version": 2, "category": None})
    assert r.status_code == 200
    assert r.json()["category"] is None
    assert r.json()["version"] == 3


def test_patch_without_a_change_keeps_the_version(api, ticket):
    r = api("agent").patch(f"/tickets/{ticket['id']}", {"version": 1, "subject": "Сбой", "priority": "normal"})
    assert r.status_code == 200
    assert r.json()["version"] == 1
    assert log_of(api, "agent", ticket["id"], "field_change") == []


def test_initiator_cannot_patch(api, ticket):
    before = state(ticket["id"])
    r = api("initiator").patch(f"/tickets/{ticket['id']}", {"version": 1, "priority": "critical"})
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert state(ticket["id"]) == before


def test_patch_stale_version_is_409(api, ticket):
    api("agent").patch(f"/tickets/{ticket['id']}", {"version": 1, "priority": "high"})
    before = state(ticket["id"])
    r = api("lead").patch(f"/tickets/{ticket['id']}", {"version": 1, "priority": "low"})
    assert r.status_code == 409
    assert r.json()["code"] == "stale_version"
    assert state(ticket["id"]) == before


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1, "priority": "urgent"},
        {"version": 1, "priority": None},
        {"version": 1, "category": "hardware"},  # out of scope
        {"version": 1, "category": "kitchen"},
        {"version": 1, "subject": "  "},
        {"version": 1, "subject": "x" * 201},
        {"version": 1, "fields": {"steps": ""}},
        {"version": 1, "fields": {"colour": "red"}},
        {"version": 1, "state": "closed"},
        {"version": 1, "executor": "agent"},
        {"priority": "high"},
    ],
)
def test_patch_refusals_are_422_and_change_nothing(api, ticket, body):
    before = state(ticket["id"])
    r = api("agent").patch(f"/tickets/{ticket['id']}", body)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "invalid"
    assert state(ticket["id"]) == before


def test_patch_invisible_ticket_is_404(api, ticket):
    before = state(ticket["id"])
    for who in ("outsider", "agent2", "initiator2"):
        r = api(who).patch(f"/tickets/{ticket['id']}", {"version": 1, "priority": "low"})
        assert r.status_code == 404, who
    assert state(ticket["id"]) == before
