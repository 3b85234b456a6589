"""A complaint names its request's number only to whoever may see that request now: its page
(/complaints/<id>), the author's list (/my/complaints), the supervisors' list (/complaints) and the
API (`ticket` → {id: null, number: null}). Filing a complaint gives no lasting sight of the request.

Ivan (initiator) files an Error (first line); Maria (initiator2) reads her organisation's requests
and complains about it (regulation); Sergei (lead) leads first line; Elena (manager)."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.complaints.models import Complaint
from otklik.complaints.services import complaint_file
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_assign


@pytest.fixture
def filed(personas) -> tuple[Ticket, Complaint]:
    User.objects.update(language="en")
    p = personas
    p.initiator2.sees_organisation_requests = True
    p.initiator2.save(update_fields=["sees_organisation_requests"])
    ticket = file_error(p.initiator)
    complaint = complaint_file(author=p.initiator2, body="Rude reply", ticket=ticket, kind="regulation")
    return ticket, complaint


def _html(user: User, path: str) -> str:
    client = Client()
    client.force_login(user)
    resp = client.get(path)
    assert resp.status_code == 200, path
    return resp.content.decode()


def _shown(api, name: str, complaint: Complaint, *, mine: bool = False) -> list[dict | None]:
    client = api(name)
    listed = client.get("/complaints?mine=true" if mine else "/complaints").json()["items"]
    detail = client.get(f"/complaints/{complaint.pk}").json()
    return [next(i["ticket"] for i in listed if i["id"] == complaint.pk), detail["ticket"]]


def test_the_author_sees_the_number_while_she_may_see_the_request(personas, filed, api):
    ticket, complaint = filed
    assert _shown(api, "initiator2", complaint, mine=True) == [{"id": ticket.pk, "number": ticket.number}] * 2
    assert ticket.number in _html(personas.initiator2, "/my/complaints")
    assert ticket.number in _html(personas.initiator2, f"/complaints/{complaint.pk}")


def test_the_author_who_no_longer_sees_the_request_gets_no_number(personas, filed, api):
    ticket, complaint = filed
    personas.initiator2.sees_organisation_requests = False
    personas.initiator2.save(update_fields=["sees_organisation_requests"])
    assert _shown(api, "initiator2", complaint, mine=True) == [{"id": None, "number": None}] * 2
    for path in ("/my/complaints", f"/complaints/{complaint.pk}"):
        html = _html(personas.initiator2, path)
        assert complaint.number in html and ticket.number not in html, path
        assert ticket.subject not in html, path


def test_a_lead_whose_group_no_longer_has_the_request_gets_no_number(personas, filed, api):
    ticket, complaint = filed
    assert _shown(api, "lead", complaint) == [{"id": ticket.pk, "number": ticket.number}] * 2
    # The request goes to second line: Sergei still sees the complaint (his group's, when filed).
    ticket_assign(ticket=ticket, actor=personas.manager, version=ticket.version, group_code="second-line")
    assert _shown(api, "lead", complaint) == [{"id": None, "number": None}] * 2
    for path in ("/complaints", f"/complaints/{complaint.pk}"):
        html = _html(personas.lead, path)
        assert complaint.number in html and ticket.number not in html, path
    # The manager sees every request.
    assert _shown(api, "manager", complaint) == [{"id": ticket.pk, "number": ticket.number}] * 2
    assert ticket.number in _html(personas.manager, "/complaints")
