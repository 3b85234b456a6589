"""Bodies and identifiers beyond any limit get a clear 4xx, never a 500, and write nothing."""

import json

import pytest

from otklik.tickets.models import Ticket


def test_an_oversized_json_body_is_refused_with_413(api):
    before = Ticket.objects.count()
    body = json.dumps({"type": "error", "subject": "x", "description": "y" * 3_000_000})
    resp = api("initiator").client.post("/api/v1/tickets", body, content_type="application/json")
    assert resp.status_code == 413
    assert resp.json()["code"] == "too_large" and "larger than the limit" in resp.json()["detail"]
    assert Ticket.objects.count() == before


def test_an_oversized_upload_is_refused_before_it_is_read(api, settings):
    settings.MAX_ATTACHMENT_BYTES = 1000
    ticket = Ticket.objects.filter(initiator__username="initiator").first()
    resp = api("initiator").client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments",
        b"x" * 3_000_000,
        content_type="multipart/form-data; boundary=zzz",
    )
    assert resp.status_code == 413 and resp.json()["code"] == "too_large"


@pytest.mark.parametrize("ref", ["99999999999999999999999", "9223372036854775808"])
def test_an_id_beyond_bigint_is_simply_not_found(api, ref):
    resp = api("manager").get(f"/tickets/{ref}")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"


def test_an_executor_filter_beyond_bigint_matches_nobody(api):
    resp = api("manager").get("/tickets", executor="99999999999999999999999")
    assert resp.status_code == 200 and resp.json()["items"] == []
