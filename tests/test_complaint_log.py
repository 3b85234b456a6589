"""A complaint on a request leaves its steps in the request's per-stage log: the filing (the
initiator's reaction "complained"), taking it under review and the answer (the manager's, public),
never the internal notes. The initiator sees them in the activity and on the request's page, where
each links to the complaint for those who may open it.

Ivan (initiator) complains about his Error; Elena (manager) handles it; Alexei (agent) and
Sergei (lead) are first line; Maria (initiator2) reads her organisation's requests."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.complaints.models import Complaint
from otklik.complaints.services import complaint_answer, complaint_file, complaint_note, complaint_take
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket, Watcher

pytestmark = pytest.mark.django_db


@pytest.fixture
def handled(personas) -> tuple[Ticket, Complaint]:
    User.objects.update(language="en")
    ticket = file_error(personas.initiator)
    complaint = complaint_file(author=personas.initiator, body="Nobody answered for days.", ticket=ticket)
    complaint_note(complaint=complaint, actor=personas.manager, body="SECRET: the agent was on leave.")
    complaint_take(complaint=complaint, actor=personas.manager, version=1)
    complaint_answer(
        complaint=complaint, actor=personas.manager, decision="upheld", answer="We are sorry; fixed.", version=2
    )
    return ticket, complaint


def test_filing_taking_and_answering_are_records_in_the_requests_log(personas, handled):
    ticket, complaint = handled
    rows = LogRecord.objects.filter(ticket=ticket, event="complaint").order_by("id")
    got = [(r.actor.username, r.actor_role, r.reaction, r.body, r.internal, r.new_value["state"]) for r in rows]
    assert got == [
        ("initiator", "initiator", "initiator_complained", "Nobody answered for days.", False, "filed"),
        ("manager", "staff", "", "", False, "review"),
        ("manager", "staff", "", "We are sorry; fixed.", False, "upheld"),
    ]
    assert all(r.new_value["complaint"] == complaint.pk and r.new_value["number"] == complaint.number for r in rows)
    assert {r.point_id for r in rows} == {ticket.point_id}  # at the stage the request stood at
    # The note stays in the complaint's history only.
    assert not LogRecord.objects.filter(ticket=ticket, body__contains="SECRET").exists()


def test_the_initiator_sees_the_steps_in_the_activity_and_the_timeline(personas, handled, api):
    ticket, complaint = handled
    activity = api("initiator").get(f"/tickets/{ticket.pk}/activity").json()
    steps = [(a["event"], a["reaction"], a["body"]) for a in activity if a["event"] == "complaint"]
    assert steps == [
        ("complaint", "initiator_complained", "Nobody answered for days."),
        ("complaint", "", ""),
        ("complaint", "", "We are sorry; fixed."),
    ]
    client = Client()
    client.force_login(personas.initiator)
    html = client.get(f"/requests/{ticket.number}").content.decode()
    link = f'href="/complaints/{complaint.pk}"'
    assert f"Filed complaint {complaint.number}" in html and f"Upheld complaint {complaint.number}" in html
    assert html.count(link) >= 3  # each step links to the complaint, which Ivan may open
    assert "SECRET" not in html


def test_the_executor_sees_the_steps_without_a_way_into_the_complaint(personas, handled):
    ticket, complaint = handled
    client = Client()
    client.force_login(personas.agent)
    html = client.get(f"/requests/{ticket.number}").content.decode()
    assert f"Took complaint {complaint.number} under review" in html
    assert f'href="/complaints/{complaint.pk}"' not in html
    assert "SECRET" not in html


def test_a_reader_or_watcher_of_the_request_learns_of_no_complaint(personas, handled, api):
    """Maria reads her organisation's requests and watches Ivan's; Olga (agent2, second line)
    watches it too: the request is theirs to see, Ivan's complaint is not."""
    ticket, complaint = handled
    personas.initiator2.sees_organisation_requests = True
    personas.initiator2.save(update_fields=["sees_organisation_requests"])
    for who in (personas.initiator2, personas.agent2):
        Watcher.objects.get_or_create(ticket=ticket, user=who)
        client = Client()
        client.force_login(who)
        r = client.get(f"/requests/{ticket.number}")
        html = r.content.decode()
        assert r.status_code == 200, who.username
        assert complaint.number not in html and "Nobody answered for days." not in html, who.username
        assert "We are sorry; fixed." not in html, who.username
        activity = api(who.username).get(f"/tickets/{ticket.pk}/activity").json()
        assert activity and all(a["event"] != "complaint" for a in activity), who.username
    # The group's lead and the manager may open it.
    for who in (personas.lead, personas.manager):
        client = Client()
        client.force_login(who)
        assert f'href="/complaints/{complaint.pk}"' in client.get(f"/requests/{ticket.number}").content.decode()


def test_a_regulation_complaint_naming_a_request_is_logged_without_the_initiators_reaction(personas):
    ticket = file_error(personas.initiator)
    personas.initiator2.sees_organisation_requests = True
    personas.initiator2.save(update_fields=["sees_organisation_requests"])  # not back to the fixture's language
    complaint_file(author=personas.initiator2, body="Rude reply", ticket=ticket, kind="regulation")
    record = LogRecord.objects.get(ticket=ticket, event="complaint")
    assert (record.actor, record.actor_role, record.reaction) == (personas.initiator2, "other", "")


def test_someone_elses_complaint_on_a_request_is_internal_in_its_log(personas, api):
    """Maria's complaint is hers to tell: its steps are support's records, not Ivan's timeline."""
    User.objects.update(language="en")
    ticket = file_error(personas.initiator)
    personas.initiator2.sees_organisation_requests = True
    personas.initiator2.save(update_fields=["sees_organisation_requests"])
    complaint = complaint_file(author=personas.initiator2, body="MARIA: rude reply", ticket=ticket, kind="regulation")
    complaint_take(complaint=complaint, actor=personas.manager, version=1)
    complaint_answer(complaint=complaint, actor=personas.manager, decision="upheld", answer="ANSWER: sorry", version=2)
    rows = LogRecord.objects.filter(ticket=ticket, event="complaint").order_by("id")
    assert [(r.new_value["state"], r.internal) for r in rows] == [("filed", True), ("review", True), ("upheld", True)]
    activity = api("initiator").get(f"/tickets/{ticket.pk}/activity").json()
    assert [a for a in activity if a["event"] == "complaint"] == []
    client = Client()
    client.force_login(personas.initiator)
    html = client.get(f"/requests/{ticket.number}").content.decode()
    assert complaint.number not in html and "MARIA" not in html and "ANSWER" not in html
    # Support staff on the request still see the steps.
    staff = api("agent").get(f"/tickets/{ticket.pk}/activity").json()
    assert [a["internal"] for a in staff if a["event"] == "complaint"] == [True, True, True]


def test_a_complaint_naming_no_request_writes_no_log(personas):
    before = LogRecord.objects.count()
    complaint = complaint_file(author=personas.initiator, body="Closed at 11:00", kind="regulation")
    complaint_answer(complaint=complaint, actor=personas.manager, decision="upheld", answer="Sorry", version=1)
    assert LogRecord.objects.count() == before
