"""The initiator answers the survey in the portal (the request's page) and through the API
(`POST /api/v1/tickets/{id}/feedback`), and may change the answer until the survey expires; the
staff in charge see the rating (the page, the detail's `feedback`; test_survey_rating_visibility.py).

Ivan (initiator) rates his resolved Error; Alexei (agent) resolved it; Maria (initiator2) is his
colleague (she does not see his requests); the outsider is of another organisation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.api.schemas import SurveyOut, TicketOut
from otklik.feedback.models import Survey
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_transition

MSK = ZoneInfo("Europe/Moscow")
RESOLVED = datetime(2026, 10, 28, 15, tzinfo=MSK)


@pytest.fixture(autouse=True)
def english(personas):
    User.objects.update(language="en")


def walk(p, t, *steps):
    for who, code, kw in steps:
        t = ticket_transition(ticket=t, actor=getattr(p, who), transition_code=code, version=t.version, **kw)
    return t


@pytest.fixture
def filed(personas, settings) -> Ticket:
    set_now(settings, RESOLVED - timedelta(days=1))
    return file_error(personas.initiator)


@pytest.fixture
def resolved(personas, settings, filed) -> Ticket:
    set_now(settings, RESOLVED)
    return walk(
        personas, filed, ("agent", "accept", {}), ("agent", "start", {}), ("agent", "resolve", {"comment": "Done"})
    )


def page(user: User, t: Ticket) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    resp = client.get(f"/requests/{t.number}")
    assert resp.status_code == 200
    return client, resp.content.decode()


def csrf_free_post(client: Client, t: Ticket, data: dict):
    return client.post(f"/requests/{t.number}/feedback", data)


# --- the request's page ----------------------------------------------------------------------------


def test_the_initiator_is_asked_on_the_page_with_an_accessible_choice(personas, resolved):
    _, html = page(personas.initiator, resolved)
    form = html[html.index('id="feedback"') :]
    assert f'action="/requests/{resolved.number}/feedback"' in form
    assert '<fieldset class="score-choice" id="feedback-score">' in form
    assert "<legend>How satisfied are you with how the request was handled?</legend>" in form
    for n, meaning in ((1, "Very dissatisfied"), (3, "Neither satisfied nor dissatisfied"), (5, "Very satisfied")):
        assert f'<input type="radio" name="score" value="{n}" id="feedback-score-{n}"' in form
        assert f'<label for="feedback-score-{n}"><span class="n">{n}</span> <span>{meaning}</span></label>' in form
    assert '<label for="feedback-comment">Comment (optional)</label>' in form
    assert "Send my rating" in form


def test_nothing_is_asked_before_the_resolution(personas, filed):
    _, html = page(personas.initiator, filed)
    assert 'id="feedback"' not in html


def test_answering_and_changing_on_the_page(personas, resolved, settings):
    client, _ = page(personas.initiator, resolved)
    set_now(settings, RESOLVED + timedelta(hours=2))
    resp = csrf_free_post(client, resolved, {"score": "2", "comment": "Took three days"})
    assert resp.status_code == 302 and resp["Location"] == f"/requests/{resolved.number}#feedback"
    survey = Survey.objects.get(ticket=resolved)
    assert (survey.score, survey.comment, survey.answered_via) == (2, "Took three days", "portal")
    html = client.get(resp["Location"]).content.decode()
    assert "Thank you: your rating has been recorded." in html
    section = html[html.index('id="feedback"') :]
    assert '<span class="rating">2 of 5</span> · Dissatisfied' in section
    assert '<input type="radio" name="score" value="2" id="feedback-score-2" checked' in section
    assert "Change my rating" in section

    set_now(settings, RESOLVED + timedelta(days=3))
    csrf_free_post(client, resolved, {"score": "4", "comment": "It works well now"})
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "It works well now")
    # Until the survey expires, then no more.
    set_now(settings, survey.expires_at)
    refused = csrf_free_post(client, resolved, {"score": "5"})
    assert refused.status_code == 409
    assert "The time to rate this request is over." in refused.content.decode()
    survey.refresh_from_db()
    assert survey.score == 4
    _, html = page(personas.initiator, resolved)
    assert '<span class="rating">4 of 5</span>' in html and "Change my rating" not in html


def test_a_bad_answer_on_the_page_keeps_what_was_written(personas, resolved):
    client, _ = page(personas.initiator, resolved)
    resp = csrf_free_post(client, resolved, {"score": "7", "comment": "Draft"})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "Choose a score from 1 to 5." in html and ">Draft</textarea>" in html
    assert Survey.objects.get(ticket=resolved).score is None


def test_staff_see_the_rating_but_may_not_answer(personas, resolved):
    from otklik.feedback.surveys import survey_answer

    _, html = page(personas.agent, resolved)
    assert "The initiator was asked to rate the handling" in html
    assert 'name="score"' not in html
    survey_answer(ticket=resolved, actor=personas.initiator, score=5, comment="Great work")
    agent, html = page(personas.agent, resolved)
    assert '<span class="rating">5 of 5</span> · Very satisfied' in html and "Great work" in html
    assert "The initiator's rating" in html
    refused = csrf_free_post(agent, resolved, {"score": "1"})
    assert refused.status_code == 403
    assert Survey.objects.get(ticket=resolved).score == 5


def test_the_page_form_needs_the_csrf_token(personas, resolved):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.initiator)
    assert client.post(f"/requests/{resolved.number}/feedback", {"score": "5"}).status_code == 403
    assert Survey.objects.get(ticket=resolved).score is None


def test_someone_who_may_not_see_the_request_gets_not_found(personas, resolved):
    client = Client()
    client.force_login(personas.outsider)
    assert csrf_free_post(client, resolved, {"score": "1"}).status_code == 404
    assert Survey.objects.get(ticket=resolved).score is None


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_records_the_rating_and_the_detail_shows_it(personas, api, resolved, settings):
    assert api("initiator").get(f"/tickets/{resolved.pk}").json()["feedback"] == {
        "asked_at": "2026-10-28T12:00:00Z",
        "expires_at": "2026-11-11T12:00:00Z",
        "score": None,
        "comment": "",
        "answered_at": None,
        "answered_via": None,
    }
    set_now(settings, RESOLVED + timedelta(minutes=5))
    resp = api("initiator").post(f"/tickets/{resolved.pk}/feedback", {"score": 3, "comment": "OK"})
    assert resp.status_code == 201
    body = resp.json()
    SurveyOut.model_validate(body)
    assert (body["score"], body["comment"], body["answered_via"]) == (3, "OK", "api")
    assert body["answered_at"] == "2026-10-28T12:05:00Z"
    for who in ("initiator", "agent", "lead", "manager"):
        detail = api(who).get(f"/tickets/{resolved.number}").json()
        TicketOut.model_validate(detail)
        assert (detail["feedback"]["score"], detail["feedback"]["comment"]) == (3, "OK"), who
    # A change, with the comment left out: it becomes empty.
    again = api("initiator").post(f"/tickets/{resolved.pk}/feedback", {"score": 5})
    assert again.status_code == 201 and (again.json()["score"], again.json()["comment"]) == (5, "")


def test_the_detail_has_no_feedback_before_the_resolution(api, filed):
    assert api("initiator").get(f"/tickets/{filed.pk}").json()["feedback"] is None


def test_the_api_refusals(personas, api, resolved, settings):
    path = f"/tickets/{resolved.pk}/feedback"
    # Not visible: 404 as if it did not exist.
    for who in ("outsider", "initiator2"):
        resp = api(who).post(path, {"score": 5})
        assert (resp.status_code, resp.json()["code"]) == (404, "not_found"), who
    # Visible but not theirs to rate: 403.
    for who in ("agent", "lead", "manager"):
        resp = api(who).post(path, {"score": 5})
        assert (resp.status_code, resp.json()["code"]) == (403, "forbidden"), who
    # A bad score: 422, whatever its shape.
    for bad in (0, 6, -1, "5", 4.5, True, None, "five"):
        resp = api("initiator").post(path, {"score": bad})
        assert resp.status_code == 422, bad
        assert resp.json()["code"] == "invalid"
    assert api("initiator").post(path, {}).status_code == 422
    assert api("initiator").post(path, {"score": 5, "extra": 1}).status_code == 422
    assert api("initiator").post(path, {"score": 5, "comment": "x" * 100_000}).status_code in (413, 422)
    assert Survey.objects.get(ticket=resolved).score is None
    # Expired: 409.
    set_now(settings, RESOLVED + timedelta(days=14))
    resp = api("initiator").post(path, {"score": 5})
    assert (resp.status_code, resp.json()["code"]) == (409, "expired")


def test_no_survey_yet_is_a_conflict(personas, api, settings):
    t = file_error(personas.initiator)
    resp = api("initiator").post(f"/tickets/{t.pk}/feedback", {"score": 4})
    assert (resp.status_code, resp.json()["code"]) == (409, "not_asked")
    assert re.search(r"has not been resolved yet", resp.json()["detail"])
