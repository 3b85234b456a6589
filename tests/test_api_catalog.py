"""GET /api/v1/catalog: request types with their routes and form fields, priorities, categories."""

import pytest
from django.test import Client


@pytest.fixture
def catalog(api):
    r = api("initiator").get("/catalog")
    assert r.status_code == 200
    return r.json()


def _type(catalog, code):
    (found,) = [t for t in catalog["types"] if t["code"] == code]
    return found


def test_types_in_order_with_prefix_and_group(catalog):
    assert [t["code"] for t in catalog["types"]] == ["error", "wish", "request"]
    assert {t["code"]: t["prefix"] for t in catalog["types"]} == {"error": "ERR", "wish": "WSH", "request": "REQ"}
    assert {t["code"]: t["default_group"] for t in catalog["types"]} == {
        "error": "first-line",
        "wish": "second-line",
        "request": "first-line",
    }
    assert all(t["name"] and t["description"] for t in catalog["types"])


def test_error_route_points(catalog):
    route = _type(catalog, "error")["route"]
    assert route["code"] == "error"
    assert route["out_of_scope_point"] == "out_of_scope"
    points = {p["code"]: p for p in route["points"]}
    assert list(points) == [
        "new",
        "accepted",
        "in_work",
        "waiting",
        "resolved",
        "closed",
        "declined",
        "withdrawn",
        "out_of_scope",
    ]
    assert [p["code"] for p in route["points"] if p["is_start"]] == ["new"]
    assert {c for c, p in points.items() if p["is_final"]} == {"closed", "declined", "withdrawn", "out_of_scope"}
    assert (points["waiting"]["kind"], points["waiting"]["clock"]) == ("waiting", "paused")
    assert points["waiting"]["on_reply"] == "provide" and points["new"]["on_reply"] is None
    assert points["resolved"]["kind"] == "resolved"
    assert points["resolved"]["clock"] == "stopped"
    assert points["accepted"]["kind"] == "in_work"
    assert points["new"]["clock"] == "runs"


def test_error_route_transitions_with_from_to_and_actors(catalog):
    transitions = _type(catalog, "error")["route"]["transitions"]
    by_code = {t["code"]: t for t in transitions}
    assert [(t["code"], t["from"], t["to"]) for t in transitions] == [
        ("accept", "new", "accepted"),
        ("decline", "new", "declined"),
        ("withdraw", "new", "withdrawn"),
        ("start", "accepted", "in_work"),
        ("ask", "accepted", "waiting"),
        ("ask", "in_work", "waiting"),
        ("provide", "waiting", "in_work"),
        ("resume", "waiting", "in_work"),
        ("resolve", "in_work", "resolved"),
        ("confirm", "resolved", "closed"),
        ("reject", "resolved", "in_work"),
    ]
    assert by_code["accept"]["actors"] == ["group_member", "group_lead", "manager"]
    assert by_code["withdraw"]["actors"] == ["initiator"]
    assert by_code["resolve"]["actors"] == ["executor"]
    assert by_code["resolve"]["comment_required"] is True
    assert by_code["accept"]["comment_required"] is False
    assert by_code["accept"]["executor_on_arrival"] == "actor"
    assert by_code["confirm"]["reaction"] == "initiator_confirmed"
    assert all(t["label"] for t in transitions)


def test_wish_route_has_a_chosen_executor_transition(catalog):
    transitions = {t["code"]: t for t in _type(catalog, "wish")["route"]["transitions"]}
    assert transitions["develop"]["executor_on_arrival"] == "chosen"
    assert (transitions["develop"]["from"], transitions["develop"]["to"]) == ("approved", "in_development")
    assert transitions["approve"]["actors"] == ["group_lead", "manager"]
    assert transitions["confirm"]["actors"] == ["initiator", "manager"]


def test_transitions_connect_points_of_their_own_route(catalog):
    for t in catalog["types"]:
        codes = {p["code"] for p in t["route"]["points"]}
        for tr in t["route"]["transitions"]:
            assert tr["from"] in codes and tr["to"] in codes, (t["code"], tr)


def test_fields_with_kinds_and_choices(catalog):
    error_fields = {f["code"]: f for f in _type(catalog, "error")["fields"]}
    assert list(error_fields) == ["steps", "affected_users", "blocking"]
    assert (error_fields["steps"]["kind"], error_fields["steps"]["required"]) == ("text", True)
    assert error_fields["steps"]["max_length"] == 2000
    assert error_fields["affected_users"]["kind"] == "number"
    assert (error_fields["affected_users"]["min"], error_fields["affected_users"]["max"]) == (1, 100000)
    assert error_fields["blocking"]["kind"] == "bool"
    assert error_fields["blocking"]["required"] is False
    assert "choices" not in error_fields["steps"]

    (kind,) = _type(catalog, "request")["fields"]
    assert kind["code"] == "kind"
    assert kind["kind"] == "choice"
    assert kind["required"] is True
    assert [c["value"] for c in kind["choices"]] == ["access", "new_account", "consultation", "other"]
    assert all(c["label"] for c in kind["choices"])
    assert kind["choices"][0]["label"] in ("Доступ", "Access")


def test_priorities_ordered_by_rank(catalog):
    priorities = catalog["priorities"]
    assert [p["code"] for p in priorities] == ["critical", "high", "normal", "low"]
    assert [p["rank"] for p in priorities] == [0, 1, 2, 3]
    assert [p["code"] for p in priorities if p["is_default"]] == ["normal"]


def test_priorities_follow_rank_not_insertion(api):
    from otklik.catalog.models import Priority

    critical = Priority.objects.get(code="critical")
    critical.rank = 10  # its display `order` stays 0: the rank decides
    critical.save()
    Priority.objects.create(code="minor", rank=4, name_ru="Малый", name_en="Minor", order=0)
    priorities = api("initiator").get("/catalog").json()["priorities"]
    assert [p["code"] for p in priorities] == ["high", "normal", "low", "minor", "critical"]
    assert [p["rank"] for p in priorities] == [1, 2, 3, 4, 10]


def test_categories_with_parent_and_scope(catalog):
    cats = {c["code"]: c for c in catalog["categories"]}
    assert set(cats) == {"accounting", "accounting-reports", "accounting-payroll", "email", "access", "hardware"}
    assert cats["accounting"]["parent"] is None
    assert cats["accounting-reports"]["parent"] == "accounting"
    assert cats["accounting-payroll"]["parent"] == "accounting"
    assert cats["accounting-payroll"]["group"] == "second-line"
    assert cats["accounting"]["in_scope"] is True
    assert cats["accounting"]["out_of_scope_note"] is None
    assert cats["hardware"]["in_scope"] is False
    assert "1234" in cats["hardware"]["out_of_scope_note"]
    assert [c for c, v in cats.items() if not v["in_scope"]] == ["hardware"]


def test_inactive_entries_are_left_out(api):
    from otklik.catalog.models import Category, RequestType

    Category.objects.filter(code="email").update(is_active=False)
    RequestType.objects.filter(code="wish").update(is_active=False)
    body = api("initiator").get("/catalog").json()
    assert "email" not in {c["code"] for c in body["categories"]}
    assert [t["code"] for t in body["types"]] == ["error", "request"]


def test_catalog_needs_authentication(db):
    assert Client().get("/api/v1/catalog").status_code == 401


@pytest.fixture
def restore_language():
    """A request activates its user's language for the thread; give later tests the one they had."""
    from django.utils import translation

    before = translation.get_language()
    yield
    translation.activate(before)


@pytest.mark.parametrize(
    ("language", "error_name", "hardware_note"), [("en", "Error", "facilities"), ("ru", "Ошибка", "хоз")]
)
def test_catalog_speaks_the_token_users_language(api, personas, restore_language, language, error_name, hardware_note):
    personas.agent.language = language
    personas.agent.save(update_fields=["language"])
    # the browser-ish header asks for the other language: the stored one wins, as for sessions
    other = "ru" if language == "en" else "en"
    body = api("agent").client.get("/api/v1/catalog", HTTP_ACCEPT_LANGUAGE=other).json()
    assert _type(body, "error")["name"] == error_name
    (hardware,) = [c for c in body["categories"] if c["code"] == "hardware"]
    assert hardware_note in hardware["out_of_scope_note"]
