"""GET /api/v1/regulation: the regulation in force (or an older version) in Russian or English,
readable without logging in; bad input gets a 4xx in the API's error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.catalog.models import Priority
from otklik.regulation.models import Version
from otklik.regulation.services import regulation_publish

KINDS = [
    "preparation",
    "hours",
    "types",
    "scope",
    "priorities",
    "targets",
    "stages",
    "pauses",
    "escalation",
    "handling",
    "complaints",
    "quality",
    "additional",
]


@pytest.fixture
def restore_language():
    """A request activates its user's language for the thread; give later tests the one they had."""
    from django.utils import translation

    before = translation.get_language()
    yield
    translation.activate(before)


def _section(body: dict, kind: str) -> dict:
    (found,) = [s for s in body["sections"] if s["kind"] == kind]
    return found


def test_anonymous_read_publishes_the_first_version(db):
    # A fresh install, before any configuration (the demo publishes its own version).
    assert not Version.objects.exists()
    r = Client().get("/api/v1/regulation", {"lang": "en"})
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == 1
    assert body["lang"] == "en"
    assert body["title"] == "Service regulation"
    assert [v["number"] for v in body["versions"]] == [1]
    assert body["effective_at"] == body["versions"][0]["effective_at"]
    kinds = [s["kind"] for s in body["sections"]]
    assert set(kinds) - {"text"} <= set(KINDS)
    assert Version.objects.count() == 1
    # A second read publishes nothing new.
    assert Client().get("/api/v1/regulation", {"lang": "en"}).json()["versions"] == body["versions"]
    assert body["versions"][0]["reason"] == "First publication"


@pytest.mark.parametrize(
    ("lang", "hours", "error"), [("ru", "Рабочее время", "Ошибка"), ("en", "Working hours", "Error")]
)
def test_both_languages(personas, lang, hours, error):
    body = Client().get("/api/v1/regulation", {"lang": lang}).json()
    assert body["lang"] == lang
    assert _section(body, "hours")["title"] == hours
    types = _section(body, "types")["types"]
    assert [t["name"] for t in types if t["code"] == "error"] == [error]
    # One language only: no {"ru", "en"} pairs are left in the answer.
    assert '"ru":' not in str(body["sections"]).replace("'", '"')


def test_the_target_table_in_working_minutes(personas):
    body = Client().get("/api/v1/regulation", {"lang": "en"}).json()
    rows = {(r["type"], r["priority"]): r for r in _section(body, "targets")["rows"]}
    assert rows["error", "critical"]["targets"]["first_reaction"] == 30
    assert rows["error", "critical"]["targets"]["resolution"] == 4 * 60
    assert rows["error", "critical"]["policy"] == "errors"
    assert rows["error", "critical"]["type_name"] == "Error"


def test_default_language_is_the_callers(api, personas, restore_language):
    personas.agent.language = "en"
    personas.agent.save(update_fields=["language"])
    body = api("agent").client.get("/api/v1/regulation", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert body["lang"] == "en"
    assert api("initiator").get("/regulation").json()["lang"] == "ru"


def test_anonymous_default_follows_the_browser(personas, restore_language):
    assert Client().get("/api/v1/regulation", HTTP_ACCEPT_LANGUAGE="en").json()["lang"] == "en"
    assert Client().get("/api/v1/regulation", HTTP_ACCEPT_LANGUAGE="ru").json()["lang"] == "ru"


def test_a_bad_token_still_reads_it(personas):
    r = Client(HTTP_AUTHORIZATION="Bearer otk_not-a-real-token").get("/api/v1/regulation")
    assert r.status_code == 200


def test_a_notifiers_token_reads_it_in_its_persons_language(personas, restore_language):
    """A token scoped to notifications may read what anyone may: no 403 `token_scope` here."""
    from otklik.accounts.models import TokenScope
    from otklik.accounts.services import token_create

    personas.initiator.language = "en"
    personas.initiator.save(update_fields=["language"])
    _, raw = token_create(user=personas.initiator, name="Notifier: pc", scope=TokenScope.NOTIFICATIONS)
    r = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/regulation", HTTP_ACCEPT_LANGUAGE="ru")
    assert r.status_code == 200, r.content
    assert r.json()["lang"] == "en"  # the token was honoured: its person's language
    # Elsewhere it stays a notifier's token.
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/tickets").status_code == 403


def test_older_versions_stay_readable(personas):
    assert regulation_publish(reason="first") is None  # the demo published this very configuration
    first = Version.objects.get()
    Priority.objects.filter(code="critical").update(name_en="Emergency")
    assert regulation_publish(reason="renamed").number == first.number + 1 == 2

    def names(body: dict) -> list[str]:
        return [p["name"] for p in _section(body, "priorities")["priorities"]]

    current = Client().get("/api/v1/regulation", {"lang": "en"}).json()
    assert current["version"] == 2
    assert names(current)[0] == "Emergency"
    assert [(v["number"], v["reason"]) for v in current["versions"]] == [
        (2, "renamed"),
        (1, "The demo configuration was loaded"),
    ]
    old = Client().get("/api/v1/regulation", {"lang": "en", "version": 1}).json()
    assert old["version"] == 1
    assert names(old)[0] == "Critical"
    assert old["versions"] == current["versions"]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"lang": "de"}, 422, "invalid"),
        ({"lang": "RU"}, 422, "invalid"),
        ({"version": "abc"}, 422, "invalid"),
        ({"version": "1.5"}, 422, "invalid"),
        ({"version": 2}, 404, "not_found"),
        ({"version": 0}, 404, "not_found"),
        ({"version": -3}, 404, "not_found"),
        ({"version": 10**30}, 404, "not_found"),
    ],
)
def test_bad_input_gets_a_4xx_in_the_error_shape(personas, query, status, code):
    regulation_publish()
    r = Client().get("/api/v1/regulation", query)
    assert r.status_code == status
    body = r.json()
    assert body["code"] == code
    assert body["detail"]


def test_documented_in_the_openapi_schema(db):
    schema = Client().get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/regulation"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"lang", "version"}
