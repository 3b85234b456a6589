"""The regulation's complaints section: how to file, the route, the two targets in working time
from the feedback settings and the calendar they count in; a change of the complaint settings
publishes a new version, a change that shows nothing new publishes none.

The demo's settings: taken up within 4 working hours, answered within 24, in the default calendar
(the demo's Moscow five-day week)."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.feedback.models import FeedbackSettings
from otklik.regulation.build import regulation_content
from otklik.regulation.models import Version
from otklik.regulation.selectors import version_list
from otklik.sla.models import Calendar

pytestmark = pytest.mark.django_db


def complaints(content: dict) -> dict:
    (found,) = [s for s in content["sections"] if s["kind"] == "complaints"]
    return found


def test_the_section_says_how_the_route_and_the_targets(personas):
    s = complaints(regulation_content())
    assert "File a complaint" in s["body"]["en"] and "Подать рекламацию" in s["body"]["ru"]
    assert [r["state"] for r in s["route"]] == ["filed", "review", "upheld", "rejected"]
    assert s["route"][2]["name"] == {"ru": "Удовлетворена", "en": "Upheld"}
    assert [(t["code"], t["minutes"]) for t in s["targets"]] == [("reaction", 240), ("answer", 1440)]
    assert (s["calendar"]["code"], s["own_calendar"]) == ("moscow", None)  # the working hours show it
    assert s["calendar_text"]["en"] == "Working time by the calendar “Moscow, five-day week” (time zone MSK)."


def test_the_page_shows_it_in_either_language(personas):
    html = Client().get("/regulation?lang=en").content.decode()
    section = html[html.index('data-code="complaints"') :]
    section = section[: section.index("</section>")]
    assert "<strong>Taken under review</strong> — 4 h" in section
    assert "<strong>Answered</strong> — 24 h" in section
    assert "Under review" in section and "Moscow, five-day week" in section
    ru = Client().get("/regulation?lang=ru").content.decode()
    assert "<strong>Принятие к рассмотрению</strong> — 4 ч" in ru and "Подать рекламацию</a>" in ru
    markdown = Client().get("/regulation.md?lang=en").content.decode()
    assert "**Answered** — 24 h" in markdown


@pytest.mark.django_db(transaction=True)  # publication happens when the change commits
def test_a_change_of_the_complaint_settings_publishes_a_new_version(personas):
    before = Version.objects.order_by("-number").first()
    fs = FeedbackSettings.current()
    fs.complaint_answer_minutes = 16 * 60
    fs.save()
    latest = Version.objects.order_by("-number").first()
    assert latest.number == before.number + 1
    assert "feedback settings" in version_list("en")[0]["reason"]
    targets = complaints(latest.content)["targets"]
    assert [(t["code"], t["minutes"]) for t in targets] == [("reaction", 240), ("answer", 960)]

    # Saving again with nothing changed shows nothing new: nothing to publish.
    fs.save()
    assert Version.objects.order_by("-number").first().number == latest.number

    always = Calendar.objects.create(
        code="always", name_ru="Всегда", name_en="Always", week={"mon": [["00:00", "24:00"]]}
    )
    fs.complaint_calendar = always
    fs.save()
    newest = Version.objects.order_by("-number").first()
    assert newest.number == latest.number + 1
    section = complaints(newest.content)
    assert section["calendar"]["code"] == "always"
    # Not the working-hours section's calendar: its hours are shown here.
    assert [d["intervals"] for d in section["own_calendar"]["week"]][:2] == [[["00:00", "24:00"]], []]


def test_an_older_version_with_the_text_alone_still_renders(personas):
    from otklik.regulation.render import document

    old = {
        "sections": [
            {
                "kind": "complaints",
                "code": "complaints",
                "title": {"ru": "Р", "en": "C"},
                "body": {"ru": "т", "en": "t"},
            }
        ]
    }
    doc = document(old, "en")
    assert doc["sections"][0]["blocks"] == [{"type": "p", "text": "t"}]
