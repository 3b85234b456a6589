"""The regulation's section on confirming the resolution and rating the service: the confirmation
period of each type in working days, the satisfaction survey's terms; a change of either publishes
a new version of the regulation (the demo's configuration: Error, Wish, Request, 5 working days,
the link for 14 days, a reminder after 3, low at 2)."""

from __future__ import annotations

import pytest
from django.db import transaction

from otklik.catalog.models import RequestType
from otklik.feedback.models import FeedbackSettings
from otklik.regulation.build import regulation_content
from otklik.regulation.models import Version
from otklik.regulation.render import document, to_markdown
from otklik.regulation.selectors import version_list
from otklik.regulation.services import regulation_in_force, regulation_publish
from otklik.routes.models import Transition


def handling(content: dict) -> dict:
    (found,) = [s for s in content["sections"] if s["kind"] == "handling"]
    return found


def test_the_period_of_each_type_and_the_surveys_terms(personas):
    section = handling(regulation_content())
    assert [(t["type"], t["confirms"], t["days"]) for t in section["types"]] == [
        ("error", True, 5),
        ("wish", True, 5),
        ("request", True, 5),
    ]
    assert section["types"][0]["text"] == {"ru": "Ошибка: 5 рабочих дней", "en": "Error: 5 working days"}
    survey = section["survey"]
    assert (survey["enabled"], survey["valid_days"], survey["reminder_days"], survey["low_score"]) == (True, 14, 3, 2)
    assert "one reminder follows after 3 days" in survey["text"]["en"]
    assert "works without signing in, once, for 14 days" in survey["text"]["en"]
    assert "через 3 дня приходит одно напоминание" in survey["text"]["ru"]
    assert "Оценка 2 и ниже" in survey["text"]["ru"]


def test_types_that_wait_or_need_no_confirmation(personas):
    RequestType.objects.filter(code="wish").update(auto_confirm_days=None)
    RequestType.objects.filter(code="request").update(auto_confirm_days=1)
    Transition.objects.filter(route__code="error", code="confirm").delete()
    rows = {t["type"]: t for t in handling(regulation_content())["types"]}
    assert rows["error"]["text"]["en"] == "Error: the resolution needs no confirmation by the initiator"
    assert rows["wish"]["text"]["en"] == "Wish: the request waits for the initiator with no time limit"
    assert rows["request"]["text"] == {"ru": "Запрос: 1 рабочий день", "en": "Request: 1 working day"}


def test_surveys_off_or_without_reminder(personas):
    FeedbackSettings(survey_enabled=False).save()
    assert handling(regulation_content())["survey"] == {
        "enabled": False,
        "text": {
            "ru": "Оценка удовлетворённости сейчас не запрашивается.",
            "en": "Satisfaction ratings are not asked for at present.",
        },
    }
    FeedbackSettings(survey_enabled=True, survey_reminder_days=0, low_score_threshold=0).save()
    text = handling(regulation_content())["survey"]["text"]["en"]
    assert "reminder" not in text and "lead" not in text


def test_rendered_in_both_languages(personas):
    version = regulation_in_force()
    for lang, heading, words in (
        ("en", "Confirming the resolution and rating the service", "Error: 5 working days"),
        ("ru", "Подтверждение решения и оценка обслуживания", "Ошибка: 5 рабочих дней"),
    ):
        (section,) = [s for s in document(version.content, lang)["sections"] if s["code"] == "handling"]
        assert section["title"] == heading
        assert words in to_markdown(version.content, lang, version)


@pytest.mark.django_db(transaction=True)
def test_a_change_of_the_settings_or_a_period_publishes_a_new_version():
    from otklik.testing.personas import load_personas

    load_personas()
    regulation_publish(reason="start")
    start = Version.objects.count()

    with transaction.atomic():
        FeedbackSettings(survey_valid_days=10).save()
    assert Version.objects.count() == start + 1
    latest = Version.objects.order_by("-number").first()
    assert handling(latest.content)["survey"]["valid_days"] == 10
    assert "feedback settings" in version_list("en")[0]["reason"]

    with transaction.atomic():
        rtype = RequestType.objects.get(code="error")
        rtype.auto_confirm_days = 3
        rtype.save()
    assert Version.objects.count() == start + 2
    latest = Version.objects.order_by("-number").first()
    assert handling(latest.content)["types"][0]["days"] == 3

    # Saving the settings unchanged publishes nothing.
    with transaction.atomic():
        FeedbackSettings.current().save()
    assert Version.objects.count() == start + 2
