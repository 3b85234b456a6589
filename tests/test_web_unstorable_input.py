"""A NUL character (or a lone surrogate) anywhere a page reads it — the path, the query, a form
field — is refused with 400 and the product's page, never a 500 (PostgreSQL cannot even compare
such text), and nothing is stored. The API keeps its own {detail, code} answer.

Ivan (initiator) tries it on his request's reply, the complaint and rating forms and the report."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.testing.client import browser
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("language", "said"), [("ru", "нельзя сохранить"), ("en", "cannot be stored")])
def test_nul_in_a_form_field_is_refused_and_nothing_is_stored(personas, language, said):
    ticket = file_error(personas.initiator)
    before = LogRecord.objects.filter(ticket=ticket).count()
    client = browser(personas.initiator, language=language)  # the refusal speaks his language
    for path, data in (
        (f"/requests/{ticket.number}/comment", {"body": "a\x00b"}),
        (f"/requests/{ticket.number}/complaint", {"body": "x\x00y"}),
        (f"/requests/{ticket.number}/feedback", {"score": "4", "comment": "a\x00b"}),
        ("/complaints/new", {"body": "x", "ticket": "ERR\x00"}),
    ):
        r = client.post(path, data)
        assert r.status_code == 400, path
        assert said in r.content.decode()
    assert LogRecord.objects.filter(ticket=ticket).count() == before


def test_nul_in_the_path_or_the_query_is_refused(personas):
    client = signed_in(personas.manager)
    for path in ("/requests/ERR%00", "/reports/quality?agent=x%00y", "/work?q=%00", "/feedback/abc%00def"):
        assert client.get(path).status_code == 400, path


def test_the_api_answers_in_its_own_shape(personas, api):
    r = api("initiator").get("/api/v1/tickets?q=%00")
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
