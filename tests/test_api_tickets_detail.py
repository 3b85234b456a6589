"""GET /api/v1/tickets/{id|number}: the request, the transitions the caller may take, and 404
(never 403) for a request the caller may not see."""

import pytest

from otklik.workflow import ticket_create, ticket_transition


@pytest.fixture
def ticket(api):
    r = api("initiator").post(
        "/tickets",
        {
            "type": "error",
            "subject": "Не печатает отчёт",
            "description": "С утра",
            "priority": "high",
            "category": "accounting-reports",
            "fields": {"steps": "Печать", "blocking": "yes"},
        },
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_detail_by_id(api, ticket):
    r = api("initiator").get(f"/tickets/{ticket['id']}")
    assert r.status_code == 200
    t = r.json()
    assert t["id"] == ticket["id"]
    assert t["number"] == "ERR-000002"
    assert t["type"] == {"code": "error", "name": t["type"]["name"]} and t["type"]["name"]
    assert t["state"] == "new"
    assert t["executor"] is None  # in the group's queue
    assert t["group"]["code"] == "first-line"
    assert t["initiator"]["username"] == "initiator"
    assert t["priority"]["code"] == "high"
    assert t["category"]["code"] == "accounting-reports"
    assert t["version"] == 1
    assert t["description"] == "С утра"
    assert t["fields"] == {"steps": "Печать", "blocking": True}
    assert t["organisation"] == "ООО «Демо» / Demo Ltd"
    assert isinstance(t["sla"], list)
    for target in t["sla"]:
        assert {"due_at", "state"} <= set(target)
        assert target["state"] in ("running", "paused", "met", "breached")


@pytest.mark.parametrize("ref", ["ERR-000002", "err-000002", " ERR-000002"])
def test_detail_by_number(api, ticket, ref):
    r = api("initiator").get(f"/tickets/{ref}")
    assert r.status_code == 200, r.content
    assert r.json()["id"] == ticket["id"]


def test_demo_ticket_by_number(api):
    r = api("initiator").get("/tickets/ERR-000001")
    assert r.status_code == 200
    assert r.json()["subject"] == "Отчёт по остаткам не формируется"
    assert r.json()["fields"]["affected_users"] == 12


def _codes(api, who, ticket_id):
    r = api(who).get(f"/tickets/{ticket_id}")
    assert r.status_code == 200, (who, r.content)
    return [t["code"] for t in r.json()["transitions"]]


def test_transitions_are_those_the_caller_may_take(api, ticket):
    tid = ticket["id"]
    assert _codes(api, "initiator", tid) == ["withdraw"]
    assert _codes(api, "agent", tid) == ["accept"]  # a member of the group
    assert _codes(api, "lead", tid) == ["accept", "decline"]  # the executor and the group's lead
    assert _codes(api, "manager", tid) == ["accept", "decline"]


def test_transition_entries_carry_what_the_client_needs(api, ticket):
    by_code = {t["code"]: t for t in api("lead").get(f"/tickets/{ticket['id']}").json()["transitions"]}
    assert by_code["decline"]["to"] == "declined"
    assert by_code["decline"]["comment_required"] is True
    assert by_code["decline"]["choose_executor"] is False
    assert by_code["accept"]["to"] == "accepted"
    assert by_code["accept"]["comment_required"] is False
    assert by_code["accept"]["label"]


def test_transitions_follow_the_point(api, personas, ticket):
    api("agent").post(f"/tickets/{ticket['id']}/transitions", {"transition": "accept", "version": 1})
    assert _codes(api, "agent", ticket["id"]) == ["start", "ask"]  # now the executor
    assert _codes(api, "initiator", ticket["id"]) == []
    assert _codes(api, "lead", ticket["id"]) == ["start"]  # as the group's lead


def test_chosen_executor_transition_is_flagged(api, personas):
    wish = ticket_create(initiator=personas.initiator, type_code="wish", subject="Экспорт", fields={"benefit": "время"})
    wish = ticket_transition(ticket=wish, actor=personas.agent2, transition_code="review", version=1)
    wish = ticket_transition(ticket=wish, actor=personas.manager, transition_code="approve", version=2)
    (develop,) = api("agent2").get(f"/tickets/{wish.pk}").json()["transitions"]
    assert develop["code"] == "develop"
    assert develop["choose_executor"] is True


def test_closed_ticket_offers_no_transitions(api, ticket):
    r = api("initiator").post(f"/tickets/{ticket['id']}/transitions", {"transition": "withdraw", "version": 1})
    assert r.status_code == 200
    for who in ("initiator", "agent", "lead", "manager"):
        assert _codes(api, who, ticket["id"]) == []


def _not_found(r):
    assert r.status_code == 404, r.content
    body = r.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == "not_found"
    return body


@pytest.mark.parametrize("who", ["outsider", "initiator2", "agent2"])
def test_invisible_ticket_is_404_like_a_missing_one(api, ticket, who):
    hidden = _not_found(api(who).get(f"/tickets/{ticket['id']}"))
    missing = _not_found(api(who).get("/tickets/999999"))
    assert hidden == {"detail": f"request {ticket['id']} not found", "code": "not_found"}
    assert missing == {"detail": "request 999999 not found", "code": "not_found"}

    by_number = _not_found(api(who).get("/tickets/ERR-000002"))
    no_such_number = _not_found(api(who).get("/tickets/ERR-999999"))
    assert by_number["detail"].replace("ERR-000002", "X") == no_such_number["detail"].replace("ERR-999999", "X")


def test_invisible_ticket_reveals_nothing_in_its_404(api, ticket):
    body = api("outsider").get(f"/tickets/{ticket['id']}").json()
    text = str(body)
    for secret in ("Не печатает", "initiator", "lead", "first-line", "ERR-000002"):
        assert secret not in text


@pytest.mark.parametrize("ref", ["abc", "0", "-1", "ERR-", "99999999999999999999999999"])
def test_nonsense_references_are_404(api, ref):
    _not_found(api("manager").get(f"/tickets/{ref}"))


def test_nul_in_the_reference_is_400_not_500(api):
    r = api("manager").get("/tickets/ERR%00")
    assert r.status_code == 400
    assert r.json()["code"] == "bad_request"


def test_watcher_sees_the_ticket_but_may_take_no_transition(api, personas, ticket):
    from otklik.tickets.watchers import ticket_watch

    assert api("initiator2").get(f"/tickets/{ticket['id']}").status_code == 404
    ticket_watch(
        ticket=personas.initiator.initiated_tickets.get(pk=ticket["id"]), actor=personas.agent, user_ref="initiator2"
    )
    assert _codes(api, "initiator2", ticket["id"]) == []
    watchers = api("initiator2").get(f"/tickets/{ticket['id']}").json()["watchers"]
    assert [w["username"] for w in watchers] == ["initiator2"]
