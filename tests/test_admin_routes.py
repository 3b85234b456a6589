"""Route editing in the admin: an active route that would become unsound is refused, problem named."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.routes.models import PointKind, Route, RoutePoint, Transition
from otklik.testing.adminforms import admin_form_data as _form_data


@pytest.fixture
def admin_client_en(personas):
    # The messages are asserted in English; test_i18n checks the Russian admin.
    personas.admin.language = "en"
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    return client


def _change_url(route):
    return f"/admin/routes/route/{route.pk}/change/"


def test_unchanged_route_saves(admin_client_en):
    route = Route.objects.get(code="error")
    page = admin_client_en.get(_change_url(route))
    resp = admin_client_en.post(_change_url(route), _form_data(page))
    assert resp.status_code == 302, resp.content.decode()[:2000]


def test_transition_without_actor_is_refused_and_named(admin_client_en):
    route = Route.objects.get(code="error")
    page = admin_client_en.get(_change_url(route))
    data = _form_data(page)
    accept = Transition.objects.get(route=route, code="accept")
    index = next(
        i for i, f in enumerate(page.context["inline_admin_formsets"][1].formset.forms) if f.instance.pk == accept.pk
    )
    for flag in ("by_initiator", "by_executor", "by_group_member", "by_group_lead", "by_manager"):
        data.pop(f"transitions-{index}-{flag}", None)

    resp = admin_client_en.post(_change_url(route), data)

    assert resp.status_code == 200
    text = resp.content.decode()
    assert "transition &#x27;accept&#x27; (new → accepted) names nobody who may take it" in text
    accept.refresh_from_db()
    assert accept.actors() == ("group_member", "group_lead", "manager")


def test_deleting_the_only_way_out_is_refused(admin_client_en):
    route = Route.objects.get(code="request")
    page = admin_client_en.get(_change_url(route))
    data = _form_data(page)
    forms = page.context["inline_admin_formsets"][1].formset.forms
    for i, f in enumerate(forms):
        if f.instance.code in ("provide", "resume"):
            data[f"transitions-{i}-DELETE"] = "on"

    resp = admin_client_en.post(_change_url(route), data)

    assert resp.status_code == 200
    assert "points from which no final point can be reached: waiting" in resp.content.decode()
    assert Transition.objects.filter(route=route, code="provide").exists()


def test_a_draft_route_may_be_incomplete(admin_client_en):
    route = Route.objects.create(code="draft", name_ru="Черновик", name_en="Draft")
    page = admin_client_en.get(_change_url(route))
    data = _form_data(page)
    data.update(
        {
            "points-TOTAL_FORMS": "1",
            "points-0-code": "new",
            "points-0-name_ru": "Новая",
            "points-0-name_en": "New",
            "points-0-kind": "new",
            "points-0-clock": "runs",
            "points-0-order": "0",
        }
    )
    resp = admin_client_en.post(_change_url(route), data)
    assert resp.status_code == 302
    assert route.points.count() == 1
    assert route.problems()  # a draft may be unsound …
    assert not Route.objects.get(pk=route.pk).is_active  # … because it is not active


def test_a_route_in_use_cannot_become_a_draft(admin_client_en):
    route = Route.objects.get(code="error")
    page = admin_client_en.get(_change_url(route))
    data = _form_data(page)
    data.pop("is_active")
    resp = admin_client_en.post(_change_url(route), data)
    assert resp.status_code == 200
    assert "serves the request types error and must stay active" in resp.content.decode()
    assert Route.objects.get(pk=route.pk).is_active


def test_copy_as_draft_copies_points_and_transitions(admin_client_en):
    route = Route.objects.get(code="wish")
    resp = admin_client_en.post("/admin/routes/route/", {"action": "copy_as_draft", "_selected_action": [route.pk]})
    assert resp.status_code == 302
    copy = Route.objects.get(code="wish-draft")
    assert not copy.is_active and copy.problems() == []
    assert sorted(copy.points.values_list("code", flat=True)) == sorted(route.points.values_list("code", flat=True))
    assert copy.transitions.count() == route.transitions.count() == 11
    assert copy.out_of_scope_point.code == "out_of_scope" and copy.out_of_scope_point.route_id == copy.pk


def test_transitions_are_titled_by_their_labels_and_points_names(personas):
    """A transition's row and the «on the initiator's reply» choices read as the reader sees them
    («Принять: Новая → Принята»), not as codes, and no «Переход:» before the title doubles the colon."""
    import re

    from django.utils import translation

    personas.admin.language = "ru"
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    route = Route.objects.get(code="error")
    accept = Transition.objects.select_related("source", "target").get(route=route, code="accept")
    with translation.override("ru"):
        title = f"{accept.label}: {accept.source.name} → {accept.target.name}"
    assert title == "Принять: Новая → Принята"
    page = client.get(_change_url(route), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert f'<span class="inline_label">{title}' in page
    assert not re.search(r"Переход:</b>\s*<span class=\"inline_label\">\w", page)
    assert "accept: new → accepted" not in page
    assert f">{title}</option>" in page  # a choice of the waiting point's «on the reply, take»


def test_the_route_page_reads_a_fixed_number_of_queries_however_many_points(admin_client_en):
    """Each point's on-reply list and each transition's title (its two points' names) come from reads
    made once for the page, not a query per row."""
    route = Route.objects.get(code="error")
    admin_client_en.get(_change_url(route))  # warm the caches
    counts = []
    for extra in (0, 3):
        start = RoutePoint.objects.filter(route=route).count()
        for i in range(extra):
            point = RoutePoint.objects.create(
                route=route,
                code=f"extra{i}",
                name_en=f"Extra {i}",
                name_ru=f"Доп. {i}",
                kind=PointKind.IN_WORK,
                order=90 + i,
            )
            Transition.objects.create(
                route=route,
                code=f"to_extra{i}",
                label_en="On",
                label_ru="Дальше",
                source=point,
                target=point,
                by_manager=True,
            )
        assert RoutePoint.objects.filter(route=route).count() == start + extra
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client_en.get(_change_url(route)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_the_points_are_offered_by_name_not_by_code(admin_client_en):
    """The administrator reads the points' names: in the out-of-scope list, in the list the
    transitions' "from" and "to" offer (the field still takes the code), and wherever a point is
    named (its str)."""
    route = Route.objects.get(code="error")
    points = list(route.points.all())
    page = admin_client_en.get(_change_url(route))
    text = page.content.decode()
    for point in points:
        assert point.name != point.code
        assert f'<option value="{point.code}" label="{point.name}">' in text
        assert str(point) == point.name
    options = re.findall(r"<option[^>]*>[^<]*</option>", text)
    assert not [o for o in options if any(f"[{p.code}]" in o for p in points)]
    field = page.context["adminform"].form.fields["out_of_scope_point"]
    assert sorted(label for value, label in field.choices if value) == sorted(p.name for p in points)


def test_two_points_of_one_name_are_told_apart_by_code(admin_client_en):
    route = Route.objects.get(code="error")
    first, second = list(route.points.all())[:2]
    RoutePoint.objects.filter(pk=second.pk).update(name_en=first.name_en)
    page = admin_client_en.get(_change_url(route))
    labels = [label for value, label in page.context["adminform"].form.fields["out_of_scope_point"].choices if value]
    assert f"{first.name_en} — {first.code}" in labels and f"{first.name_en} — {second.code}" in labels
