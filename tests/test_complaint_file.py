"""Filing a complaint: who may file what, about which request, and what is refused.

Ivan (initiator) files an Error; Maria (initiator2) is his colleague, who sees it only with the
organisation right; the outsider is of another organisation; Alexei (agent) and Sergei (lead) are
first line, Elena the support manager: staff file no complaints."""

from __future__ import annotations

import pytest

from otklik.complaints.models import Complaint, ComplaintEvent, ComplaintKind
from otklik.complaints.services import complaint_answer, complaint_file
from otklik.core.errors import Conflict, Forbidden, Invalid, NotFound
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket

# Complaints about how a request was handled concern its executor: the groups hand new requests to theirs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dispatching")]


@pytest.fixture
def ticket(personas) -> Ticket:
    return file_error(personas.initiator)


def test_the_initiator_files_a_complaint_about_their_request(personas, ticket):
    complaint = complaint_file(author=personas.initiator, body="  Nobody answered for days.  ", ticket=ticket)
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.kind, stored.state, stored.version) == ("request", "filed", 1)
    assert stored.body == "Nobody answered for days."
    assert stored.ticket_id == ticket.pk
    assert stored.organisation_id == personas.initiator.organisation_id
    # Whom it concerns: the group and executor in charge of the request now.
    assert (stored.group.code, stored.executor) == ("first-line", personas.lead)
    assert stored.number == f"CMP-{stored.pk:06d}"
    [event] = ComplaintEvent.objects.filter(complaint=stored)
    assert (event.event, event.actor, event.body, event.internal) == ("filed", personas.initiator, stored.body, False)


def test_only_the_initiator_complains_about_how_a_request_was_handled(personas, ticket):
    # Maria cannot see Ivan's request: as if it did not exist.
    with pytest.raises(NotFound):
        complaint_file(author=personas.initiator2, body="x", ticket=ticket)
    with pytest.raises(NotFound):
        complaint_file(author=personas.outsider, body="x", ticket=ticket)
    # With the right to see the organisation's requests she sees it, and still may not complain about it.
    personas.initiator2.sees_organisation_requests = True
    personas.initiator2.save()
    with pytest.raises(Forbidden):
        complaint_file(author=personas.initiator2, body="x", ticket=ticket)
    # ...but she may report a violation of the regulation naming it.
    complaint = complaint_file(author=personas.initiator2, body="Rude reply", ticket=ticket, kind="regulation")
    assert (complaint.kind, complaint.ticket_id, complaint.group.code) == ("regulation", ticket.pk, "first-line")
    assert Complaint.objects.count() == 1


def test_support_staff_file_no_complaints(personas, ticket):
    for who in (personas.agent, personas.lead, personas.manager, personas.admin):
        with pytest.raises(Forbidden):
            complaint_file(author=who, body="x", kind="regulation")
    # Not even about a request they filed themselves.
    own = file_error(personas.agent2, subject="My own printer")
    with pytest.raises(Forbidden):
        complaint_file(author=personas.agent2, body="x", ticket=own)
    assert Complaint.objects.count() == 0


def test_a_complaint_about_the_regulation_needs_no_request(personas):
    complaint = complaint_file(author=personas.outsider, body="The service was closed at 11:00", kind="regulation")
    assert (complaint.kind, complaint.ticket, complaint.group, complaint.executor) == ("regulation", None, None, None)
    assert complaint.organisation.code == "other"


def test_bad_input_is_refused_with_the_field_named(personas, ticket, settings):
    with pytest.raises(Invalid) as exc:
        complaint_file(author=personas.initiator, body="   ", ticket=ticket)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("body", "required", "is required")]
    settings.MAX_TEXT_LENGTH = 10
    with pytest.raises(Invalid) as exc:
        complaint_file(author=personas.initiator, body="x" * 11, ticket=ticket)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("body", "too_long", "at most 10 characters")]
    with pytest.raises(Invalid) as exc:
        complaint_file(author=personas.initiator, body="x", kind="request")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("ticket", "required", "is required")]
    with pytest.raises(Invalid) as exc:
        complaint_file(author=personas.initiator, body="x", kind="praise")
    assert [e.field for e in exc.value.errors] == ["kind"]
    assert Complaint.objects.count() == 0


def test_one_open_complaint_per_person_and_request(personas, ticket):
    first = complaint_file(author=personas.initiator, body="Slow", ticket=ticket)
    with pytest.raises(Conflict) as exc:
        complaint_file(author=personas.initiator, body="Still slow", ticket=ticket)
    assert exc.value.code == "complaint_open"
    with pytest.raises(Conflict):
        complaint_file(author=personas.initiator, body="About the rules", ticket=ticket, kind=ComplaintKind.REGULATION)
    # Once the first is answered, a new one may be filed; other requests were never blocked.
    complaint_answer(complaint=first, actor=personas.manager, decision="rejected", answer="It was in time.", version=1)
    second = complaint_file(author=personas.initiator, body="Slow again", ticket=ticket)
    other = complaint_file(author=personas.initiator, body="Also slow", ticket=file_error(personas.initiator))
    assert Complaint.objects.filter(author=personas.initiator).count() == 3
    assert second.pk != other.pk


def test_a_closed_request_can_still_be_complained_about(personas, ticket):
    from otklik.workflow import ticket_transition

    ticket = ticket_transition(ticket=ticket, actor=personas.initiator, transition_code="withdraw", version=1)
    assert not ticket.is_open
    complaint = complaint_file(author=personas.initiator, body="Nobody reacted, so I withdrew it", ticket=ticket)
    assert complaint.state == "filed"
