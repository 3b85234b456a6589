"""POST /api/v1/tickets/{id}/comments and GET …/activity: the per-stage log, with internal notes
for support only."""

import pytest
from django.utils.dateparse import parse_datetime

from otklik.tickets.models import LogRecord, Ticket


@pytest.fixture
def ticket(api):
    r = api("initiator").post("/tickets", {"type": "error", "subject": "Сбой", "fields": {"steps": "шаги"}})
    assert r.status_code == 201, r.content
    return r.json()


def comment(api, who, ticket_id, body, **extra):
    return api(who).post(f"/tickets/{ticket_id}/comments", {"body": body, **extra})


def activity(api, who, ticket_id):
    r = api(who).get(f"/tickets/{ticket_id}/activity")
    assert r.status_code == 200, r.content
    return r.json()


def test_comment_is_201_with_the_record(api, ticket):
    r = comment(api, "initiator", ticket["id"], "  Есть новости?  ")
    assert r.status_code == 201, r.content
    c = r.json()
    assert c["event"] == "comment"
    assert c["body"] == "Есть новости?"
    assert c["internal"] is False
    assert c["actor"]["username"] == "initiator"
    assert c["role"] == "initiator"
    assert c["reaction"] == "initiator_replied"
    assert c["stage"]["code"] == "new"
    assert parse_datetime(c["at"]) is not None
    assert LogRecord.objects.get(pk=c["id"]).body == "Есть новости?"


def test_comment_bumps_no_version(api, ticket):
    comment(api, "agent", ticket["id"], "Смотрим")
    assert Ticket.objects.get(pk=ticket["id"]).version == 1
    r = api("agent").post(f"/tickets/{ticket['id']}/transitions", {"transition": "accept", "version": 1})
    assert r.status_code == 200


def test_support_reply_is_an_executor_reaction(api, ticket):
    c = comment(api, "agent", ticket["id"], "Принято к сведению").json()
    assert c["role"] == "staff"  # a member of the group, not (yet) the executor
    assert c["reaction"] == "executor_replied"
    lead = comment(api, "lead", ticket["id"], "Посмотрю").json()
    assert lead["role"] == "staff"  # nobody executes it yet: it waits in the group's queue
    r = api("agent").post(f"/tickets/{ticket['id']}/transitions", {"transition": "accept", "version": 1})
    assert r.status_code == 200
    taken = comment(api, "agent", ticket["id"], "Беру").json()
    assert (taken["role"], taken["reaction"]) == ("executor", "executor_replied")


def test_internal_note_hidden_from_the_initiator(api, ticket):
    note = comment(api, "agent", ticket["id"], "Похоже на баг в отчёте", internal=True)
    assert note.status_code == 201, note.content
    assert note.json()["event"] == "note"
    assert note.json()["internal"] is True
    assert note.json()["reaction"] == ""
    public = comment(api, "agent", ticket["id"], "Разбираемся").json()

    initiator_view = activity(api, "initiator", ticket["id"])
    assert note.json()["id"] not in {e["id"] for e in initiator_view}
    assert public["id"] in {e["id"] for e in initiator_view}
    assert "Похоже на баг" not in str(initiator_view)
    assert all(e["internal"] is False for e in initiator_view)

    for who in ("agent", "lead", "manager"):
        staff_view = activity(api, who, ticket["id"])
        (seen,) = [e for e in staff_view if e["id"] == note.json()["id"]]
        assert seen["body"] == "Похоже на баг в отчёте"
        assert seen["internal"] is True


def test_internal_note_hidden_from_a_watcher(api, ticket):
    api("agent").post(f"/tickets/{ticket['id']}/watchers", {"user": "initiator2"})
    comment(api, "agent", ticket["id"], "секрет", internal=True)
    view = activity(api, "initiator2", ticket["id"])
    assert "секрет" not in str(view)


def test_initiator_cannot_post_internal(api, ticket):
    before = LogRecord.objects.count()
    r = comment(api, "initiator", ticket["id"], "тайна", internal=True)
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert LogRecord.objects.count() == before


@pytest.mark.parametrize("body", ["", "   "])
def test_empty_comment_is_422(api, ticket, body):
    before = LogRecord.objects.count()
    r = comment(api, "initiator", ticket["id"], body)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "body", "code": "required", "params": {}, "message": "is required"}]
    assert LogRecord.objects.count() == before


def test_comment_over_the_limit_is_422(api, ticket, settings):
    before = LogRecord.objects.count()
    r = comment(api, "initiator", ticket["id"], "я" * (settings.MAX_TEXT_LENGTH + 1))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid"
    assert LogRecord.objects.count() == before


def test_comment_with_unknown_key_is_422(api, ticket):
    before = LogRecord.objects.count()
    r = comment(api, "initiator", ticket["id"], "текст", author="admin")
    assert r.status_code == 422
    assert LogRecord.objects.count() == before


def test_activity_entries_have_actor_role_stage_and_time(api, ticket):
    comment(api, "initiator", ticket["id"], "Вопрос")
    api("agent").post(f"/tickets/{ticket['id']}/transitions", {"transition": "accept", "version": 1})
    comment(api, "agent", ticket["id"], "Ответ")
    log = activity(api, "initiator", ticket["id"])
    people_log = [e for e in log if e["event"] != "sla"]  # the SLA ledger: tests/test_api_sla.py
    assert [(e["event"], e["actor"]["username"], e["role"], e["stage"]["code"]) for e in people_log] == [
        ("created", "initiator", "initiator", "new"),
        ("comment", "initiator", "initiator", "new"),
        ("transition", "agent", "staff", "new"),
        ("assignment", "agent", "staff", "accepted"),
        ("comment", "agent", "executor", "accepted"),
    ]
    for e in log:
        assert {"id", "at", "event", "reaction", "actor", "role", "stage", "to_stage", "body", "internal"} <= set(e)
        assert e["stage"]["name"] and e["stage"]["kind"]
        assert parse_datetime(e["at"]) is not None
    times = [parse_datetime(e["at"]) for e in log]
    assert times == sorted(times)
    ids = [e["id"] for e in log]
    assert ids == sorted(ids)


@pytest.mark.parametrize("who", ["outsider", "initiator2", "agent2"])
def test_invisible_ticket_is_404_for_comments_and_activity(api, ticket, who):
    before = LogRecord.objects.count()
    r = comment(api, who, ticket["id"], "я тут")
    assert r.status_code == 404
    assert r.json() == {"detail": f"request {ticket['id']} not found", "code": "not_found"}
    r = api(who).get(f"/tickets/{ticket['id']}/activity")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert LogRecord.objects.count() == before


def test_activity_of_a_missing_ticket_is_404(api):
    r = api("manager").get("/tickets/424242/activity")
    assert r.status_code == 404
    assert r.json() == {"detail": "request 424242 not found", "code": "not_found"}
