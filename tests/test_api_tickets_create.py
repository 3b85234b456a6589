"""POST /api/v1/tickets: a new request, or a refusal that names what is wrong and writes nothing."""

import pytest

from otklik.tickets.models import LogRecord, Ticket

NOTE_RU = "Оборудованием занимается хозяйственный отдел: внутренний телефон 1234."
NOTE_EN = "The facilities department handles equipment: internal phone 1234."


def error_body(**extra):
    return {"type": "error", "subject": "Отчёт не открывается", "fields": {"steps": "Открыть отчёт"}, **extra}


def written():
    return Ticket.objects.count(), LogRecord.objects.count()


def raw_post(api, who, body, content_type="application/json"):
    return api(who).client.post("/api/v1/tickets", body, content_type=content_type)


def test_create_error_returns_201_with_the_new_ticket(api):
    r = api("initiator").post(
        "/tickets",
        error_body(description="Подробности", fields={"steps": "  Открыть отчёт  ", "affected_users": "12"}),
    )
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["number"] == "ERR-000002"  # the demo's sample is ERR-000001
    assert t["type"]["code"] == "error"
    assert t["state"] == "new"
    assert t["state_kind"] == "new"
    assert t["is_open"] is True
    assert t["version"] == 1
    assert t["subject"] == "Отчёт не открывается"
    assert t["description"] == "Подробности"
    assert t["fields"] == {"steps": "Открыть отчёт", "affected_users": 12}
    assert t["initiator"]["username"] == "initiator"
    assert t["executor"] is None  # it waits in the first line's queue (the demo's groups assign nothing)
    assert t["group"]["code"] == "first-line"
    assert t["priority"]["code"] == "normal"  # the default
    assert t["category"] is None
    assert t["closed_at"] is None
    assert t["watchers"] == [] and t["attachments"] == []
    assert isinstance(t["sla"], list)
    assert [tr["code"] for tr in t["transitions"]] == ["withdraw"]
    row = Ticket.objects.get(pk=t["id"])
    assert row.number == "ERR-000002" and row.initiator.username == "initiator"


def test_create_respects_priority_and_category_group(api):
    r = api("initiator").post(
        "/tickets", error_body(priority="critical", category="accounting-payroll", subject="Зарплата")
    )
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["priority"]["code"] == "critical"
    assert t["category"]["code"] == "accounting-payroll"
    assert t["group"]["code"] == "second-line"  # the category's group wins over the type's
    assert t["executor"] is None  # in the second line's queue


def test_subcategory_without_group_inherits_the_parents(api):
    t = api("initiator").post("/tickets", error_body(category="accounting-reports")).json()
    assert t["group"]["code"] == "first-line"


def test_create_wish_and_request_number_per_type(api):
    wish = api("initiator2").post(
        "/tickets", {"type": "wish", "subject": "Тёмная тема", "fields": {"benefit": "Глаза"}}
    )
    assert wish.status_code == 201, wish.content
    assert wish.json()["number"] == "WSH-000002"
    assert wish.json()["group"]["code"] == "second-line"
    req = api("initiator2").post("/tickets", {"type": "request", "subject": "Доступ", "fields": {"kind": "access"}})
    assert req.status_code == 201, req.content
    assert req.json()["number"] == "REQ-000002"
    second = api("initiator2").post("/tickets", {"type": "request", "subject": "Ещё", "fields": {"kind": "other"}})
    assert second.json()["number"] == "REQ-000003"


def test_creation_is_in_the_activity(api):
    t = api("initiator").post("/tickets", error_body()).json()
    log = api("initiator").get(f"/tickets/{t['id']}/activity").json()
    assert [(e["event"], e["role"], e["actor"] and e["actor"]["username"], e["stage"]["code"]) for e in log] == [
        ("created", "initiator", "initiator", "new"),
        ("sla", "system", None, "new"),
        ("sla", "system", None, "new"),
    ]
    assert [(e["field"], e["sla_event"]) for e in log[1:]] == [("first_reaction", "applied"), ("resolution", "applied")]


REFUSALS = [
    pytest.param({"type": "error", "subject": "x", "fields": {}}, "fields", id="missing-required-type-field"),
    pytest.param({"type": "error", "subject": "x"}, "fields", id="no-fields-at-all"),
    pytest.param(error_body(fields={"steps": "s", "affected_users": "many"}), "fields", id="wrong-field-type-number"),
    pytest.param(error_body(fields={"steps": 42}), "fields", id="wrong-field-type-text"),
    pytest.param(error_body(fields={"steps": "s", "affected_users": 0}), "fields", id="number-below-min"),
    pytest.param(
        {"type": "request", "subject": "x", "fields": {"kind": "pizza"}}, "fields", id="choice-not-in-choices"
    ),
    pytest.param(error_body(fields={"steps": "s", "colour": "red"}), "fields", id="unknown-field-in-fields"),
    pytest.param(error_body(colour="red"), "colour", id="unknown-top-level-key"),
    pytest.param(error_body(subject="x" * 201), "subject", id="subject-over-200"),
    pytest.param(error_body(subject="   "), "subject", id="subject-blank"),
    pytest.param({"type": "error", "fields": {"steps": "s"}}, "subject", id="subject-missing"),
    pytest.param(error_body(subject=123), "subject", id="subject-not-a-string"),
    pytest.param(error_body(description="d" * 20_001), "description", id="description-over-limit"),
    pytest.param(error_body(type="incident"), "type", id="unknown-type"),
    pytest.param(error_body(priority="urgent"), "priority", id="unknown-priority"),
    pytest.param(error_body(category="kitchen"), "category", id="unknown-category"),
    pytest.param(error_body(fields=["steps"]), "fields", id="fields-not-an-object"),
]


@pytest.mark.parametrize(("body", "field"), REFUSALS)
def test_refusals_are_422_naming_the_field_and_write_nothing(api, body, field):
    client = api("initiator")
    before = written()
    r = client.post("/tickets", body)
    assert r.status_code == 422, r.content
    out = r.json()
    assert set(out) == {"detail", "code", "errors"}
    assert out["code"] == "invalid"
    assert isinstance(out["detail"], str) and out["detail"]
    errors = out["errors"]
    assert isinstance(errors, list)
    named = {e["field"].split(".")[0] for e in errors} | {e["field"] for e in errors}
    assert field in named, out
    assert written() == before
    # the refused request consumed no number
    assert client.post("/tickets", error_body()).json()["number"] == "ERR-000002"


def test_missing_required_field_names_the_field_itself(api):
    r = api("initiator").post("/tickets", {"type": "error", "subject": "x", "fields": {"blocking": True}})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "fields.steps", "code": "required", "params": {}, "message": "is required"}]


def test_unknown_field_is_named(api):
    r = api("initiator").post("/tickets", error_body(fields={"steps": "s", "colour": "red"}))
    assert r.status_code == 422
    colour = {
        "field": "fields.colour",
        "code": "not_a_field",
        "params": {},
        "message": "is not a field of this request type",
    }
    assert colour in r.json()["errors"]


def test_unknown_top_level_key_is_named(api):
    r = api("initiator").post("/tickets", error_body(initiator="admin"))
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "initiator", "code": "not_a_field", "params": {}, "message": "Extra inputs are not permitted"}
    ]


def test_subject_of_exactly_200_characters_is_accepted(api):
    r = api("initiator").post("/tickets", error_body(subject="я" * 200))
    assert r.status_code == 201, r.content
    assert r.json()["subject"] == "я" * 200


def test_out_of_scope_category_lands_at_the_out_of_scope_point(api):
    before = Ticket.objects.count()
    r = api("initiator").post("/tickets", error_body(category="hardware", subject="Сломался принтер"))
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["state"] == "out_of_scope"
    assert t["state_kind"] == "declined"
    assert t["is_open"] is False
    assert t["closed_at"] is not None
    assert t["executor"] is None
    assert t["transitions"] == []
    assert Ticket.objects.count() == before + 1

    log = api("initiator").get(f"/tickets/{t['id']}/activity").json()
    assert [e["event"] for e in log] == ["created", "transition"]
    decline = log[1]
    assert decline["reaction"] == "declined_out_of_scope"
    assert decline["role"] == "system"
    assert decline["actor"] is None
    assert decline["stage"]["code"] == "new"
    assert decline["to_stage"]["code"] == "out_of_scope"
    assert decline["body"] in (NOTE_RU, NOTE_EN)


def test_malformed_json_is_400_with_detail(api):
    before = written()
    r = raw_post(api, "initiator", '{"type": "error", "subject": ')
    assert r.status_code == 400
    assert r.json() == {"detail": "Cannot parse request body", "code": "bad_request"}
    assert written() == before


@pytest.mark.parametrize("body", ["[]", '[{"type": "error"}]', '"error"', "null", "42"])
def test_json_that_is_not_an_object_is_refused_not_500(api, body):
    before = written()
    r = raw_post(api, "initiator", body)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "invalid"
    assert r.json()["detail"]
    assert written() == before


def test_form_encoded_body_is_refused(api):
    before = written()
    r = raw_post(api, "initiator", "type=error&subject=x", content_type="application/x-www-form-urlencoded")
    assert 400 <= r.status_code < 500
    assert r.json()["code"] in ("bad_request", "invalid")
    assert written() == before


@pytest.mark.parametrize(
    "body",
    [
        error_body(subject="a\x00b"),
        error_body(type="error\x00"),
        error_body(fields={"steps": "s\x00"}),
        error_body(description="\x00"),
    ],
    ids=["subject", "type", "field-value", "description"],
)
def test_nul_characters_are_refused_on_every_database(api, body):
    before = written()
    r = api("initiator").post("/tickets", body)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "bad_request"
    assert "NUL" in r.json()["detail"]
    assert written() == before


def test_a_body_over_the_upload_limit_is_refused_not_500(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = written()
    r = api("initiator").post("/tickets", error_body(description="d" * 20_000))
    assert r.status_code in (400, 413, 422), r.content
    assert written() == before
