"""GET /api/v1/reports/quality: the figures of the scripted March for each persona, the answer's
shape (the OpenAPI schema), the default period, and the errors: 401 without credentials, 403 for
an initiator, 404 for a group or agent one may not see, 422 for bad dates."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.api.quality_schemas import QualityReportOut
from otklik.testing.client import ApiClient
from otklik.testing.clock import set_now

from .quality_month import at, build_month

pytestmark = pytest.mark.django_db
URL = "/reports/quality"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def month(settings):
    return build_month(settings)


def client(user) -> ApiClient:
    return ApiClient.for_user(user)


def test_the_manager_gets_everyones_figures_in_the_schemas_shape(month):
    response = client(month.p.manager).get(URL, **MARCH)
    assert response.status_code == 200, response.content
    body = response.json()
    QualityReportOut.model_validate(body)
    assert body["period"] == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "time_zone": "Europe/Moscow",
        "start": "2026-03-01T00:00:00+03:00",
        "end": "2026-04-01T00:00:00+03:00",
    }
    assert body["scope"] == {"group": None, "agent": None, "groups": None}
    assert (body["figures"]["received"], body["figures"]["resolved"]) == (4, 3)
    assert body["figures"]["sla"]["overall"]["compliance_percent"] == 42.86
    assert {g["group"] for g in body["groups"]} == {"first-line", "second-line"}
    assert body["facts_complete"] is True
    assert body["formula"].startswith("score = 100")


def test_the_lead_gets_his_group_and_the_agent_himself(month):
    lead = client(month.p.lead).get(URL, **MARCH).json()
    assert lead["scope"] == {"group": None, "agent": None, "groups": ["first-line"]}
    assert (lead["figures"]["received"], lead["figures"]["resolved"]) == (4, 2)
    assert [g["group"] for g in lead["groups"]] == ["first-line"]
    assert {a["agent"] for a in lead["agents"]} == {"agent", "lead"}
    agent = client(month.p.agent).get(URL, **MARCH).json()
    assert agent["scope"]["agent"] == "agent"
    # Received: none (A and C came in with Sergei); resolved: A.
    assert (agent["figures"]["received"], agent["figures"]["resolved"]) == (0, 1)
    assert [a["agent"] for a in agent["agents"]] == ["agent"]


def test_the_default_period_is_this_month_up_to_today(month, settings):
    set_now(settings, at(4, 2, 12))
    body = client(month.p.manager).get(URL).json()
    assert (body["period"]["from"], body["period"]["to"]) == ("2026-04-01", "2026-04-02")
    assert body["figures"]["first_reaction"]["count"] == 1  # C's, on 1 April
    only_to = client(month.p.manager).get(URL, to="2026-03-10").json()["period"]
    assert (only_to["from"], only_to["to"]) == ("2026-03-01", "2026-03-10")
    only_from = client(month.p.manager).get(URL, **{"from": "2026-02-15"}).json()["period"]
    assert (only_from["from"], only_from["to"]) == ("2026-02-15", "2026-02-28")


def test_without_credentials_401(db):
    response = Client().get("/api/v1/reports/quality")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize("who", ["initiator", "outsider"])
def test_initiators_403(personas, who):
    response = client(getattr(personas, who)).get(URL, **MARCH)
    assert response.status_code == 403
    assert response.json() == {"detail": "quality reports are for the support staff", "code": "forbidden"}


@pytest.mark.parametrize(
    ("who", "params", "detail"),
    [
        ("agent", {"agent": "lead"}, "agent 'lead' not found"),
        ("agent", {"group": "second-line"}, "support group 'second-line' not found"),
        ("lead", {"agent": "agent2"}, "agent 'agent2' not found"),
        ("manager", {"group": "nope"}, "support group 'nope' not found"),
        ("manager", {"agent": "nobody"}, "agent 'nobody' not found"),
    ],
)
def test_what_one_may_not_see_is_404(personas, who, params, detail):
    response = client(getattr(personas, who)).get(URL, **MARCH, **params)
    assert response.status_code == 404
    assert response.json() == {"detail": detail, "code": "not_found"}


YEARS = {"min": 2000, "max": 2999}


@pytest.mark.parametrize(
    ("params", "field", "code", "values", "detail"),
    [
        (
            {"from": "2026-13-01"},
            "from",
            "not_a_date",
            {"value": "2026-13-01"},
            "from: '2026-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            {"from": "yesterday", "to": "2026-03-01"},
            "from",
            "not_a_date",
            {"value": "yesterday"},
            "from: 'yesterday' is not a date (YYYY-MM-DD)",
        ),
        (
            {"from": "2026-03-10", "to": "2026-03-09"},
            "to",
            "before_start",
            {"start": "from", "first": "2026-03-10", "last": "2026-03-09"},
            "to (2026-03-09) is before from (2026-03-10)",
        ),
        (
            {"from": "2024-01-01", "to": "2026-01-01"},
            "to",
            "too_long",
            {"limit": 731, "days": 732},
            "the period is 732 days long; at most 731 days (two years)",
        ),
        ({"from": "1999-12-31"}, "from", "out_of_range", YEARS, "from: 1999-12-31 is outside 2000–2999"),
        ({"to": "9999-12-31"}, "to", "out_of_range", YEARS, "to: 9999-12-31 is outside 2000–2999"),
    ],
)
def test_bad_dates_422(personas, params, field, code, values, detail):
    response = client(personas.manager).get(URL, **params)
    assert response.status_code == 422, response.content
    error = {"field": field, "code": code, "params": values, "message": detail}
    assert response.json() == {"detail": detail, "code": "invalid", "errors": [error]}


def test_two_years_exactly_is_allowed(personas):
    response = client(personas.manager).get(URL, **{"from": "2024-01-01", "to": "2025-12-31"})
    assert response.status_code == 200
    assert len(response.json()["weeks"]) == 105


def test_overlong_parameters_422(personas):
    response = client(personas.manager).get(URL, group="g" * 51)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "group"
