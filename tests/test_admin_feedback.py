"""The administrator's screens of feedback: the settings (checked: the link works at least a day,
the reminder comes before it expires, the threshold is a score) and the surveys, read-only and
never showing the link's secret; a type's confirmation period on its form.

The administrator is the demo's superuser; Ivan (initiator) rated a resolved Error."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.catalog.models import RequestType
from otklik.feedback.models import FeedbackSettings, Survey
from otklik.feedback.surveys import survey_answer
from otklik.testing.adminforms import admin_form_data
from otklik.testing.factories import file_error
from otklik.workflow import ticket_transition

SETTINGS_ADD = "/admin/feedback/feedbacksettings/add/"


@pytest.fixture
def admin(personas) -> Client:
    personas.admin.language = "en"
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    return client


def settings_form(**values) -> dict:
    base = {
        "survey_enabled": "on",
        "survey_valid_days": "14",
        "survey_reminder_days": "3",
        "low_score_threshold": "2",
        "complaint_reaction_minutes": "240",
        "complaint_answer_minutes": "1440",
    }
    return {**base, **values}


def test_the_settings_are_saved_once_checked(admin):
    resp = admin.post(SETTINGS_ADD, settings_form(survey_valid_days="10", survey_reminder_days="2"))
    assert resp.status_code == 302
    conf = FeedbackSettings.current()
    assert (conf.pk, conf.survey_valid_days, conf.survey_reminder_days) == (1, 10, 2)
    assert admin.get(SETTINGS_ADD).status_code == 403  # one row: no second one


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"survey_valid_days": "0"}, "survey_valid_days", "at least one day"),
        ({"survey_reminder_days": "14"}, "survey_reminder_days", "before the link stops working"),
        ({"low_score_threshold": "6"}, "low_score_threshold", "use 0 to 5"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(admin, values, field, message):
    resp = admin.post(SETTINGS_ADD, settings_form(**values))
    assert resp.status_code == 200
    errors = resp.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert not FeedbackSettings.objects.exists()


def test_surveys_are_read_only_without_the_links_secret(admin, personas):
    t = file_error(personas.initiator)
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=personas.agent, transition_code=code, version=t.version, **kw)
    survey_answer(ticket=t, actor=personas.initiator, score=4, comment="Fine")
    survey = Survey.objects.get(ticket=t)
    listing = admin.get("/admin/feedback/survey/").content.decode()
    assert t.number in listing
    page = admin.get(f"/admin/feedback/survey/{survey.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Fine" in html and survey.token_nonce not in html
    assert 'name="score"' not in html  # nothing to edit
    assert admin.post(f"/admin/feedback/survey/{survey.pk}/change/", {"score": "1"}).status_code == 403
    assert admin.get("/admin/feedback/survey/add/").status_code == 403
    assert admin.post(f"/admin/feedback/survey/{survey.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Survey.objects.get(pk=survey.pk).score == 4


def test_the_confirmation_period_on_the_types_form(admin):
    rtype = RequestType.objects.get(code="error")
    url = f"/admin/catalog/requesttype/{rtype.pk}/change/"
    resp = admin.get(url)
    assert 'name="auto_confirm_days"' in resp.content.decode()
    data = admin_form_data(resp)
    data["auto_confirm_days"] = "3"
    assert admin.post(url, data).status_code == 302
    assert RequestType.objects.get(pk=rtype.pk).auto_confirm_days == 3
    data["auto_confirm_days"] = ""  # empty: waits for the initiator
    assert admin.post(url, data).status_code == 302
    assert RequestType.objects.get(pk=rtype.pk).auto_confirm_days is None
