"""A new route gets its points and transitions in one save: a transition names its points by code,
found among the points of the same form; a renamed point keeps its transitions; a code that names
no point, a point being deleted or the same transition code twice from a point are refused."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.routes.models import Route, Transition
from otklik.testing.adminforms import admin_form_data

ADD = "/admin/routes/route/add/"
POINTS = [
    ("new", "Новое", "New", "new", True),
    ("work", "В работе", "In work", "in_work", False),
    ("done", "Решено", "Resolved", "closed", False),
]


@pytest.fixture
def admin(personas):
    personas.admin.language = "en"
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    return client


def route_post(transitions, *, active=True, points=POINTS):
    data = {
        "code": "simple",
        "name_ru": "Простой",
        "name_en": "Simple",
        "points-TOTAL_FORMS": str(len(points)),
        "points-INITIAL_FORMS": "0",
        "points-MIN_NUM_FORMS": "0",
        "points-MAX_NUM_FORMS": "1000",
        "transitions-TOTAL_FORMS": str(len(transitions)),
        "transitions-INITIAL_FORMS": "0",
        "transitions-MIN_NUM_FORMS": "0",
        "transitions-MAX_NUM_FORMS": "1000",
    }
    if active:
        data["is_active"] = "on"
    for i, (code, ru, en, kind, start) in enumerate(points):
        data.update(
            {
                f"points-{i}-code": code,
                f"points-{i}-name_ru": ru,
                f"points-{i}-name_en": en,
                f"points-{i}-kind": kind,
                f"points-{i}-clock": "runs",
                f"points-{i}-order": str(i),
            }
        )
        if start:
            data[f"points-{i}-is_start"] = "on"
    for i, (code, source, target) in enumerate(transitions):
        data.update(
            {
                f"transitions-{i}-code": code,
                f"transitions-{i}-label_ru": code,
                f"transitions-{i}-label_en": code.title(),
                f"transitions-{i}-source": source,
                f"transitions-{i}-target": target,
                f"transitions-{i}-by_group_member": "on",
                f"transitions-{i}-executor_on_arrival": "keep",
                f"transitions-{i}-order": str(i),
            }
        )
    return data


def test_the_add_page_offers_empty_points_and_code_fields(admin):
    page = admin.get(ADD)
    assert page.status_code == 200
    assert page.context["inline_admin_formsets"][0].formset.total_form_count() == 3
    text = page.content.decode()
    assert 'list="route-point-codes"' in text and '<datalist id="route-point-codes">' in text


def test_a_new_active_route_with_its_transitions_in_one_save(admin):
    resp = admin.post(ADD, route_post([("take", "new", "work"), ("finish", "work", "done")]))
    assert resp.status_code == 302, resp.content.decode()[:4000]
    route = Route.objects.get(code="simple")
    assert route.is_active and route.problems() == []
    assert sorted((t.code, t.source.code, t.target.code) for t in route.transitions.all()) == [
        ("finish", "work", "done"),
        ("take", "new", "work"),
    ]
    assert all(t.source.route_id == route.pk == t.target.route_id for t in route.transitions.all())


def test_an_unknown_code_is_refused_and_named(admin):
    resp = admin.post(ADD, route_post([("take", "new", "wrok"), ("finish", "work", "done")]))
    assert resp.status_code == 200
    assert "No point with the code “wrok” in this route." in resp.content.decode()
    assert not Route.objects.filter(code="simple").exists()


def test_the_same_transition_code_twice_from_a_point_is_refused(admin):
    resp = admin.post(ADD, route_post([("go", "new", "work"), ("go", "new", "done"), ("end", "work", "done")]))
    assert resp.status_code == 200
    assert "Another transition from “new” has the code “go”." in resp.content.decode()
    resp = admin.post(ADD, route_post([("go", "new", "work"), ("go", "new", "done")], active=False))
    assert resp.status_code == 200  # a draft too: the database would refuse it
    assert not Route.objects.filter(code="simple").exists()


def test_an_unsound_new_route_is_refused_as_before(admin):
    resp = admin.post(ADD, route_post([("take", "new", "work")]))
    assert resp.status_code == 200
    assert "points from which no final point can be reached: new, work" in resp.content.decode()
    resp = admin.post(ADD, route_post([("take", "new", "work")], active=False))
    assert resp.status_code == 302  # a draft may be unfinished


def change_url(route):
    return f"/admin/routes/route/{route.pk}/change/"


def test_a_point_renamed_in_the_same_form_keeps_its_transitions(admin):
    admin.post(ADD, route_post([("take", "new", "work"), ("finish", "work", "done")]))
    route = Route.objects.get(code="simple")
    page = admin.get(change_url(route))
    data = admin_form_data(page)
    points = page.context["inline_admin_formsets"][0].formset.forms
    i = next(i for i, f in enumerate(points) if f.instance.code == "work")
    data[f"points-{i}-code"] = "busy"
    # A new transition may name the point by its new code.
    transitions = page.context["inline_admin_formsets"][1].formset
    n = transitions.total_form_count()
    data.update(
        {
            "transitions-TOTAL_FORMS": str(n + 1),
            f"transitions-{n}-code": "back",
            f"transitions-{n}-label_ru": "Назад",
            f"transitions-{n}-label_en": "Back",
            f"transitions-{n}-source": "busy",
            f"transitions-{n}-target": "new",
            f"transitions-{n}-by_manager": "on",
            f"transitions-{n}-executor_on_arrival": "keep",
            f"transitions-{n}-order": "9",
        }
    )
    resp = admin.post(change_url(route), data)
    assert resp.status_code == 302, resp.content.decode()[:4000]
    assert sorted((t.code, t.source.code, t.target.code) for t in Transition.objects.filter(route=route)) == [
        ("back", "busy", "new"),
        ("finish", "busy", "done"),
        ("take", "new", "busy"),
    ]


def test_a_transition_to_a_point_being_deleted_is_refused(admin):
    admin.post(ADD, route_post([("take", "new", "work"), ("finish", "work", "done")], active=False))
    route = Route.objects.get(code="simple")
    page = admin.get(change_url(route))
    data = admin_form_data(page)
    points = page.context["inline_admin_formsets"][0].formset.forms
    i = next(i for i, f in enumerate(points) if f.instance.code == "work")
    data[f"points-{i}-DELETE"] = "on"
    resp = admin.post(change_url(route), data)
    assert resp.status_code == 200
    assert "The point “work” is being deleted." in resp.content.decode()
    assert route.points.filter(code="work").exists()


def test_existing_transitions_show_their_points_codes(admin):
    route = Route.objects.get(code="error")
    page = admin.get(change_url(route))
    forms = page.context["inline_admin_formsets"][1].formset.forms
    accept = next(f for f in forms if f.instance.code == "accept")
    assert (accept["source"].value(), accept["target"].value()) == ("new", "accepted")
    assert '<option value="accepted" label="' in page.content.decode()  # the code, offered by its name
