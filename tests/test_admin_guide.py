"""The admin as a guide: its sections in the order a help desk is set up, settings of one row opened
straight away and never added twice, and the way to it from the pages' header only for those who
may use it."""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Permission
from django.test import Client

from otklik.feedback.models import FeedbackSettings
from otklik.quality.models import QualityWeights
from otklik.regulation.models import RegulationSettings
from otklik.runtime.admin_site import SETUP_ORDER

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_en(personas) -> Client:
    personas.admin.language = "en"
    personas.admin.save()
    return client_for(personas.admin)


def test_sections_come_in_the_order_of_set_up(admin_en):
    apps = admin_en.get("/admin/").context["app_list"]
    labels = [app["app_label"] for app in apps]
    assert labels == [label for label in SETUP_ORDER if label in labels]
    assert labels[:6] == ["accounts", "routes", "catalog", "sla", "notify", "feedback"]
    assert labels.index("quality") < labels.index("tickets")
    models = {app["app_label"]: [m["object_name"] for m in app["models"]] for app in apps}
    # The calendars before the groups that name one (an SLA model, listed with the groups).
    assert models["accounts"] == ["Organisation", "User", "Calendar", "SupportGroup", "ApiToken"]
    assert models["sla"] == ["Policy", "EscalationRule"]
    assert models["notify"][:3] == ["Carrier", "Rule", "Template"]


def test_whatever_a_form_refers_to_is_listed_before_it(admin_en):
    """Each model's foreign keys among the listed models point to a model listed before it (or to
    itself): the index can be filled in from the top."""
    apps = admin_en.get("/admin/").context["app_list"]
    listed = [m["model"] for app in apps for m in app["models"]]
    setup = listed[: listed.index(next(m for m in listed if m._meta.label == "regulation.Version"))]
    for position, model in enumerate(setup):
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            if field.auto_created or not (field.many_to_one or field.many_to_many) or target is None:
                continue
            if target in setup and target is not model:
                assert setup.index(target) < position, f"{model._meta.label}.{field.name} → {target._meta.label}"


def test_the_side_bar_and_a_section_page_keep_the_order(admin_en):
    page = admin_en.get("/admin/sla/")
    assert [m["object_name"] for m in page.context["app_list"][0]["models"]] == ["Policy", "EscalationRule"]
    people = admin_en.get("/admin/accounts/").context["app_list"]
    assert [m["object_name"] for m in people[0]["models"]][2:4] == ["Calendar", "SupportGroup"]
    side = admin_en.get("/admin/sla/calendar/").context["available_apps"]
    assert [a["app_label"] for a in side][:4] == ["accounts", "routes", "catalog", "sla"]


@pytest.mark.parametrize(
    ("model", "url"),
    [
        (FeedbackSettings, "/admin/feedback/feedbacksettings/"),
        (QualityWeights, "/admin/quality/qualityweights/"),
        (RegulationSettings, "/admin/regulation/regulationsettings/"),
    ],
)
def test_a_singleton_opens_its_row_and_offers_no_add_once_it_exists(admin_en, model, url):
    model.objects.all().delete()
    # Before the row is written (the demo's case: the defaults apply) the index offers no «Add»
    # either: the name opens the list, which opens the form that makes the row.
    index = admin_en.get("/admin/").context["app_list"]
    entry = next(m for app in index for m in app["models"] if m["object_name"] == model.__name__)
    assert entry["add_url"] is None and entry["admin_url"] == url
    resp = admin_en.get(url)
    assert resp.status_code == 302 and resp["Location"] == f"{url}add/"  # no row yet: the form that makes it
    assert admin_en.get(resp["Location"]).status_code == 200
    model(pk=1).save()
    resp = admin_en.get(url)
    assert resp.status_code == 302 and resp["Location"] == f"{url}1/change/"
    page = admin_en.get(resp["Location"])
    assert page.status_code == 200
    assert page.context["has_add_permission"] is False and page.context["has_delete_permission"] is False
    assert admin_en.get(f"{url}add/").status_code == 403
    index = admin_en.get("/admin/").context["app_list"]
    entry = next(m for app in index for m in app["models"] if m["object_name"] == model.__name__)
    assert entry["add_url"] is None  # no «Add» beside it on the index


@pytest.mark.parametrize("model", [FeedbackSettings, QualityWeights, RegulationSettings])
def test_a_singleton_in_the_side_bar_costs_no_query(personas, rf, model, django_assert_num_queries):
    """Every admin page lists the models in its side bar: a singleton's entry does not read its row."""
    request = rf.get("/admin/")
    request.user = personas.admin
    model_admin = django_admin.site._registry[model]
    with django_assert_num_queries(0):
        perms = model_admin.get_model_perms(request)
    assert perms == {"add": False, "change": True, "delete": False, "view": True}


def test_a_singleton_is_not_opened_for_one_who_may_not_see_it(personas, django_user_model):
    FeedbackSettings(pk=1).save()
    staff = django_user_model.objects.create_user("stas", password="pw", is_staff=True, language="en")
    staff.user_permissions.add(Permission.objects.get(codename="view_survey"))
    resp = client_for(staff).get("/admin/feedback/feedbacksettings/")
    assert resp.status_code == 403


# --- the way to the admin from the pages ------------------------------------------------------
def test_the_header_links_to_the_admin_for_the_administrator(admin_en):
    page = admin_en.get("/inbox").content.decode()
    assert 'class="admin-link" href="/admin/"' in page
    assert ">Administration</a>" in page


@pytest.mark.parametrize("who", ["initiator", "agent", "lead", "manager"])
def test_the_header_has_no_admin_link_for_others(personas, who):
    page = client_for(getattr(personas, who)).get("/inbox").content.decode()
    assert "admin-link" not in page and 'href="/admin/"' not in page


def test_staff_with_an_admin_permission_get_the_link_staff_without_do_not(personas):
    agent = personas.agent
    agent.is_staff = True
    agent.save()
    assert "admin-link" not in client_for(agent).get("/inbox").content.decode()  # staff, but no permission
    agent.user_permissions.add(Permission.objects.get(codename="change_calendar"))
    agent = type(agent).objects.get(pk=agent.pk)  # the permissions are cached on the object
    page = client_for(agent).get("/inbox").content.decode()
    assert 'class="admin-link" href="/admin/"' in page


def test_the_link_speaks_russian(personas):
    personas.admin.language = "ru"
    personas.admin.save()
    page = client_for(personas.admin).get("/inbox").content.decode()
    assert ">Администрирование</a>" in page


def test_a_model_with_nothing_to_edit_is_offered_for_viewing(admin_en):
    """A log or a record the help desk writes itself (notifications, regulation versions,
    requests, complaints, surveys…): when its form has no field to edit and no inline to add to,
    its admin grants no change permission, so the index offers «View», not «Change»."""
    request = admin_en.get("/admin/").wsgi_request
    read_only = []
    for model, model_admin in django_admin.site._registry.items():
        obj = model._default_manager.first()
        editable = set(model_admin.get_fields(request, obj)) - set(model_admin.get_readonly_fields(request, obj))
        inlines = [
            i
            for i in model_admin.get_inline_instances(request, obj)
            if i.has_add_permission(request, obj) or i.has_change_permission(request, obj)
        ]
        if not editable and not inlines:
            read_only.append(model)
            assert not model_admin.has_change_permission(request, obj), model._meta.label
    labels = {model._meta.label for model in read_only}
    assert {"notify.Notification", "regulation.Version", "tickets.Ticket", "complaints.Complaint"} <= labels
    index = {m["object_name"]: m for app in admin_en.get("/admin/").context["app_list"] for m in app["models"]}
    assert index["Notification"]["view_only"] is True
    assert ">View<" in admin_en.get("/admin/").content.decode()


def test_the_planned_changes_are_explained_once_and_briefly(admin_en):
    """The regulation settings' «Planned changes»: one short help text by the field, not a fieldset
    description that says it again."""
    RegulationSettings.objects.all().delete()
    RegulationSettings(pk=1).save()
    page = admin_en.get("/admin/regulation/regulationsettings/1/change/")
    fieldset = next(f for f in page.context["adminform"] if "changes_effective_at" in f.fields)
    assert str(fieldset.name) == "Planned changes" and not fieldset.description
    help_text = str(RegulationSettings._meta.get_field("changes_effective_at").help_text)
    assert len(help_text) < 240  # it was 470, with a 450-character description beside it
    text = page.content.decode()
    assert text.count("everyone is told") == 1
