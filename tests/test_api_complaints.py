"""The complaints API: filing (on a request, about the regulation), the list with its filters and
keyset cursor (managers all, leads their groups', authors their own), one complaint, and the
managers' actions — with 404 for complaints one may not see, 403 for actions one may not take,
409 for a stale version or an answered complaint, 422 for bad input. Every answer matches its
documented schema.

Ivan (initiator) and Maria (initiator2) file; Alexei (agent) and Sergei (lead) are first line,
Olga (agent2) second line; Elena is the support manager; the outsider is of another organisation."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from otklik.api.complaints import ComplaintEventOut, ComplaintOut, ComplaintPage
from otklik.complaints.models import Complaint
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.workflow import ticket_create

# Complaints about how a request was handled concern its executor: the groups hand new requests to theirs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatching")]
MSK = ZoneInfo("Europe/Moscow")


def at(day: int, hh: int) -> datetime:
    return datetime(2026, 5, day, hh, tzinfo=MSK)


@pytest.fixture
def ticket(personas):
    return file_error(personas.initiator)


def test_the_initiator_files_on_the_request_and_gets_the_complaint(personas, ticket, api, settings):
    set_now(settings, at(8, 15))
    r = api("initiator").post(f"/tickets/{ticket.number}/complaints", {"body": "Nobody answered."})
    assert r.status_code == 201, r.content
    body = ComplaintOut.model_validate(r.json())
    assert (body.kind, body.state, body.version, body.body) == ("request", "filed", 1, "Nobody answered.")
    assert (body.ticket.id, body.ticket.number) == (ticket.pk, ticket.number)
    assert (body.group.code, body.executor.username, body.author.username) == ("first-line", "lead", "initiator")
    assert body.targets.reaction.due_at == at(12, 11) and body.targets.answer.due_at == at(14, 16)
    assert (body.targets.reaction.state, body.actions) == ("running", [])
    assert [(e.event, e.actor.username) for e in body.history] == [("filed", "initiator")]


def test_filing_on_a_request_refuses_who_may_not(personas, ticket, api):
    path = f"/tickets/{ticket.pk}/complaints"
    for who in ("initiator2", "outsider"):  # cannot see it: as if it did not exist
        r = api(who).post(path, {"body": "x"})
        assert (r.status_code, r.json()["code"]) == (404, "not_found"), who
    r = api("agent").post(path, {"body": "x"})  # sees it, but staff file no complaints
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    personas.initiator2.sees_organisation_requests = True
    personas.initiator2.save()
    assert api("initiator2").post(path, {"body": "x"}).status_code == 403  # not her request
    assert api("initiator").post(path, {"body": "  "}).status_code == 422
    assert api("initiator").post(path, {"body": "x", "internal": True}).status_code == 422  # unknown field
    assert api("initiator").post("/tickets/ERR-999999/complaints", {"body": "x"}).status_code == 404
    assert Complaint.objects.count() == 0
    assert api("initiator").post(path, {"body": "Slow"}).status_code == 201
    r = api("initiator").post(path, {"body": "Slow again"})
    assert (r.status_code, r.json()["code"]) == (409, "complaint_open")


def test_a_complaint_about_the_regulation(personas, ticket, api):
    r = api("outsider").post("/complaints", {"kind": "regulation", "body": "Closed at 11:00"})
    assert r.status_code == 201 and r.json()["ticket"] is None and r.json()["group"] is None
    r = api("initiator").post("/complaints", {"body": "Rude reply", "ticket": ticket.number})
    assert r.status_code == 201 and r.json()["kind"] == "regulation" and r.json()["ticket"]["id"] == ticket.pk
    assert api("outsider").post("/complaints", {"body": "x", "ticket": ticket.number}).status_code == 404
    assert api("initiator").post("/complaints", {"kind": "request", "body": "x"}).status_code == 422
    assert api("initiator").post("/complaints", {"kind": "praise", "body": "x"}).status_code == 422
    assert api("manager").post("/complaints", {"body": "x"}).status_code == 403


@pytest.fixture
def several(personas, api, settings):
    """Ivan on an Error (first line) on 8 May; Maria on a Wish (second line) on 12 May; the
    outsider about the regulation on 13 May. Returns their ids in that order."""
    set_now(settings, at(8, 15))
    first = api("initiator").post(f"/tickets/{file_error(personas.initiator).pk}/complaints", {"body": "1"})
    set_now(settings, at(12, 10))
    wish = ticket_create(initiator=personas.initiator2, type_code="wish", subject="Export", fields={"benefit": "time"})
    second = api("initiator2").post(f"/tickets/{wish.pk}/complaints", {"body": "2"})
    set_now(settings, at(13, 10))
    third = api("outsider").post("/complaints", {"body": "3"})
    return [first.json()["id"], second.json()["id"], third.json()["id"]]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    ComplaintPage.model_validate(response.json())
    return [item["id"] for item in response.json()["items"]]


def test_the_list_shows_each_person_what_they_may_see(personas, several, api):
    first, second, third = several
    assert ids(api("manager").get("/complaints")) == [third, second, first]  # newest first
    assert ids(api("lead").get("/complaints")) == [first]  # his group's only
    assert ids(api("initiator").get("/complaints")) == [first]
    assert ids(api("outsider").get("/complaints")) == [third]
    assert ids(api("agent").get("/complaints")) == []
    assert ids(api("agent2").get("/complaints")) == []


def test_the_lists_filters(personas, several, api, settings):
    first, second, third = several
    manager = api("manager")
    assert ids(manager.get("/complaints", kind="regulation")) == [third]
    assert ids(manager.get("/complaints", group="second-line")) == [second]
    assert ids(manager.get("/complaints", agent="lead")) == [first]  # the executor when it was filed
    assert ids(manager.get("/complaints", agent=str(personas.agent2.pk))) == [second]
    assert ids(manager.get("/complaints", filed_from="2026-05-12", filed_to="2026-05-12")) == [second]
    assert ids(manager.get("/complaints", filed_to="2026-05-08")) == [first]
    # On Tuesday at 12:00 the first one is past its first deadline (Tue 11:00), not yet recorded.
    set_now(settings, at(12, 12))
    assert ids(manager.get("/complaints", overdue="true")) == [first]
    assert ids(manager.get("/complaints", overdue="false")) == [third, second]
    item = manager.get("/complaints", overdue="true").json()["items"][0]
    assert (item["overdue"], item["targets"]["reaction"]["state"], item["targets"]["reaction"]["late_seconds"]) == (
        True,
        "overdue",
        3600,
    )
    r = manager.post(f"/complaints/{second}/answer", {"decision": "upheld", "answer": "ok", "version": 1})
    assert r.status_code == 200
    assert ids(manager.get("/complaints", state="open")) == [third, first]
    assert ids(manager.get("/complaints", state="upheld")) == [second]
    for bad in ({"state": "lost"}, {"kind": "praise"}, {"filed_from": "May"}, {"overdue": "perhaps"}):
        r = manager.get("/complaints", **bad)
        assert (r.status_code, r.json()["code"]) == (422, "invalid"), bad
    r = manager.get("/complaints", filed_from="2026-05-13", filed_to="2026-05-12")
    assert r.status_code == 422


def test_the_list_pages_by_cursor(personas, api):
    manager = api("manager")
    made = []
    for i in range(5):  # each answered: one open regulation complaint per person
        made.append(api("outsider").post("/complaints", {"body": str(i)}).json()["id"])
        manager.post(f"/complaints/{made[-1]}/answer", {"decision": "rejected", "answer": "No", "version": 1})
    page1 = manager.get("/complaints", limit=2).json()
    page2 = manager.get("/complaints", limit=2, cursor=page1["next_cursor"]).json()
    page3 = manager.get("/complaints", limit=2, cursor=page2["next_cursor"]).json()
    got = [i["id"] for p in (page1, page2, page3) for i in p["items"]]
    assert got == made[::-1] and page3["next_cursor"] is None
    assert manager.get("/complaints", cursor="bogus").status_code == 400
    assert manager.get("/complaints", limit=0).status_code == 422


def test_one_complaint_for_those_who_may_see_it(personas, ticket, api):
    cid = api("initiator").post(f"/tickets/{ticket.pk}/complaints", {"body": "Slow"}).json()["id"]
    note = api("manager").post(f"/complaints/{cid}/notes", {"body": "internal"})
    assert note.status_code == 201
    ComplaintEventOut.model_validate(note.json())
    mine = api("initiator").get(f"/complaints/{cid}").json()
    assert [e["event"] for e in mine["history"]] == ["filed"]  # no internal notes for the author
    whole = api("manager").get(f"/complaints/CMP-{cid:06d}").json()  # by number too
    assert [e["event"] for e in whole["history"]] == ["filed", "note"]
    assert whole["actions"] == ["take", "answer", "note"]
    assert [e["event"] for e in api("lead").get(f"/complaints/{cid}").json()["history"]] == ["filed", "note"]
    assert api("lead").get(f"/complaints/{cid}").json()["actions"] == []
    for who in ("agent", "agent2", "initiator2", "outsider"):
        r = api(who).get(f"/complaints/{cid}")
        assert (r.status_code, r.json()["code"]) == (404, "not_found"), who
    assert api("manager").get("/complaints/999999").status_code == 404
    assert api("manager").get("/complaints/x1").status_code == 404


def test_the_managers_actions(personas, ticket, api):
    cid = api("initiator").post(f"/tickets/{ticket.pk}/complaints", {"body": "Slow"}).json()["id"]
    for who in ("initiator", "lead"):  # may see it, may not act
        assert api(who).post(f"/complaints/{cid}/take", {"version": 1}).status_code == 403
        assert api(who).post(f"/complaints/{cid}/notes", {"body": "x"}).status_code == 403
        r = api(who).post(f"/complaints/{cid}/answer", {"decision": "upheld", "answer": "x", "version": 1})
        assert r.status_code == 403
    assert api("agent").post(f"/complaints/{cid}/take", {"version": 1}).status_code == 404  # may not see it
    taken = api("manager").post(f"/complaints/{cid}/take", {"version": 1})
    assert taken.status_code == 200 and ComplaintOut.model_validate(taken.json()).state == "review"
    assert taken.json()["reviewer"]["username"] == "manager" and taken.json()["actions"] == ["answer", "note"]
    r = api("manager").post(f"/complaints/{cid}/answer", {"decision": "upheld", "answer": "x", "version": 1})
    assert (r.status_code, r.json()["code"]) == (409, "stale_version")
    r = api("manager").post(f"/complaints/{cid}/answer", {"decision": "perhaps", "answer": "x", "version": 2})
    assert r.status_code == 422
    assert api("manager").post(f"/complaints/{cid}/answer", {"decision": "upheld", "answer": "x"}).status_code == 422
    r = api("manager").post(f"/complaints/{cid}/answer", {"decision": "upheld", "answer": " ", "version": 2})
    answer = {"field": "answer", "code": "required", "params": {}, "message": "is required"}
    assert (r.status_code, r.json()["errors"]) == (422, [answer])
    done = api("manager").post(
        f"/complaints/{cid}/answer", {"decision": "rejected", "answer": "In time.", "version": 2}
    )
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["answer"], done.json()["actions"]) == ("rejected", "In time.", ["note"])
    r = api("manager").post(f"/complaints/{cid}/answer", {"decision": "upheld", "answer": "x", "version": 3})
    assert (r.status_code, r.json()["code"]) == (409, "closed")
    mine = api("initiator").get(f"/complaints/{cid}").json()
    assert (mine["state"], mine["answer"]) == ("rejected", "In time.")
    assert [e["event"] for e in mine["history"]] == ["filed", "review", "rejected"]
