"""SLA policies and escalation rules in the admin: targets inline with working time typed as people
say it, one default policy, and open requests marked for recomputation when a change commits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from otklik.accounts.models import SupportGroup
from otklik.catalog.models import Priority, RequestType
from otklik.core.clock import now
from otklik.sla.config import open_requests_concerned, sla_config_changed
from otklik.sla.models import Calendar, EscalationRule, Policy, Target
from otklik.sla.worktime import format_minutes, parse_minutes
from otklik.testing.adminforms import admin_form_data as form_data
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket

ADD_URL = "/admin/sla/policy/add/"
NOW = "2026-03-10T11:30:00+03:00"


def change_url(obj):
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def target_index(response, priority_code, metric):
    forms = response.context["inline_admin_formsets"][0].formset.forms
    return next(
        i for i, f in enumerate(forms) if f.instance.priority.code == priority_code and f.instance.metric == metric
    )


@pytest.fixture
def admin_client(personas, settings):
    settings.OTKLIK_NOW = NOW
    personas.admin.language = "en"  # the messages are asserted in English
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    return client


# --- working time as text -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("4h", 240), ("1h30m", 90), ("1h 30m", 90), ("1h30", 90), ("1:30", 90), ("45m", 45), ("45 min", 45)],
)
def test_working_time_is_typed_as_people_say_it(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize(("text", "minutes"), [("1.5h", 90), ("2,5h", 150), ("4ч 30м", 270), ("0", 0)])
def test_working_time_in_decimal_hours_and_russian_units(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "h", "1.01h", "4 hours later", "-5", "1:75"])
def test_nonsense_working_time_is_refused(text):
    with pytest.raises(ValueError):
        parse_minutes(text)


def test_working_time_is_shown_in_hours_and_minutes():
    assert [format_minutes(m) for m in (240, 90, 45, 0, None)] == ["4h", "1h 30m", "45m", "0", ""]


# --- policies -------------------------------------------------------------------------------
def test_policy_list_shows_order_default_and_target_count(admin_client):
    resp = admin_client.get("/admin/sla/policy/")
    assert resp.status_code == 200
    rows = list(resp.context["cl"].result_list)
    assert [p.code for p in rows] == ["errors", "requests", "wishes", "default"]  # by order
    assert [p.target_count for p in rows] == [12, 12, 12, 8]


def test_change_page_shows_targets_in_hours(admin_client):
    policy = Policy.objects.get(code="errors")
    resp = admin_client.get(change_url(policy))
    assert resp.status_code == 200
    text = resp.content.decode()
    assert 'value="4h"' in text and 'value="30m"' in text  # 4 h resolution of a critical error, 30 min reaction
    assert 'name="_preview"' in text  # the what-if button
    for name in ("request_types", "priorities", "categories", "organisations"):
        assert f'id="id_{name}"' in text and "selectfilter" in text


def test_add_a_policy_with_targets(admin_client):
    wish, high = RequestType.objects.get(code="wish"), Priority.objects.get(code="high")
    data = {
        "code": "vip-wishes",
        "name_ru": "Пожелания VIP",
        "name_en": "VIP wishes",
        "order": "5",
        "is_active": "on",
        "request_types": [str(wish.pk)],
        "priorities": [str(high.pk)],
        "targets-TOTAL_FORMS": "3",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-priority": str(high.pk),
        "targets-0-metric": "first_reaction",
        "targets-0-minutes": "1h30m",
        "targets-0-warning_percent": "75",
        "targets-1-priority": str(high.pk),
        "targets-1-metric": "resolution",
        "targets-1-minutes": "16h",
        "targets-1-warning_percent": "80",
        # the third, empty row is ignored
        "targets-2-warning_percent": "80",
    }
    resp = admin_client.post(ADD_URL, data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    policy = Policy.objects.get(code="vip-wishes")
    assert list(policy.request_types.all()) == [wish]
    assert sorted(policy.targets.values_list("metric", "minutes", "warning_percent")) == [
        ("first_reaction", 90, 75),
        ("resolution", 960, 80),
    ]
    assert not policy.is_default


def test_change_a_target_in_hours(admin_client):
    policy = Policy.objects.get(code="errors")
    page = admin_client.get(change_url(policy))
    data = form_data(page)
    data[f"targets-{target_index(page, 'normal', 'resolution')}-minutes"] = "20h 30m"
    resp = admin_client.post(change_url(policy), data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    assert Target.objects.get(policy=policy, priority__code="normal", metric="resolution").minutes == 20 * 60 + 30


def test_targets_are_typed_and_shown_in_russian(admin_client, personas):
    personas.admin.language = "ru"
    personas.admin.save()
    policy = Policy.objects.get(code="errors")
    page = admin_client.get(change_url(policy))
    text = page.content.decode()
    assert 'value="4 ч"' in text and 'value="30 мин"' in text
    data = form_data(page)  # the Russian values read back as they are
    data[f"targets-{target_index(page, 'normal', 'resolution')}-minutes"] = "1 д"
    data[f"targets-{target_index(page, 'normal', 'first_reaction')}-minutes"] = "1 ч 30 мин"
    data[f"targets-{target_index(page, 'high', 'first_reaction')}-minutes"] = "2 часа"
    resp = admin_client.post(change_url(policy), data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    minutes = {(t.priority.code, t.metric): t.minutes for t in policy.targets.select_related("priority")}
    assert minutes[("normal", "resolution")] == 480 and minutes[("normal", "first_reaction")] == 90
    assert minutes[("high", "first_reaction")] == 120 and minutes[("critical", "first_reaction")] == 30
    data[f"targets-{target_index(page, 'normal', 'resolution')}-minutes"] = "3 суток"
    resp = admin_client.post(change_url(policy), data)
    assert resp.status_code == 200
    assert "«суток» — не единица рабочего времени" in resp.content.decode()


def test_bad_working_time_and_duplicate_target_are_form_errors(admin_client):
    policy = Policy.objects.get(code="errors")
    page = admin_client.get(change_url(policy))
    data = form_data(page)
    data[f"targets-{target_index(page, 'normal', 'resolution')}-minutes"] = "soon"
    resp = admin_client.post(change_url(policy), data)
    assert resp.status_code == 200
    assert "“soon” is not working time: type e.g. 30 min, 1 h 30 min, 2 h, 1 d (eight working hours) or 1:30." in (
        resp.content.decode()
    )

    data = form_data(page)
    zero = target_index(page, "normal", "first_reaction")
    data[f"targets-{zero}-minutes"] = "0"
    resp = admin_client.post(change_url(policy), data)
    assert resp.status_code == 200 and "At least 1m." in resp.content.decode()

    data = form_data(page)
    total = int(data["targets-TOTAL_FORMS"])
    normal = Priority.objects.get(code="normal")
    data.update(
        {
            "targets-TOTAL_FORMS": str(total + 1),
            f"targets-{total}-priority": str(normal.pk),
            f"targets-{total}-metric": "resolution",
            f"targets-{total}-minutes": "3h",
            f"targets-{total}-warning_percent": "80",
        }
    )
    resp = admin_client.post(change_url(policy), data)
    assert resp.status_code == 200
    assert "Please correct the duplicate data" in resp.content.decode()
    assert Target.objects.get(policy=policy, priority=normal, metric="resolution").minutes == 24 * 60


def test_only_one_default_policy(admin_client):
    policy = Policy.objects.get(code="wishes")
    page = admin_client.get(change_url(policy))
    data = form_data(page)
    data["is_default"] = "on"
    resp = admin_client.post(change_url(policy), data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    assert list(Policy.objects.filter(is_default=True).values_list("code", flat=True)) == ["wishes"]


def test_the_default_policy_must_be_active(admin_client):
    policy = Policy.objects.get(code="default")
    page = admin_client.get(change_url(policy))
    data = form_data(page)
    data.pop("is_active")
    resp = admin_client.post(change_url(policy), data)
    assert resp.status_code == 200
    assert "The default policy must be active." in resp.content.decode()
    assert Policy.objects.get(pk=policy.pk).is_active


# --- escalation rules -----------------------------------------------------------------------
def test_escalation_rule_pages_render(admin_client, personas):
    rule = EscalationRule.objects.get(trigger="breach", level=2)
    resp = admin_client.get("/admin/sla/escalationrule/")
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "notify: the support managers" in text
    assert "every target" in text and "every policy" in text and "2h" in text
    resp = admin_client.get(change_url(rule))
    assert resp.status_code == 200
    text = resp.content.decode()
    assert 'id="id_notify_users"' in text and 'id="id_add_watchers"' in text  # filter_horizontal
    assert 'name="_preview"' not in text  # a rule moves no deadline: nothing to preview
    assert admin_client.get("/admin/sla/escalationrule/add/").status_code == 200


def test_add_an_escalation_rule(admin_client, personas):
    errors = Policy.objects.get(code="errors")
    critical = Priority.objects.get(code="critical")
    data = {
        "is_active": "on",
        "policy": str(errors.pk),
        "metric": "resolution",
        "trigger": "breach",
        "level": "3",
        "delay_minutes": "1h30m",
        "notify_group_lead": "on",
        "notify_users": [str(personas.manager.pk)],
        "raise_priority_to": str(critical.pk),
        "reassign_user": str(personas.agent2.pk),
        "add_watchers": [str(personas.lead.pk)],
    }
    resp = admin_client.post("/admin/sla/escalationrule/add/", data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    rule = EscalationRule.objects.get(level=3)
    assert (rule.delay_minutes, rule.raise_priority_to, rule.reassign_user) == (90, critical, personas.agent2)
    assert list(rule.notify_users.all()) == [personas.manager]
    text = admin_client.get("/admin/sla/escalationrule/").content.decode()
    assert "notify: the group lead, manager" in text
    assert "raise the priority to" in text and "add watchers: lead" in text


# --- marking open requests for recomputation ------------------------------------------------
@pytest.fixture
def requests_due_later(personas, settings):
    """Two open requests and a closed one, none due before tomorrow."""
    settings.OTKLIK_NOW = NOW
    file_error(personas.initiator)
    closed = file_error(personas.initiator2, subject="Closed one")
    Ticket.objects.filter(pk=closed.pk).update(is_open=False, sla_next_at=None)
    later = now() + dt.timedelta(days=1)
    Ticket.objects.filter(is_open=True).update(sla_next_at=later)
    return closed


def _marked() -> set[int]:
    return set(Ticket.objects.filter(sla_next_at__lte=now()).values_list("pk", flat=True))


def _open() -> set[int]:
    return set(Ticket.objects.filter(is_open=True).values_list("pk", flat=True))


def test_saving_a_policy_marks_every_open_request_after_commit(
    admin_client, requests_due_later, django_capture_on_commit_callbacks
):
    policy = Policy.objects.get(code="wishes")
    page = admin_client.get(change_url(policy))
    with django_capture_on_commit_callbacks() as pending:
        resp = admin_client.post(change_url(policy), form_data(page))
    assert resp.status_code == 302
    assert _marked() == set()  # not before the change commits: the worker must see the new rows
    for callback in pending:
        callback()
    assert _marked() == _open() and len(_open()) >= 2
    assert Ticket.objects.get(pk=requests_due_later.pk).sla_next_at is None  # closed: left alone


def test_deleting_a_policy_or_a_rule_marks_the_open_requests(
    admin_client, requests_due_later, django_capture_on_commit_callbacks
):
    rule = EscalationRule.objects.get(trigger="breach", level=2)
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client.post(f"/admin/sla/escalationrule/{rule.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 302 and not EscalationRule.objects.filter(pk=rule.pk).exists()
    assert _marked() == _open()

    Ticket.objects.filter(is_open=True).update(sla_next_at=now() + dt.timedelta(days=1))
    policy = Policy.objects.create(code="spare", name_ru="Запасная", name_en="Spare", order=500)
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client.post(
            "/admin/sla/policy/", {"action": "delete_selected", "_selected_action": [policy.pk], "post": "yes"}
        )
    assert resp.status_code == 302 and not Policy.objects.filter(pk=policy.pk).exists()
    assert _marked() == _open()


def test_saving_an_escalation_rule_marks_the_open_requests(
    admin_client, requests_due_later, django_capture_on_commit_callbacks
):
    rule = EscalationRule.objects.get(trigger="warning", level=1)
    page = admin_client.get(change_url(rule))
    data = form_data(page)
    data["delay_minutes"] = "15m"
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin_client.post(change_url(rule), data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    assert EscalationRule.objects.get(pk=rule.pk).delay_minutes == 15
    assert _marked() == _open()


def test_a_calendar_change_concerns_the_requests_on_that_calendar(requests_due_later, personas):
    """Requests with a clock on the calendar or in a group working by it; the fallback calendar concerns all."""
    moscow = Calendar.objects.get(code="moscow")
    branch = Calendar.objects.create(code="branch", name_ru="Филиал", name_en="Branch")
    assert set(open_requests_concerned(calendar_id=moscow.pk)) == set(Ticket.objects.filter(is_open=True))
    assert sla_config_changed(calendar_id=branch.pk) == 0  # nobody works by it

    first = Ticket.objects.filter(is_open=True).order_by("pk").first()
    SupportGroup.objects.filter(pk=first.group_id).update(calendar=branch)
    in_group = set(Ticket.objects.filter(is_open=True, group_id=first.group_id).values_list("pk", flat=True))
    assert sla_config_changed(calendar_id=branch.pk) == len(in_group)
    assert _marked() == in_group

    Ticket.objects.filter(is_open=True).update(sla_next_at=now() + dt.timedelta(days=1))
    SupportGroup.objects.filter(pk=first.group_id).update(calendar=moscow)
    first.sla_clocks.update(calendar=branch)  # a clock still on it, whatever the group says
    assert sla_config_changed(calendar_id=branch.pk) == 1
    assert _marked() == {first.pk}


def test_a_targets_row_title_reads_in_the_readers_language():
    """The inline row's title on the policy page: «Решение: 24 ч», not «решение: 1440 min»."""
    from django.utils import translation

    with translation.override("ru"):
        assert str(Target(metric="first_reaction", minutes=30)) == "Первая реакция: 30 мин"
        assert str(Target(metric="resolution", minutes=1440)) == "Решение: 24 ч"
    with translation.override("en"):
        assert str(Target(metric="resolution", minutes=90)) == "Resolution: 1h 30m"
