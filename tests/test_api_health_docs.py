"""The API's public doorway: health without a token, the OpenAPI schema and the docs page."""

from django.test import Client


def test_health_answers_without_authentication(db):
    r = Client().get("/api/v1/health")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/json")
    assert r.json() == {"status": "ok"}


def test_health_ignores_a_bad_token(db):
    r = Client(HTTP_AUTHORIZATION="Bearer otk_not-a-real-token").get("/api/v1/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_openapi_schema_lists_the_ticket_paths(db):
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Otklik API"
    paths = schema["paths"]
    for path in (
        "/api/v1/health",
        "/api/v1/me",
        "/api/v1/catalog",
        "/api/v1/tickets",
        "/api/v1/tickets/{ref}",
        "/api/v1/tickets/{ref}/transitions",
        "/api/v1/tickets/{ref}/comments",
        "/api/v1/tickets/{ref}/activity",
        "/api/v1/tickets/{ref}/attachments",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/tickets"]) >= {"get", "post"}
    assert "post" in paths["/api/v1/tickets/{ref}/transitions"]
    # The list documents its filters and pagination parameters.
    params = {p["name"] for p in paths["/api/v1/tickets"]["get"]["parameters"]}
    assert {"state", "type", "executor", "group", "mine", "q", "cursor", "limit"} <= params


def test_openapi_documents_bearer_authentication(db):
    schema = Client().get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    bearer = [s for s in schemes.values() if s.get("type") == "http" and s.get("scheme") == "bearer"]
    assert len(bearer) == 1
    # health is public; the ticket list is not
    assert not schema["paths"]["/api/v1/health"]["get"].get("security")
    assert schema["paths"]["/api/v1/tickets"]["get"]["security"]


def test_docs_page_is_served_and_points_at_the_schema(db):
    r = Client().get("/api/v1/docs")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/html")
    assert b"/api/v1/openapi.json" in r.content


def test_docs_page_loads_nothing_from_other_hosts(client):
    """The docs must work offline: Swagger UI is served from our own static files, not a CDN."""
    import re

    html = client.get("/api/v1/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    assert all(s.startswith("/") for s in sources), sources
