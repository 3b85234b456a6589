"""The settings page: Ivan picks his language and time zone, which notifications reach him where,
and his quiet hours and digest; mistakes are named next to their field and nothing is half-saved."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.accounts.models import SupportGroup, User
from otklik.notify.models import Preference, Rule, Schedule
from otklik.notify.preferences import preferences_of, schedule_of, standing_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ivan(personas):
    # The pages in English, so Django's own messages read as the assertions expect.
    personas.initiator.language = "en"
    personas.initiator.save(update_fields=["language"])
    client = Client()
    client.force_login(personas.initiator)
    return client


def staff(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def enabled(user_id: int) -> dict[tuple[str, str], bool]:
    return {(e["event"], c["channel"]): c["enabled"] for e in preferences_of(user_id) for c in e["channels"]}


def form_of(client: Client) -> dict[str, str]:
    """What the browser would send back untouched: every field's value and the checked boxes."""
    text = html(client.get("/settings"))
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", text):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or " disabled" in tag:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                data[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', text, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_settings_need_a_session(personas):
    assert Client().get("/settings")["Location"].startswith("/login?next=/settings")


def test_every_control_is_labelled_and_mandatory_ones_are_disabled_with_a_note(ivan, personas):
    page = ivan.get("/settings")
    assert page.status_code == 200
    text = html(page)
    ids = re.findall(r'<(?:input|select)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', text)
    assert len(ids) > 30
    for control in ids:
        assert f'<label for="{control}"' in text, control
    # The lead's page: escalations are mandatory (in-app and e-mail): checked, disabled, and saying why.
    text = html(staff(personas.lead).get("/settings"))
    box = re.search(r'<input[^>]*id="pref-sla_escalated-email"[^>]*>', text).group(0)
    assert " checked" in box and " disabled" in box and 'aria-describedby="pref-sla_escalated-email-note"' in box
    assert 'id="pref-sla_escalated-email-note">mandatory<' in text
    # The calendar task is the task event's only channel.
    assert 'id="pref-task-task"' in text and 'id="pref-ticket_comment-task"' not in text


def test_saving_changes_only_what_was_touched(ivan, personas):
    uid = personas.initiator.pk
    User.objects.filter(pk=uid).update(language="ru")
    before = enabled(uid)
    assert before[("ticket_comment", "email")] and not before[("ticket_comment", "sms")]
    data = form_of(ivan)
    del data["pref-ticket_comment-email"]
    data["pref-ticket_comment-sms"] = "on"
    data.update(language="en", time_zone="Asia/Yekaterinburg", quiet_start="22:00", quiet_end="07:30")
    data.update(digest="daily", digest_time="08:15")
    r = ivan.post("/settings", data)
    assert (r.status_code, r["Location"]) == (302, "/settings")
    assert r.cookies["django_language"].value == "en"
    after = enabled(uid)
    assert not after[("ticket_comment", "email")] and after[("ticket_comment", "sms")]
    assert {k: v for k, v in after.items() if k[0] != "ticket_comment"} == {
        k: v for k, v in before.items() if k[0] != "ticket_comment"
    }
    # Untouched choices keep following the rules: no row written for them.
    assert set(Preference.objects.filter(user_id=uid).values_list("event", "channel", "enabled")) == {
        ("ticket_comment", "email", False),
        ("ticket_comment", "sms", True),
    }
    assert schedule_of(uid) == {
        "quiet_start": "22:00",
        "quiet_end": "07:30",
        "digest": "daily",
        "digest_time": "08:15",
        "task_form": "todo",  # an initiator holds no calendar tasks: the form is not asked
    }
    user = User.objects.get(pk=uid)
    assert (user.language, user.time_zone) == ("en", "Asia/Yekaterinburg")
    page = html(ivan.get("/settings"))
    assert '<html lang="en">' in page and "Settings saved." in page
    assert re.search(r'<option value="Asia/Yekaterinburg"[^>]*selected', page)
    assert 'value="22:00"' in page and 'value="08:15"' in page


def test_a_mandatory_channel_stays_on_whatever_is_posted(personas):
    lead = staff(personas.lead)
    data = form_of(lead)
    assert "pref-sla_escalated-email" not in data  # disabled boxes are not sent
    assert lead.post("/settings", data).status_code == 302
    assert enabled(personas.lead.pk)[("sla_escalated", "email")]
    assert not Preference.objects.filter(user=personas.lead).exists()


def events_on_the_page(client: Client) -> set[str]:
    return set(re.findall(r'id="pref-([a-z_]+)-inapp"', html(client.get("/settings"))))


def test_the_matrix_shows_each_person_only_the_events_that_can_reach_them(ivan, personas):
    initiator_events = {
        "ticket_moved",
        "ticket_comment",
        "ticket_changed",
        "login_summary",
        "survey_requested",
        "survey_reminded",
        "complaint_review",
        "complaint_answered",
        "regulation_scheduled",  # the regulation's notices reach everyone
        "regulation_in_force",
    }
    assert events_on_the_page(ivan) == initiator_events
    assert "pref-task-task" not in html(ivan.get("/settings"))
    agent = events_on_the_page(staff(personas.agent))  # a member of first line, not its lead
    assert {"ticket_created", "ticket_assigned", "ticket_note", "sla_warned", "sla_escalated"} <= agent
    assert not agent & {"survey_low_score", "complaint_filed", "quality_monthly", "complaint_overdue"}
    lead = events_on_the_page(staff(personas.lead))
    assert {"survey_low_score", "complaint_filed", "quality_monthly"} <= lead
    manager = events_on_the_page(staff(personas.manager))
    assert {"complaint_filed", "complaint_overdue", "quality_monthly"} <= manager
    # A rule naming initiators by their role brings the event to Ivan's page; disabling every rule
    # of an event takes it off everyone's.
    Rule.objects.create(name="warn initiators", event="sla_warned", roles=["initiator"], channels=["inapp"])
    assert "sla_warned" in events_on_the_page(ivan)
    for rule in Rule.objects.filter(event="ticket_note"):  # saved one by one: the rules' cache hears of it
        rule.enabled = False
        rule.save()
    assert "ticket_note" not in events_on_the_page(staff(personas.agent))


def test_saving_leaves_the_events_not_shown_alone(ivan, personas):
    uid = personas.initiator.pk
    Preference.objects.create(user_id=uid, event="sla_escalated", channel="email", enabled=True)
    data = form_of(ivan)
    assert ivan.post("/settings", data).status_code == 302
    assert set(Preference.objects.filter(user_id=uid).values_list("event", "channel", "enabled")) == {
        ("sla_escalated", "email", True)
    }


def test_times_show_in_the_chosen_zone_and_any_zone_can_be_typed(ivan, personas, settings):
    settings.DEBUG = True
    settings.OTKLIK_NOW = "2025-03-01T09:30:00+00:00"
    data = form_of(ivan)
    data.update(time_zone="other", time_zone_other="America/Sao_Paulo")
    assert ivan.post("/settings", data).status_code == 302
    assert User.objects.get(pk=personas.initiator.pk).time_zone == "America/Sao_Paulo"
    page = html(ivan.get("/settings"))
    assert "1 Mar 2025, 06:30" in page  # UTC-3
    assert re.search(r'<option value="other"[^>]*selected', page)
    assert 'value="America/Sao_Paulo"' in page
    # The list shows each zone's offset.
    assert "Vladivostok (UTC+10:00)" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"time_zone": "other", "time_zone_other": "Mars/Olympus"}, "time_zone_other", "There is no time zone"),
        ({"time_zone": "other", "time_zone_other": ""}, "time_zone_other", "Type the time zone"),
        ({"time_zone": "Europe/Moscow", "time_zone_other": "Asia/Almaty"}, "time_zone_other", "Choose “Other”"),
        ({"time_zone": "Nowhere/City"}, "time_zone", "Select a valid choice"),
        ({"quiet_start": "22:00", "quiet_end": ""}, "quiet_end", "both ends"),
        ({"quiet_start": "", "quiet_end": "07:00"}, "quiet_start", "both ends"),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "quiet_end", "cannot end when they start"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start", "Enter a valid time"),
        ({"digest": "weekly"}, "digest", "Select a valid choice"),
        ({"language": "de"}, "language", "Select a valid choice"),
    ],
)
def test_mistakes_are_named_next_to_their_field_and_nothing_is_saved(ivan, personas, changes, field, message):
    data = form_of(ivan)
    data.pop("pref-ticket_comment-email")
    data.update(changes)
    r = ivan.post("/settings", data)
    assert r.status_code == 400
    text = html(r)
    error = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', text, re.S)
    assert error and message in error.group(1), text
    assert re.search(rf'<[^>]*aria-invalid="true"[^>]*id="id_{field}"', text)
    assert 'role="alert"' in text
    # What was sent is shown again, including the box Ivan cleared.
    assert " checked" not in re.search(r'<input[^>]*id="pref-ticket_comment-email"[^>]*>', text).group(0)
    user = User.objects.get(pk=personas.initiator.pk)
    assert (user.language, user.time_zone) == ("en", "Europe/Moscow")
    assert not Preference.objects.filter(user=personas.initiator).exists()
    assert not Schedule.objects.filter(user=personas.initiator).exists()


def test_the_form_needs_its_csrf_token(personas):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.initiator)
    assert browser.post("/settings", {"language": "en"}).status_code == 403
    assert 'name="csrfmiddlewaretoken"' in html(browser.get("/settings"))


def test_the_page_costs_a_fixed_number_of_queries(ivan):
    ivan.get("/settings")
    with CaptureQueriesContext(connection) as queries:
        assert ivan.get("/settings").status_code == 200
    assert len(queries) <= 8, [q["sql"] for q in queries]


def test_a_refusal_from_the_services_is_shown_at_its_field_and_rolls_everything_back(ivan, personas, monkeypatch):
    from otklik.core.errors import Invalid, unknown
    from otklik.web.views import settings as view

    def refuse(**_):
        raise Invalid("unknown digest", errors=[unknown("digest")])

    monkeypatch.setattr(view, "schedule_set", refuse)
    data = form_of(ivan)
    data.pop("pref-ticket_comment-email")
    data.update(time_zone="Asia/Omsk")
    r = ivan.post("/settings", data)
    assert r.status_code == 400
    assert re.search(r'<ul class="errorlist" id="id_digest_error"><li>unknown</li></ul>', html(r))
    assert User.objects.get(pk=personas.initiator.pk).time_zone == "Europe/Moscow"
    assert not Preference.objects.filter(user=personas.initiator).exists()
    assert ivan.put("/settings").status_code == 405


def test_a_lead_counts_as_dispatcher_only_where_the_group_has_none(personas, django_assert_num_queries):
    """The matrix offers a dispatcher's events to whoever the directory tells of a group's new
    requests: a group's own dispatcher, else its first lead; a lead of a group with a dispatcher
    receives nothing as one."""
    assert standing_of(personas.lead).dispatcher  # first line has no dispatcher: its lead is told
    assert standing_of(personas.agent2).dispatcher  # second line's own dispatcher
    assert not standing_of(personas.agent).dispatcher
    first = SupportGroup.objects.get(code="first-line")
    first.dispatcher = personas.agent
    first.save()
    lead, agent = standing_of(personas.lead), standing_of(personas.agent)
    assert lead.lead and not lead.dispatcher
    assert agent.dispatcher
    with django_assert_num_queries(0):  # from the directory snapshot
        standing_of(personas.lead)


def test_time_zones_are_offered_by_their_cities_in_the_readers_language(ivan, personas):
    page = html(ivan.get("/settings"))
    assert ">Moscow (UTC+03:00)</option>" in page and 'value="Europe/Moscow"' in page
    assert "Europe/Moscow (" not in page  # the IANA name is the value, not what a person reads
    personas.agent.language = "ru"
    personas.agent.save(update_fields=["language"])
    russian = Client()
    russian.force_login(personas.agent)
    page = html(russian.get("/settings"))
    assert ">Москва (UTC+03:00)</option>" in page and ">Екатеринбург (UTC+05:00)</option>" in page
