"""Filing complaints from the pages: the initiator's "File a complaint" dialog on the request page,
the form for a violation of the regulation (linked from /regulation and the portal), and the
author's own list in the portal.

Ivan (initiator) files an Error; Maria (initiator2) is his colleague; Alexei (agent) and Sergei
(lead) are first line; the outsider is of another organisation."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.complaints.models import Complaint
from otklik.complaints.services import complaint_answer, complaint_file
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(personas):
    User.objects.update(language="en")


@pytest.fixture
def ticket(personas) -> Ticket:
    return file_error(personas.initiator)


def login(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def page(client: Client, ticket: Ticket) -> str:
    return client.get(f"/requests/{ticket.number}").content.decode()


def test_the_initiator_files_from_the_request_page(personas, ticket):
    ivan = login(personas.initiator)
    html = page(ivan, ticket)
    dialog = re.search(r'<dialog id="complaint-dialog".*?</dialog>', html, re.S).group(0)
    assert 'data-open-dialog="complaint-dialog"' in html
    assert '<label for="complaint-body">What is wrong with how the request was handled?</label>' in dialog
    assert f'action="/requests/{ticket.number}/complaint"' in dialog and "csrfmiddlewaretoken" in dialog

    r = ivan.post(f"/requests/{ticket.number}/complaint", {"body": "  "})
    assert r.status_code == 400
    html = r.content.decode()
    assert re.search(r'<dialog id="complaint-dialog" class="act" aria-labelledby="complaint-dialog-title" open>', html)
    assert 'id="complaint-body-error">Write the text first.' in html
    assert Complaint.objects.count() == 0

    r = ivan.post(f"/requests/{ticket.number}/complaint", {"body": "Nobody answered for days."})
    complaint = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/complaints/{complaint.pk}"
    html = ivan.get(r["Location"]).content.decode()
    assert f"Your complaint {complaint.number} is filed; the support managers will answer it." in html
    assert "Nobody answered for days." in html

    # While it is open, the request page shows it instead of a second dialog.
    html = page(ivan, ticket)
    assert "complaint-dialog" not in html
    assert f"Your complaint {complaint.number} is filed." in html and f'href="/complaints/{complaint.pk}"' in html
    r = ivan.post(f"/requests/{ticket.number}/complaint", {"body": "Again"})
    assert r.status_code == 409 and "You have an open complaint about this request already" in r.content.decode()
    complaint_answer(complaint=complaint, actor=personas.manager, decision="upheld", answer="Sorry", version=1)
    assert "complaint-dialog" in page(ivan, ticket)  # answered: a new one may be filed


def test_no_dialog_for_anyone_but_the_initiator(personas, ticket):
    personas.initiator2.sees_organisation_requests = True
    personas.initiator2.save()
    for who in (personas.agent, personas.lead, personas.manager, personas.initiator2):
        assert "complaint-dialog" not in page(login(who), ticket), who.username
    r = login(personas.initiator2).post(f"/requests/{ticket.number}/complaint", {"body": "x"})
    assert r.status_code == 403
    assert login(personas.agent).post(f"/requests/{ticket.number}/complaint", {"body": "x"}).status_code == 403
    assert login(personas.outsider).post(f"/requests/{ticket.number}/complaint", {"body": "x"}).status_code == 404
    assert Complaint.objects.count() == 0


def test_the_form_for_a_violation_of_the_regulation(personas, ticket):
    regulation = Client().get("/regulation?lang=en").content.decode()
    assert '<a href="/complaints/new">File a complaint</a>' in regulation
    portal = login(personas.initiator).get("/my").content.decode()
    assert 'href="/my/complaints"' in portal and 'href="/complaints/new"' in portal

    maria = login(personas.initiator2)
    html = maria.get("/complaints/new").content.decode()
    assert '<label for="id_body">' in html and '<label for="id_ticket">' in html
    r = maria.post("/complaints/new", {"body": "", "ticket": ticket.number})  # not a request she may see
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="error_body">Write what happened.' in html
    assert 'id="error_ticket">Choose one of your requests from the list.' in html
    r = maria.post("/complaints/new", {"body": "The service closed at 11:00 on Monday.", "ticket": ""})
    complaint = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/complaints/{complaint.pk}"
    assert (complaint.kind, complaint.ticket, complaint.author) == ("regulation", None, personas.initiator2)

    ivan = login(personas.initiator)
    r = ivan.post("/complaints/new", {"body": "Rude reply", "ticket": ticket.number.lower()})
    assert r.status_code == 302 and Complaint.objects.get(author=personas.initiator).ticket_id == ticket.pk
    assert login(personas.agent).get("/complaints/new").status_code == 403  # staff file none
    assert login(personas.agent).post("/complaints/new", {"body": "x"}).status_code == 403


def options(html: str) -> list[tuple[str, bool]]:
    """The request select's options: (value, selected)."""
    select = re.search(r'<select id="id_ticket" name="ticket".*?</select>', html, re.S).group(0)
    return [(v, bool(sel)) for v, sel in re.findall(r'<option value="([^"]*)"( selected)?>', select)]


def test_the_regulation_form_offers_the_persons_own_requests_and_only_those(personas, ticket):
    p = personas
    # Maria may see Ivan's request, but it is not hers.
    User.objects.filter(pk=p.initiator2.pk).update(sees_organisation_requests=True)
    hers = file_error(p.initiator2, subject="Maria's own report")
    ivan_all = list(
        Ticket.objects.filter(initiator=p.initiator).order_by("-created_at", "-id").values_list("number", flat=True)
    )
    html = login(p.initiator).get("/complaints/new").content.decode()
    assert options(html) == [("", False), *((n, False) for n in ivan_all)]  # newest filed first, none chosen
    assert f"{ticket.number} — Report fails" in html and hers.number not in html
    assert '<label for="id_ticket">Request (optional)</label>' in html
    # A request named in the link is chosen when it is theirs, ignored when it is not.
    picked = login(p.initiator).get(f"/complaints/new?ticket={ticket.number.lower()}").content.decode()
    assert (ticket.number, True) in options(picked)
    maria = login(p.initiator2)
    foreign = maria.get(f"/complaints/new?ticket={ticket.number}").content.decode()
    maria_all = list(
        Ticket.objects.filter(initiator=p.initiator2).order_by("-created_at", "-id").values_list("number", flat=True)
    )
    assert hers.number in maria_all and ticket.number not in maria_all
    assert options(foreign) == [("", False), *((n, False) for n in maria_all)]
    # Checked again on the server: a request she may see but did not file is refused.
    r = maria.post("/complaints/new", {"body": "The service closed early.", "ticket": ticket.number})
    assert r.status_code == 400 and 'id="error_ticket">Choose one of your requests from the list.' in r.content.decode()
    assert Complaint.objects.count() == 0
    r = maria.post("/complaints/new", {"body": "The service closed early.", "ticket": hers.number})
    assert r.status_code == 302 and Complaint.objects.get().ticket_id == hers.pk
    empty = login(p.outsider).get("/complaints/new").content.decode()
    assert options(empty) == [("", False)] and "You have filed no requests" in empty


def test_my_complaints_lists_the_persons_own(personas, ticket):
    mine = complaint_file(author=personas.initiator, body="Slow", ticket=ticket)
    theirs = complaint_file(author=personas.initiator2, body="Closed", kind="regulation")
    html = login(personas.initiator).get("/my/complaints").content.decode()
    assert re.findall(r'data-complaint="(CMP-\d+)"', html) == [mine.number]
    assert f'href="/requests/{ticket.number}"' in html and theirs.number not in html
    assert re.search(r'<span class="badge ok" data-target="running">', html)
    empty = login(personas.outsider).get("/my/complaints").content.decode()
    assert "You have filed no complaints." in empty
