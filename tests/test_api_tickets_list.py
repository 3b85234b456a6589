"""GET /api/v1/tickets: filters, keyset pagination, who sees what, and a fixed number of queries."""

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.tickets.models import Ticket
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_create, ticket_transition

FIELDS = {"error": {"steps": "шаги"}, "wish": {"benefit": "польза"}, "request": {"kind": "access"}}
# The demo's samples, all in first line, unassigned in its queue (the wish is in category
# "accounting"): ERR-000001 and WSH-000001 by initiator, REQ-000001 by initiator2.
DEMO = {"ERR-000001", "REQ-000001", "WSH-000001"}


def make(user, type_code="error", subject="Заявка", **kw):
    return ticket_create(
        initiator=user, type_code=type_code, subject=subject, fields=FIELDS[type_code], description="", **kw
    )


def numbers(client, **params):
    r = client.get("/tickets", limit=100, **params)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["next_cursor"] is None
    return {t["number"] for t in body["items"]}


@pytest.fixture
def board(personas):
    """A small, known set of requests in different states (besides the demo's three)."""
    p = personas
    e1 = make(p.initiator, subject="VPN does not connect")
    Ticket.objects.filter(pk=e1.pk).update(executor=p.lead)  # Sergei took it on
    e2 = make(p.initiator, subject="Отчёт падает")
    ticket_transition(ticket=e2, actor=p.agent, transition_code="accept", version=1)
    w1 = make(p.initiator2, "wish", subject="Dark theme please")
    Ticket.objects.filter(pk=w1.pk).update(executor=p.agent2)  # and Olga this one
    o1 = make(p.initiator, subject="Принтер", category_code="hardware")
    r1 = make(p.initiator2, "request", subject="Доступ к папке")
    ticket_transition(ticket=r1, actor=p.initiator2, transition_code="withdraw", version=1)
    Ticket.objects.filter(pk=r1.pk).update(executor=p.lead)  # Sergei had it when it was withdrawn
    ticket_watch(ticket=w1, actor=p.agent2, user_ref="initiator")  # support adds Ivan to Maria's wish
    return {"e1": e1.number, "e2": e2.number, "w1": w1.number, "o1": o1.number, "r1": r1.number}


def test_list_shape(api, board):
    r = api("manager").get("/tickets")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"items", "next_cursor"}
    item = next(t for t in body["items"] if t["number"] == board["e2"])
    assert item["state"] == "accepted"
    assert item["state_kind"] == "in_work"
    assert item["is_open"] is True
    assert item["executor"]["username"] == "agent"
    assert item["initiator"]["username"] == "initiator"
    assert item["type"]["code"] == "error"
    assert item["group"]["code"] == "first-line"
    assert item["priority"]["code"] == "normal"
    assert item["version"] == 2
    assert "description" not in item and "transitions" not in item
    ids = [t["id"] for t in body["items"]]
    assert ids == sorted(ids, reverse=True)  # newest first


def test_manager_sees_everything(api, board):
    assert numbers(api("manager")) == DEMO | set(board.values())


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("open", {"ERR-000001", "REQ-000001", "WSH-000001", "e1", "e2", "w1"}),
        ("closed", {"o1", "r1"}),
        ("new", {"ERR-000001", "REQ-000001", "WSH-000001", "e1", "w1"}),  # a point kind
        ("in_work", {"e2"}),  # a point kind: "accepted" is of kind in_work
        ("declined", {"o1", "r1"}),  # kind declined covers out_of_scope too
        ("accepted", {"e2"}),  # a point code
        ("out_of_scope", {"o1"}),  # a point code
        ("nowhere", set()),
    ],
)
def test_filter_state(api, board, state, expected):
    want = {board.get(x, x) for x in expected}
    assert numbers(api("manager"), state=state) == want


def test_filter_type(api, board):
    assert numbers(api("manager"), type="wish") == {"WSH-000001", board["w1"]}
    assert numbers(api("manager"), type="request") == {"REQ-000001", board["r1"]}
    assert numbers(api("manager"), type="incident") == set()


def test_filter_executor(api, personas, board):
    manager = api("manager")
    assert numbers(manager, executor="agent") == {board["e2"]}
    assert numbers(manager, executor=str(personas.agent.pk)) == {board["e2"]}
    assert numbers(manager, executor="lead") == {board["e1"], board["r1"]}
    assert numbers(manager, executor="agent2") == {board["w1"]}
    assert numbers(manager, executor="none") == DEMO | {board["o1"]}
    assert numbers(manager, executor="nobody-by-that-name") == set()
    assert numbers(api("agent"), executor="me") == {board["e2"]}
    assert numbers(api("lead"), executor="me") == {board["e1"], board["r1"]}


def test_filter_group(api, board):
    assert numbers(api("manager"), group="second-line") == {board["w1"]}
    first = numbers(api("manager"), group="first-line")
    assert first == DEMO | {board["e1"], board["e2"], board["o1"], board["r1"]}
    assert numbers(api("manager"), group="third-line") == set()


def test_filter_mine(api, board):
    initiator = api("initiator")
    everything = numbers(initiator)
    assert board["w1"] in everything  # watched, not his
    assert numbers(initiator, mine="true") == {"ERR-000001", "WSH-000001", board["e1"], board["e2"], board["o1"]}
    assert numbers(api("agent"), mine="true") == {board["e2"]}  # the agent's own work


def test_filter_q_by_number_and_subject(api, board):
    manager = api("manager")
    assert numbers(manager, q=board["e2"]) == {board["e2"]}
    assert numbers(manager, q=board["e2"].lower()) == {board["e2"]}
    assert numbers(manager, q="vpn") == {board["e1"]}
    assert numbers(manager, q="THEME") == {board["w1"]}
    assert numbers(manager, q="Отчёт") == {board["e2"], "ERR-000001"}  # the demo's "Отчёт по остаткам…"
    assert numbers(manager, q="no such words") == set()


def test_filter_q_is_case_insensitive_for_cyrillic(api, board):
    assert numbers(api("manager"), q="отчёт") == {board["e2"], "ERR-000001"}


def test_filter_q_too_long_is_422(api, board):
    r = api("manager").get("/tickets", q="x" * 201)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid"


def test_filters_combine(api, board):
    assert numbers(api("manager"), type="error", state="open", executor="lead") == {board["e1"]}
    assert numbers(api("manager"), type="error", state="open", executor="none") == {"ERR-000001"}


def test_filters_do_not_widen_visibility(api, board):
    # initiator2 asking for lead's work sees only her own requests among them
    assert numbers(api("initiator2"), executor="lead") == {board["r1"]}
    assert numbers(api("initiator2"), executor="none") == {"REQ-000001"}


def test_visibility_per_persona(api, board):
    assert numbers(api("initiator")) == {"ERR-000001", "WSH-000001", board["e1"], board["e2"], board["o1"], board["w1"]}
    assert numbers(api("initiator2")) == {"REQ-000001", board["w1"], board["r1"]}
    assert numbers(api("agent2")) == {board["w1"]}
    agent = numbers(api("agent"))
    assert agent == DEMO | {board["e1"], board["e2"], board["o1"], board["r1"]}


def test_outsider_gets_an_empty_list(api, board):
    r = api("outsider").get("/tickets")
    assert r.status_code == 200
    assert r.json() == {"items": [], "next_cursor": None}
    assert numbers(api("outsider"), q=board["e1"]) == set()


# --- keyset pagination -------------------------------------------------------------------------


def test_cursor_walks_every_page_without_duplicates_or_gaps(api, personas):
    made = [make(personas.initiator, subject=f"Заявка {i}").pk for i in range(30)]
    client = api("initiator")
    expected = sorted(set(made) | {t["id"] for t in client.get("/tickets", limit=100).json()["items"]}, reverse=True)
    assert len(expected) == 32  # 30 + the demo's two of his

    seen, sizes, cursor = [], [], None
    for _ in range(10):
        params = {"limit": 7} if cursor is None else {"limit": 7, "cursor": cursor}
        r = client.get("/tickets", **params)
        assert r.status_code == 200, r.content
        page = r.json()
        sizes.append(len(page["items"]))
        seen.extend(t["id"] for t in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [7, 7, 7, 7, 4]
    assert seen == expected  # in order: newest first, no duplicates, no gaps


def test_exact_multiple_of_limit_ends_with_no_cursor(api, personas):
    for i in range(5):
        make(personas.initiator2, subject=f"{i}")
    client = api("initiator2")  # sees 5 + the demo's REQ-000001 = 6
    first = client.get("/tickets", limit=3).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = client.get("/tickets", limit=3, cursor=first["next_cursor"]).json()
    assert len(second["items"]) == 3
    assert second["next_cursor"] is None


def test_cursor_keeps_the_filters(api, personas):
    for i in range(6):
        make(personas.initiator, "wish", subject=f"wish {i}")
        make(personas.initiator, subject=f"error {i}")
    client = api("initiator")
    got, cursor = [], None
    while True:
        params = {"limit": 4, "type": "wish"} | ({"cursor": cursor} if cursor else {})
        page = client.get("/tickets", **params).json()
        got.extend(t["number"] for t in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(got) == 7 and len(set(got)) == 7
    assert all(n.startswith("WSH-") for n in got)


def _b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["!!!", "not-base64-at-all", _b64({"id": -1}), _b64({"id": "5"}), _b64({"x": 1}), _b64([1]), _b64(None), "%%"],
)
def test_bad_cursor_is_400(api, board, cursor):
    r = api("manager").get("/tickets", cursor=cursor)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "bad_cursor"
    assert r.json()["detail"]


@pytest.mark.parametrize("limit", ["0", "101", "-5", "abc", "1.5"])
def test_limit_out_of_range_is_422(api, board, limit):
    r = api("manager").get("/tickets", limit=limit)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "invalid"


def test_limit_bounds_are_accepted(api, board):
    assert len(api("manager").get("/tickets", limit=1).json()["items"]) == 1
    assert api("manager").get("/tickets", limit=100).status_code == 200


def test_mine_must_be_a_boolean(api, board):
    r = api("initiator").get("/tickets", mine="perhaps")
    assert r.status_code == 422
    assert r.json()["code"] == "invalid"


def test_nul_in_a_filter_is_400_on_every_database(api, board):
    for params in ({"q": "a\x00b"}, {"executor": "a\x00"}, {"type": "\x00"}, {"state": "\x00"}):
        r = api("manager").get("/tickets", **params)
        assert r.status_code == 400, (params, r.content)
        assert r.json()["code"] == "bad_request"


# --- a fixed number of queries -----------------------------------------------------------------


def _count(client, path, **params):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, **params)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries), r.json()


@pytest.mark.parametrize("who", ["agent", "manager", "initiator"])
def test_list_query_count_does_not_grow_with_the_page(api, personas, settings, django_assert_max_num_queries, who):
    settings.REFERENCE_TTL = 3600  # no snapshot rebuild in the middle of a measurement
    client = api(who)
    for i in range(5):
        make(personas.initiator, subject=f"small {i}", category_code="accounting")
    client.get("/tickets")  # warm: token touch, reference snapshot
    small, body = _count(client, "/tickets", limit=100)
    assert len(body["items"]) >= 5
    for i in range(20):
        make(personas.initiator, "wish" if i % 2 else "error", subject=f"big {i}", category_code="accounting")
    with django_assert_max_num_queries(small):
        r = client.get("/tickets", limit=100)
    assert len(r.json()["items"]) >= 25
    big, _ = _count(client, "/tickets", limit=100)
    assert big == small
    assert small <= 4


def test_detail_query_count_does_not_grow_with_watchers_and_attachments(
    api, personas, settings, tmp_path, django_assert_max_num_queries
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.REFERENCE_TTL = 3600
    settings.MEDIA_ROOT = str(tmp_path)
    bare = make(personas.initiator, subject="bare")
    busy = make(personas.initiator, subject="busy")
    for user in (personas.initiator2, personas.agent2, personas.manager, personas.admin):
        ticket_watch(ticket=busy, actor=personas.agent, user_ref=user.username)
    client = api("agent")
    for i in range(3):
        r = client.upload(f"/tickets/{busy.pk}/attachments", {"file": SimpleUploadedFile(f"f{i}.txt", b"data")})
        assert r.status_code == 201, r.content
    client.get(f"/tickets/{bare.pk}")  # warm
    small, body = _count(client, f"/tickets/{bare.pk}")
    assert body["watchers"] == [] and body["attachments"] == []
    # Watchers' names not yet in the people cache cost one batched read, whatever their number.
    with django_assert_max_num_queries(small + 1):
        r = client.get(f"/tickets/{busy.pk}")
    assert len(r.json()["watchers"]) == 4 and len(r.json()["attachments"]) == 3
    with django_assert_max_num_queries(small):
        r = client.get(f"/tickets/{busy.pk}")
    assert len(r.json()["watchers"]) == 4
    assert small <= 5


def test_activity_query_count_does_not_grow_with_the_log(api, personas, settings, django_assert_max_num_queries):
    settings.REFERENCE_TTL = 3600
    t = make(personas.initiator, subject="log")
    client = api("agent")
    client.get(f"/tickets/{t.pk}/activity")
    small, body = _count(client, f"/tickets/{t.pk}/activity")
    assert [e["event"] for e in body] == ["created", "sla", "sla"]
    for i in range(10):
        assert client.post(f"/tickets/{t.pk}/comments", {"body": f"c{i}", "internal": i % 2 == 0}).status_code == 201
    with django_assert_max_num_queries(small):
        r = client.get(f"/tickets/{t.pk}/activity")
    assert len([e for e in r.json() if e["event"] != "sla"]) == 11
