"""The rating link /feedback/<token>: no sign-in needed, a GET shows the question (a score in the
query preselects it) and never records anything, only the POST records, once. Refused with a page
of its own: a forged or malformed token (404), a used one (409), an expired one (410), someone
else's (403: a signed-in user who is not the initiator); never a 500.

Ivan (initiator) rates his resolved Error; Alexei (agent) resolved it."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.test import Client

from otklik.accounts.models import User
from otklik.feedback.models import Survey
from otklik.feedback.surveys import SALT, survey_token
from otklik.notify.models import Notification
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord
from otklik.workflow import ticket_transition

MSK = ZoneInfo("Europe/Moscow")
RESOLVED = datetime(2026, 10, 28, 15, tzinfo=MSK)


@pytest.fixture
def survey(personas, settings) -> Survey:
    p = personas
    set_now(settings, RESOLVED)
    t = file_error(p.initiator)
    for who, code, kw in (("agent", "accept", {}), ("agent", "start", {}), ("agent", "resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=getattr(p, who), transition_code=code, version=t.version, **kw)
    return Survey.objects.get(ticket=t)


def path_of(survey: Survey) -> str:
    """The link as the notification carries it (without the site's address)."""
    (row,) = Notification.objects.filter(ticket=survey.ticket, event="survey_requested", channel="inapp")
    return urlsplit(row.link).path


def ratings(survey: Survey) -> list[LogRecord]:
    return list(LogRecord.objects.filter(ticket=survey.ticket, event="feedback"))


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_asks_without_signing_in_and_a_get_records_nothing(survey):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the page speaks the initiator's language: Russian
    for _ in range(3):  # a mail scanner fetching the link, then the person
        resp = client.get(path_of(survey), {"score": "5"})
        assert resp.status_code == 200
    html = resp.content.decode()
    assert survey.ticket.number in html
    assert "Насколько вы удовлетворены тем, как обработано обращение?" in html
    assert re.search(r'<input type="radio" name="score" value="5" id="rate-score-5" checked', html)
    assert re.search(r'<input type="radio" name="score" value="4" id="rate-score-4" required>', html)
    assert '<label for="rate-score-1"><span class="n">1</span> <span>Совсем не удовлетворён</span></label>' in html
    assert "<legend>" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="robots" content="noindex"' in html
    survey.refresh_from_db()
    assert (survey.score, survey.token_used_at, survey.answered_at) == (None, None, None)
    assert ratings(survey) == []


def test_a_bad_score_in_the_query_preselects_nothing(survey):
    html = Client().get(path_of(survey), {"score": "9"}).content.decode()
    assert " checked" not in html


def test_posting_records_the_rating_once_and_thanks(survey, settings):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    when = RESOLVED + timedelta(days=1)
    set_now(settings, when)
    resp = client.post(path_of(survey), {"score": "4", "comment": "Quick, thanks"})
    assert resp.status_code == 200
    assert "Ваша оценка учтена: 4 из 5." in resp.content.decode()  # in the initiator's language
    survey.refresh_from_db()
    assert (survey.score, survey.comment, survey.answered_via) == (4, "Quick, thanks", "link")
    assert survey.token_used_at == survey.answered_at == when
    assert len(ratings(survey)) == 1

    # The same form sent again (a double click, the back button): refused, nothing more recorded.
    again = client.post(path_of(survey), {"score": "1", "comment": "changed my mind"})
    assert again.status_code == 409
    assert "Это обращение уже оценено" in again.content.decode()
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Quick, thanks")
    assert len(ratings(survey)) == 1
    # And a GET of the spent link says so too, with the same status.
    assert client.get(path_of(survey)).status_code == 409


def test_the_initiator_signed_in_may_use_it(survey, personas):
    resp = signed_in(personas.initiator).post(path_of(survey), {"score": "5"})
    assert resp.status_code == 200
    survey.refresh_from_db()
    assert survey.score == 5


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "WzEsImFiYyJd:1abcde:notasignature",
        "x" * 500,
        "Ω≈ç√",
        "..",
    ],
)
def test_a_malformed_token_is_not_found(survey, token):
    resp = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/feedback/{token}")
    assert resp.status_code == 404
    assert "This rating link is not valid" in resp.content.decode()
    assert Client().post(f"/feedback/{token}", {"score": "5"}).status_code == 404
    survey.refresh_from_db()
    assert survey.score is None


def test_a_nul_in_the_token_is_refused_before_the_page(survey):
    """A NUL anywhere in a page's path is refused for every page alike (400, core.middleware)."""
    assert Client().get("/feedback/%00").status_code == 400
    assert Client().post("/feedback/%00", {"score": "5"}).status_code == 400
    survey.refresh_from_db()
    assert survey.score is None


def test_a_forged_token_is_not_found(survey):
    # Right survey, wrong key; the right key with another nonce; another salt; another survey's number.
    wrong_key = signing.dumps([survey.pk, survey.token_nonce], salt=SALT, key="not-the-secret-key")
    other_nonce = signing.dumps([survey.pk, "guessed"], salt=SALT)
    other_salt = signing.dumps([survey.pk, survey.token_nonce], salt="otklik.something-else")
    other_survey = signing.dumps([survey.pk + 1, survey.token_nonce], salt=SALT)
    wrong_shape = signing.dumps({"survey": survey.pk}, salt=SALT)
    genuine = survey_token(survey)
    tampered = genuine[:-2] + ("AA" if genuine[-2:] != "AA" else "BB")
    for token in (wrong_key, other_nonce, other_salt, other_survey, wrong_shape, tampered):
        assert Client().post(f"/feedback/{token}", {"score": "5"}).status_code == 404, token
        assert Client().get(f"/feedback/{token}").status_code == 404, token
    survey.refresh_from_db()
    assert survey.score is None and ratings(survey) == []


def test_an_expired_link_is_gone(survey, settings):
    set_now(settings, survey.expires_at)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    resp = client.get(path_of(survey))
    assert resp.status_code == 410
    assert "Срок оценки этого обращения истёк." in resp.content.decode()
    assert client.post(path_of(survey), {"score": "5"}).status_code == 410
    survey.refresh_from_db()
    assert survey.score is None
    # A moment before it expires it still works.
    set_now(settings, survey.expires_at - timedelta(seconds=1))
    assert client.get(path_of(survey)).status_code == 200


def test_someone_elses_link_is_refused_to_a_signed_in_person(survey, personas):
    for who in (personas.agent, personas.initiator2, personas.manager):
        client = signed_in(who)
        resp = client.get(path_of(survey))
        assert resp.status_code == 403
        assert survey.ticket.subject not in resp.content.decode()  # nothing of the request shown
        assert client.post(path_of(survey), {"score": "1"}).status_code == 403
    survey.refresh_from_db()
    assert survey.score is None and ratings(survey) == []


def test_a_bad_score_posted_shows_the_form_again(survey):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for bad in ("", "0", "6", "five", "4.5"):
        resp = client.post(path_of(survey), {"score": bad, "comment": "kept"})
        assert resp.status_code == 400, bad
        html = resp.content.decode()
        assert "Выберите оценку от 1 до 5." in html
        assert ">kept</textarea>" in html
        assert 'aria-invalid="true"' in html
    survey.refresh_from_db()
    assert survey.score is None and survey.token_used_at is None


def test_the_form_is_protected_against_cross_site_posts(survey):
    client = Client(enforce_csrf_checks=True)
    assert client.post(path_of(survey), {"score": "1"}).status_code == 403
    survey.refresh_from_db()
    assert survey.score is None
    # With the token the page gave it, it goes through.
    html = client.get(path_of(survey)).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert client.post(path_of(survey), {"score": "3", "csrfmiddlewaretoken": csrf}).status_code == 200
    survey.refresh_from_db()
    assert survey.score == 3


def test_an_anonymous_visitor_reads_it_in_the_initiators_language(survey, personas):
    personas.initiator.language = "en"
    personas.initiator.save()
    html = Client(HTTP_ACCEPT_LANGUAGE="ru").get(path_of(survey)).content.decode()
    assert '<html lang="en">' in html
    assert "Rate the handling of your request" in html
    # One who chose a language on the page keeps it.
    client = Client()
    client.cookies["django_language"] = "ru"
    assert '<html lang="ru">' in client.get(path_of(survey)).content.decode()


def test_the_link_is_the_same_each_time_it_is_made(survey):
    """Signed with the asking instant, not the clock: the reminder repeats the question's link."""
    first = survey_token(survey)
    time.sleep(1.1)
    assert survey_token(survey) == first
    assert urlsplit(path_of(survey)).path.rsplit("/", 1)[1] == first
    assert Client().get(f"/feedback/{first}").status_code == 200
