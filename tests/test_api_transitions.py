"""POST /api/v1/tickets/{id}/transitions: moves along the route with optimistic locking."""

import pytest

from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_create, ticket_transition


@pytest.fixture
def error(api):
    r = api("initiator").post("/tickets", {"type": "error", "subject": "Сбой", "fields": {"steps": "шаги"}})
    assert r.status_code == 201, r.content
    return r.json()


def move(api, who, ticket_id, **body):
    return api(who).post(f"/tickets/{ticket_id}/transitions", body)


def snapshot(ticket_id):
    t = Ticket.objects.get(pk=ticket_id)
    return (t.point.code, t.executor_id, t.version, t.is_open, LogRecord.objects.filter(ticket_id=ticket_id).count())


def test_transition_returns_200_and_the_new_version(api, personas, error):
    r = move(api, "agent", error["id"], transition="accept", version=1)
    assert r.status_code == 200, r.content
    t = r.json()
    assert t["version"] == 2
    assert t["state"] == "accepted"
    assert t["executor"]["username"] == "agent"  # "actor" on arrival
    assert [tr["code"] for tr in t["transitions"]] == ["start", "ask"]
    row = Ticket.objects.get(pk=error["id"])
    assert (row.version, row.point.code, row.executor_id) == (2, "accepted", personas.agent.pk)

    log = api("agent").get(f"/tickets/{error['id']}/activity").json()
    (tr,) = [e for e in log if e["event"] == "transition"]
    assert tr["transition"] == "accept"
    assert tr["reaction"] == "executor_accepted"
    assert tr["stage"]["code"] == "new" and tr["to_stage"]["code"] == "accepted"
    assert tr["actor"]["username"] == "agent"
    (assignment,) = [e for e in log if e["event"] == "assignment"]
    assert (assignment["old_value"], assignment["new_value"]) == (None, personas.agent.pk)  # from the queue


def test_transition_by_number(api, error):
    r = move(api, "agent", error["number"], transition="accept", version=1)
    assert r.status_code == 200
    assert r.json()["id"] == error["id"]


def test_comment_is_kept_with_the_transition(api, error):
    r = move(api, "lead", error["id"], transition="decline", version=1, comment="  Не ошибка, а настройка  ")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "declined"
    assert r.json()["is_open"] is False
    assert r.json()["closed_at"] is not None
    (tr,) = [e for e in api("initiator").get(f"/tickets/{error['id']}/activity").json() if e["event"] == "transition"]
    assert tr["body"] == "Не ошибка, а настройка"


def test_stale_version_is_409_and_changes_nothing(api, error):
    assert move(api, "agent", error["id"], transition="accept", version=1).status_code == 200
    before = snapshot(error["id"])
    r = move(api, "agent", error["id"], transition="start", version=1)
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "stale_version"
    assert "ERR-000002" in body["detail"]
    assert snapshot(error["id"]) == before
    assert api("agent").get(f"/tickets/{error['id']}").json()["state"] == "accepted"


def test_two_people_with_the_same_version_only_one_wins(api, error):
    first = move(api, "agent", error["id"], transition="accept", version=1)
    second = move(api, "lead", error["id"], transition="decline", version=1, comment="дубль")
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["code"] == "stale_version"
    assert Ticket.objects.get(pk=error["id"]).point.code == "accepted"


@pytest.mark.parametrize("version", [0, 2, -1, 10**12])
def test_any_wrong_version_is_409(api, error, version):
    before = snapshot(error["id"])
    r = move(api, "agent", error["id"], transition="accept", version=version)
    assert r.status_code == 409
    assert r.json()["code"] == "stale_version"
    assert snapshot(error["id"]) == before


@pytest.mark.parametrize(
    ("who", "code", "extra"),
    [
        ("initiator", "accept", {}),  # only support accepts
        ("agent", "withdraw", {}),  # only the initiator withdraws
        ("agent", "decline", {"comment": "нет"}),  # a member, but not the executor nor the lead
    ],
)
def test_transition_the_caller_may_not_take_is_403(api, error, who, code, extra):
    before = snapshot(error["id"])
    r = move(api, who, error["id"], transition=code, version=1, **extra)
    assert r.status_code == 403, r.content
    assert r.json()["code"] == "forbidden"
    assert code in r.json()["detail"]
    assert snapshot(error["id"]) == before


def test_invisible_ticket_is_404(api, error):
    before = snapshot(error["id"])
    for who in ("outsider", "initiator2", "agent2"):
        r = move(api, who, error["id"], transition="accept", version=1)
        assert r.status_code == 404, who
        assert r.json() == {"detail": f"request {error['id']} not found", "code": "not_found"}
    assert snapshot(error["id"]) == before


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_missing_comment_where_required_is_422(api, error, comment):
    before = snapshot(error["id"])
    body = {"transition": "decline", "version": 1}
    if comment is not None:
        body["comment"] = comment
    r = api("lead").post(f"/tickets/{error['id']}/transitions", body)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "invalid"
    assert r.json()["errors"] == [{"field": "comment", "code": "required", "params": {}, "message": "is required"}]
    assert snapshot(error["id"]) == before


def test_unknown_transition_is_422_and_one_from_elsewhere_on_the_route_is_409(api, error):
    before = snapshot(error["id"])
    r = move(api, "agent", error["id"], transition="teleport", version=1)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "transition", "code": "unknown", "params": {"value": "teleport"}, "message": "unknown"}
    ]
    r = move(api, "agent", error["id"], transition="resolve", version=1, comment="x")
    assert r.status_code == 409
    assert r.json()["code"] == "wrong_point"
    assert snapshot(error["id"]) == before


@pytest.mark.parametrize(
    "body",
    [
        {"transition": "accept"},
        {"version": 1},
        {"transition": "accept", "version": "one"},
        {"transition": "accept", "version": 1, "state": "closed"},
    ],
    ids=["no-version", "no-transition", "version-not-int", "unknown-key"],
)
def test_malformed_transition_body_is_422(api, error, body):
    before = snapshot(error["id"])
    r = api("agent").post(f"/tickets/{error['id']}/transitions", body)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "invalid"
    assert snapshot(error["id"]) == before


def test_executor_where_the_transition_does_not_let_you_choose_is_422(api, error):
    before = snapshot(error["id"])
    r = move(api, "agent", error["id"], transition="accept", version=1, executor="lead")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["executor"]
    assert snapshot(error["id"]) == before


@pytest.fixture
def approved_wish(personas):
    wish = ticket_create(initiator=personas.initiator, type_code="wish", subject="Экспорт", fields={"benefit": "б"})
    wish = ticket_transition(ticket=wish, actor=personas.agent2, transition_code="review", version=1)
    return ticket_transition(ticket=wish, actor=personas.manager, transition_code="approve", version=2)


def test_chosen_transition_without_executor_is_422(api, approved_wish):
    before = snapshot(approved_wish.pk)
    r = move(api, "agent2", approved_wish.pk, transition="develop", version=3)
    assert r.status_code == 422, r.content
    assert r.json()["errors"] == [{"field": "executor", "code": "required", "params": {}, "message": "required"}]
    assert snapshot(approved_wish.pk) == before


def test_chosen_executor_must_be_in_the_group(api, approved_wish):
    before = snapshot(approved_wish.pk)
    r = move(api, "agent2", approved_wish.pk, transition="develop", version=3, executor="agent")
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "executor", "code": "not_member", "params": {}, "message": "not a member of the request's group"}
    ]
    r = move(api, "agent2", approved_wish.pk, transition="develop", version=3, executor="ghost")
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "executor", "code": "unknown", "params": {"value": "ghost"}, "message": "unknown user"}
    ]
    assert snapshot(approved_wish.pk) == before


def test_chosen_transition_with_executor(api, personas, approved_wish):
    r = move(api, "manager", approved_wish.pk, transition="develop", version=3, executor=personas.agent2.pk)
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "in_development"
    assert r.json()["executor"]["username"] == "agent2"
    assert r.json()["version"] == 4


def test_whole_request_route_through_the_api(api, personas):
    t = (
        api("initiator2")
        .post("/tickets", {"type": "request", "subject": "Доступ", "fields": {"kind": "access"}})
        .json()
    )
    steps = [
        ("agent", "take", {}),
        ("agent", "ask", {"comment": "Какой отдел?"}),
        ("initiator2", "provide", {"comment": "Бухгалтерия"}),
        ("agent", "resolve", {"comment": "Выдан"}),
        ("initiator2", "confirm", {}),
    ]
    version = 1
    for who, code, extra in steps:
        r = move(api, who, t["id"], transition=code, version=version, **extra)
        assert r.status_code == 200, (code, r.content)
        assert r.json()["version"] == version + 1
        version += 1
    final = api("initiator2").get(f"/tickets/{t['id']}").json()
    assert (final["state"], final["is_open"], final["transitions"]) == ("closed", False, [])
