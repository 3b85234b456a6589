"""Abuse guards on filing complaints: one open complaint per person and request (409), one open
complaint about the regulation per person (409), and at most COMPLAINTS_PER_DAY (5) complaints
per person in any 24 hours (429 with a message in the API; the pages say it next to the form,
keeping what was written). Never a 500.

Ivan (initiator) complains; Elena (manager) answers; Maria (initiator2) is his colleague."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.complaints.models import Complaint
from otklik.complaints.services import complaint_answer, complaint_file
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 11, 10, 10, tzinfo=MSK)


@pytest.fixture(autouse=True)
def english(personas, settings):
    User.objects.update(language="en")
    set_now(settings, T0)


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_default_cap_is_five(settings):
    assert settings.COMPLAINTS_PER_DAY == 5


def test_one_open_complaint_about_the_regulation_per_person(personas, api):
    first = api("initiator").post("/complaints", {"kind": "regulation", "body": "Closed at 11:00"})
    assert first.status_code == 201
    again = api("initiator").post("/complaints", {"kind": "regulation", "body": "And again"})
    assert (again.status_code, again.json()["code"]) == (409, "regulation_open")
    assert "open complaint about the regulation" in again.json()["detail"]
    # Naming a request does not get round it; the page says so next to the form.
    ticket = file_error(personas.initiator)
    page = _signed_in(personas.initiator).post("/complaints/new", {"body": "Again", "ticket": ticket.number})
    assert page.status_code == 400
    assert "You have an open complaint about the regulation already" in page.content.decode()
    assert ">Again</textarea>" in page.content.decode()
    # Other people, and a complaint about how a request was handled, are not held up.
    assert api("initiator2").post("/complaints", {"kind": "regulation", "body": "Mine"}).status_code == 201
    assert api("initiator").post(f"/tickets/{ticket.pk}/complaints", {"body": "Slow"}).status_code == 201
    # Once answered, a new one may be filed.
    complaint = Complaint.objects.get(pk=first.json()["id"])
    complaint_answer(complaint=complaint, actor=personas.manager, decision="rejected", answer="No", version=1)
    assert api("initiator").post("/complaints", {"kind": "regulation", "body": "Later"}).status_code == 201


def test_the_daily_cap(personas, api, settings):
    p = personas
    tickets = [file_error(p.initiator) for _ in range(7)]
    for i, t in enumerate(tickets[:5]):
        set_now(settings, T0 + timedelta(hours=i))
        complaint_file(author=p.initiator, body=f"Complaint {i}", ticket=t)
    set_now(settings, T0 + timedelta(hours=23, minutes=59))
    # The API: 429 with a message, on either way of filing.
    resp = api("initiator").post(f"/tickets/{tickets[5].pk}/complaints", {"body": "Sixth"})
    assert (resp.status_code, resp.json()["code"]) == (429, "complaints_per_day")
    assert "5 complaints in the last 24 hours" in resp.json()["detail"]
    resp = api("initiator").post("/complaints", {"kind": "regulation", "body": "Sixth"})
    assert resp.status_code == 429
    # The pages: the message next to the form, what was written kept.
    client = _signed_in(p.initiator)
    page = client.post(f"/requests/{tickets[5].number}/complaint", {"body": "Sixth on the page"})
    html = page.content.decode()
    assert page.status_code == 429
    assert 'id="complaint-body-error">You have filed 5 complaints in the last 24 hours' in html
    assert ">Sixth on the page</textarea>" in html
    page = client.post("/complaints/new", {"body": "Regulation", "ticket": ""})
    assert page.status_code == 429
    assert "You have filed 5 complaints in the last 24 hours" in page.content.decode()
    assert Complaint.objects.filter(author=p.initiator).count() == 5
    # Others are not held up by Ivan's cap.
    assert api("initiator2").post("/complaints", {"kind": "regulation", "body": "Mine"}).status_code == 201
    # 24 hours after the first, one more may be filed.
    set_now(settings, T0 + timedelta(hours=24))
    assert api("initiator").post(f"/tickets/{tickets[5].pk}/complaints", {"body": "Sixth"}).status_code == 201
    assert api("initiator").post(f"/tickets/{tickets[6].pk}/complaints", {"body": "Seventh"}).status_code == 429


def test_the_cap_is_a_setting(personas, api, settings):
    settings.COMPLAINTS_PER_DAY = 1
    t1, t2 = file_error(personas.initiator), file_error(personas.initiator)
    assert api("initiator").post(f"/tickets/{t1.pk}/complaints", {"body": "One"}).status_code == 201
    assert api("initiator").post(f"/tickets/{t2.pk}/complaints", {"body": "Two"}).status_code == 429
    settings.COMPLAINTS_PER_DAY = 0  # no limit
    assert api("initiator").post(f"/tickets/{t2.pk}/complaints", {"body": "Two"}).status_code == 201
