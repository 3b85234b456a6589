"""Bad input and misuse found in review: each answers a clear 4xx and leaves the data intact."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from otklik.accounts.models import ApiToken
from otklik.accounts.services import token_create
from otklik.catalog.models import RequestType
from otklik.tickets.models import Attachment, Ticket
from otklik.workflow import ticket_create, ticket_transition


@pytest.fixture
def ticket(api):
    resp = api("initiator").post("/tickets", {"type": "error", "subject": "Проверка", "fields": {"steps": "1"}})
    assert resp.status_code == 201
    return resp.json()


@pytest.mark.parametrize("ref", ["²", "١٢", "𝟙"])
def test_unicode_digits_are_not_ids(api, ticket, ref):
    assert api("manager").get(f"/tickets/{ref}").status_code == 404
    assert api("manager").get("/tickets", executor=ref).json()["items"] == []
    assert api("manager").get("/tickets", initiator=ref).json()["items"] == []
    r = api("lead").post(f"/tickets/{ticket['id']}/assign", {"version": 1, "executor": ref})
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "executor", "code": "unknown", "params": {"value": ref}, "message": "unknown user"}
    ]
    assert api("lead").post(f"/tickets/{ticket['id']}/watchers", {"user": ref}).status_code == 422
    assert api("lead").delete(f"/tickets/{ticket['id']}/watchers/{ref}").status_code == 422


@pytest.mark.parametrize(
    "raw",
    [
        '{"type":"error","subject":"a","fields":{"steps":"\\ud800"}}',
        '{"type":"error","subject":"a","fields":{"\\ud800":1}}',
        '{"type":"error","subject":"\\udfff x","fields":{"steps":"1"}}',
    ],
)
def test_lone_surrogates_are_refused_before_anything_is_written(api, raw):
    before = Ticket.objects.count()
    resp = api("initiator").client.post("/api/v1/tickets", raw, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "bad_request"
    assert Ticket.objects.count() == before


def test_a_real_emoji_is_fine(api):
    raw = '{"type":"error","subject":"Печать \\ud83d\\ude00","fields":{"steps":"1"}}'
    resp = api("initiator").client.post("/api/v1/tickets", raw, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["subject"] == "Печать 😀"


def test_a_short_lived_token_cannot_mint_a_longer_one(personas):
    expiry = timezone.now() + timedelta(minutes=5)
    _, raw = token_create(user=personas.agent, name="short", expires_at=expiry)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    resp = client.post("/api/v1/tokens", json.dumps({"name": "forever"}), content_type="application/json")
    assert resp.status_code == 201
    minted = ApiToken.objects.get(pk=resp.json()["id"])
    assert minted.expires_at == expiry


@pytest.mark.parametrize(
    ("expires_at", "code", "message"),
    [
        ("9999-12-31T23:59:59-14:00", "out_of_range", "out of range"),
        ("2001-01-01T00:00:00+00:00", "in_the_past", "in the past"),
    ],
)
def test_token_expiry_out_of_range_or_past_is_422(api, expires_at, code, message):
    resp = api("agent").post("/tokens", {"name": "x", "expires_at": expires_at})
    assert resp.status_code == 422
    assert resp.json()["errors"] == [{"field": "expires_at", "code": code, "params": {}, "message": message}]


def test_saving_a_request_type_never_rewinds_its_counter(personas):
    stale = RequestType.objects.get(code="error")  # read before the next request is filed
    ticket_create(initiator=personas.initiator, type_code="error", subject="a", fields={"steps": "1"})
    stale.name_en = "Bug"
    stale.save()  # as the admin form saves the instance it read
    second = ticket_create(initiator=personas.initiator, type_code="error", subject="b", fields={"steps": "1"})
    assert second.number == "ERR-000003"
    assert RequestType.objects.get(code="error").name_en == "Bug"


def test_a_closed_request_cannot_be_edited_or_reassigned(api, personas, ticket):
    t = Ticket.objects.get(pk=ticket["id"])
    ticket_transition(ticket=t, actor=personas.lead, transition_code="decline", version=1, comment="Дубликат")
    r = api("lead").patch(f"/tickets/{t.pk}", {"version": 2, "priority": "critical"})
    assert r.status_code == 409 and r.json()["code"] == "closed"
    r = api("lead").post(f"/tickets/{t.pk}/assign", {"version": 2, "group": "second-line"})
    assert r.status_code == 409 and r.json()["code"] == "closed"
    t.refresh_from_db()
    assert (t.priority.code, t.group.code, t.version) == ("normal", "first-line", 2)


def test_unknown_api_paths_answer_json(api):
    for path in ("/api/v1/nothing-here", "/api/v2/tickets"):
        resp = api("manager").client.get(path)
        assert resp.status_code == 404
        assert resp.json()["code"] == "not_found"


def test_a_missing_attachment_file_is_404_not_500(api, ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api("initiator")
    up = client.upload(f"/tickets/{ticket['id']}/attachments", {"file": SimpleUploadedFile("a.txt", b"abc")})
    att = Attachment.objects.get(pk=up.json()["id"])
    att.file.storage.delete(att.file.name)
    resp = client.get(f"/tickets/{ticket['id']}/attachments/{att.pk}")
    assert resp.status_code == 404 and resp.json()["code"] == "file_missing"


def test_the_ticket_admin_is_view_only(personas, ticket):
    client = Client()
    client.force_login(personas.admin)
    page = client.get(f"/admin/tickets/ticket/{ticket['id']}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    resp = client.post(f"/admin/tickets/ticket/{ticket['id']}/change/", {"subject": "rewritten"})
    assert resp.status_code == 403
    assert Ticket.objects.get(pk=ticket["id"]).subject == "Проверка"


def test_a_method_a_path_does_not_take_answers_json_405(api, ticket):
    resp = api("manager").client.put(f"/api/v1/tickets/{ticket['id']}/activity", "{}", content_type="application/json")
    assert resp.status_code == 405
    assert resp.json()["code"] == "method_not_allowed"
    assert "GET" in resp["Allow"] and "PUT is not allowed here" in resp.json()["detail"]
