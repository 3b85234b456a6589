"""A waiting point's "on the initiator's reply, take transition …" (`RoutePoint.on_reply`): validated
(only at a waiting point, only a transition that starts there and chooses no executor) by the pure
judge, the model and the routes admin; copied with a route; shown in GET /api/v1/catalog; set on
every demo route, and brought into an older demo by `otklik demo` (demo_load) without losing requests."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from otklik.catalog.reference import invalidate
from otklik.routes.models import Route, RoutePoint, Transition
from otklik.routes.services import route_copy
from otklik.routes.validation import PointSpec, TransitionSpec, route_problems
from otklik.runtime.demo import demo_load
from otklik.testing.adminforms import admin_form_data
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_comment, ticket_create, ticket_transition

# --- the pure judge ----------------------------------------------------------------------------------


def waiting_route(on_reply: object = "provide", *, kind: str = "waiting", chooses: bool = False):
    points = [
        PointSpec(1, "new", "new", is_start=True),
        PointSpec(2, "in_work", "in_work"),
        PointSpec(3, "waiting", kind, on_reply=on_reply),
        PointSpec(4, "closed", "closed"),
    ]
    transitions = [
        TransitionSpec("take", 1, 2, ("group_member",), key="take"),
        TransitionSpec("ask", 2, 3, ("executor",), key="ask"),
        TransitionSpec("provide", 3, 2, ("initiator",), key="provide", chooses_executor=chooses),
        TransitionSpec("close", 2, 4, ("executor",), key="close"),
    ]
    return points, transitions


def test_a_waiting_point_taking_its_own_transition_on_the_reply_is_sound():
    assert route_problems(*waiting_route()) == []
    assert route_problems(*waiting_route(None)) == []  # an on-reply is optional


REPLY = "on the initiator's reply"


@pytest.mark.parametrize(
    ("on_reply", "kind", "chooses", "problem"),
    [
        ("close", "waiting", False, f"transition 'close', taken at point waiting {REPLY}, does not start there"),
        ("gone", "waiting", False, f"point waiting takes a transition {REPLY} that is not in this route"),
        (
            "provide",
            "in_work",
            False,
            "point waiting is not of kind waiting, so it cannot take a transition on the reply",
        ),
        (
            "provide",
            "waiting",
            True,
            f"transition 'provide', taken at point waiting {REPLY}, lets its taker choose the executor: "
            "nobody is there to choose",
        ),
    ],
)
def test_an_unsound_on_reply_is_named(on_reply, kind, chooses, problem):
    assert route_problems(*waiting_route(on_reply, kind=kind, chooses=chooses)) == [problem]


# --- the model and the admin -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english():
    """The model's messages are asserted in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def _point(route: str, code: str) -> RoutePoint:
    return RoutePoint.objects.get(route__code=route, code=code)


def _transition(route: str, source: str, code: str) -> Transition:
    return Transition.objects.get(route__code=route, source__code=source, code=code)


@pytest.mark.parametrize(
    ("point", "transition", "message"),
    [
        ("waiting", ("in_work", "resolve"), "must start at this point"),
        ("in_work", ("in_work", "resolve"), "Only a point of kind"),
    ],
)
def test_the_model_refuses_a_transition_from_elsewhere_or_a_point_that_does_not_wait(
    personas, point, transition, message
):
    p = _point("request", point)
    p.on_reply = _transition("request", *transition)
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert list(exc.value.message_dict) == ["on_reply"]
    assert message in exc.value.message_dict["on_reply"][0]


def test_the_model_refuses_a_transition_that_lets_its_taker_choose_the_executor(personas):
    provide = _transition("request", "waiting", "provide")
    provide.executor_on_arrival = "chosen"
    provide.save()
    p = _point("request", "waiting")
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert "cannot let its taker choose the executor" in exc.value.message_dict["on_reply"][0]
    assert any("lets its taker choose the executor" in problem for problem in p.route.problems())


@pytest.fixture
def admin_en(personas) -> Client:
    personas.admin.language = "en"
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    return client


def _admin_form(client: Client, route: Route):
    url = f"/admin/routes/route/{route.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    points = page.context["inline_admin_formsets"][0].formset.forms
    index = {f.instance.code: i for i, f in enumerate(points)}
    return url, page, admin_form_data(page), index


def test_the_routes_admin_shows_and_saves_the_on_reply(admin_en):
    route = Route.objects.get(code="error")
    url, page, data, index = _admin_form(admin_en, route)
    provide = _transition("error", "waiting", "provide")
    assert data[f"points-{index['waiting']}-on_reply"] == provide.pk
    assert "on the initiator&#x27;s reply, take" in page.content.decode().lower()

    data[f"points-{index['waiting']}-on_reply"] = ""
    assert admin_en.post(url, data).status_code == 302
    assert _point("error", "waiting").on_reply_id is None

    data[f"points-{index['waiting']}-on_reply"] = str(provide.pk)
    assert admin_en.post(url, data).status_code == 302
    assert _point("error", "waiting").on_reply_id == provide.pk


def test_the_routes_admin_refuses_a_transition_that_starts_elsewhere(admin_en):
    route = Route.objects.get(code="error")
    url, _page, data, index = _admin_form(admin_en, route)
    resolve = _transition("error", "in_work", "resolve")
    data[f"points-{index['waiting']}-on_reply"] = str(resolve.pk)

    resp = admin_en.post(url, data)

    assert resp.status_code == 200
    text = resp.content.decode()
    assert "must start at this point" in text
    assert _point("error", "waiting").on_reply.code == "provide"


def test_the_on_reply_offers_only_this_routes_transitions(admin_en):
    route = Route.objects.get(code="error")
    _url, page, _data, _index = _admin_form(admin_en, route)
    field = page.context["inline_admin_formsets"][0].formset.forms[0].fields["on_reply"]
    assert set(field.queryset.values_list("route__code", flat=True)) == {"error"}


def test_a_copied_route_takes_its_own_copy_of_the_transition(personas):
    copy = route_copy(route=Route.objects.get(code="request"))
    waiting = copy.points.get(code="waiting")
    assert waiting.on_reply.code == "provide"
    assert (waiting.on_reply.route_id, waiting.on_reply.source_id) == (copy.pk, waiting.pk)
    assert copy.problems() == []


# --- the catalogue and the demo ----------------------------------------------------------------------


def test_the_catalogue_shows_each_points_on_reply(api):
    catalog = api("initiator").get("/catalog").json()
    assert {t["code"] for t in catalog["types"]} >= {"error", "wish", "request"}
    for t in catalog["types"]:
        on_reply = {p["code"]: p["on_reply"] for p in t["route"]["points"]}
        assert on_reply.pop("waiting") == "provide", t["code"]
        assert set(on_reply.values()) == {None}, t["code"]


@pytest.mark.parametrize(
    ("route", "asked_from", "back_to"),
    [
        ("error", {"accepted", "in_work"}, "in_work"),
        ("wish", {"under_review"}, "under_review"),
        ("request", {"in_work"}, "in_work"),
    ],
)
def test_every_demo_route_has_a_waiting_point_the_reply_ends(personas, route, asked_from, back_to):
    r = Route.objects.get(code=route)
    assert r.problems() == []
    waiting = r.points.get(kind="waiting")
    assert (waiting.code, waiting.clock, waiting.name_ru, waiting.name_en) == (
        "waiting",
        "paused",
        "Ожидает инициатора",
        "Waiting for the initiator",
    )
    assert set(Transition.objects.filter(route=r, code="ask").values_list("source__code", flat=True)) == asked_from
    assert {t.code: (t.target.code, t.actors()) for t in waiting.outgoing.all()} == {
        "provide": (back_to, ("initiator",)),
        "resume": (back_to, ("executor", "group_lead", "manager")),
    }
    assert waiting.on_reply.code == "provide"


def test_otklik_demo_brings_an_older_demo_up_to_date_without_losing_requests(personas):
    """The routes as the demo had them before issue 14: no waiting point on an Error or a Wish, a
    withdrawal ending at "declined", no on-reply. A request withdrawn then stays where it stood."""
    old = ticket_create(initiator=personas.initiator, type_code="error", subject="Old", fields={"steps": "x"})
    for code in ("error", "wish", "request"):
        Transition.objects.filter(route__code=code, code="withdraw").update(target=_point(code, "declined"))
    RoutePoint.objects.update(on_reply=None)
    Transition.objects.filter(route__code__in=["error", "wish"], code__in=["ask", "provide", "resume"]).delete()
    Transition.objects.filter(route__code="request", code="resume").delete()
    RoutePoint.objects.filter(route__code__in=["error", "wish"], code="waiting").delete()
    old = ticket_transition(ticket=old, actor=personas.initiator, transition_code="withdraw", version=1)
    RoutePoint.objects.filter(code="withdrawn").delete()
    invalidate()  # the updates above send no signals
    tickets = Ticket.objects.count()
    records = LogRecord.objects.count()

    demo_load()
    demo_load()  # and again: idempotent

    assert Ticket.objects.count() == tickets and LogRecord.objects.count() == records
    assert Ticket.objects.get(pk=old.pk).point.code == "declined"  # history is not rewritten
    for code in ("error", "wish", "request"):
        route = Route.objects.get(code=code)
        assert route.problems() == [] and route.is_active
        assert _point(code, "waiting").on_reply.code == "provide"
        assert _transition(code, "new", "withdraw").target.code == "withdrawn"
        assert Transition.objects.filter(route=route, code="resume").count() == 1
    fresh = ticket_create(initiator=personas.initiator, type_code="error", subject="New", fields={"steps": "x"})
    fresh = ticket_transition(ticket=fresh, actor=personas.lead, transition_code="accept", version=1)
    fresh = ticket_transition(ticket=fresh, actor=personas.lead, transition_code="ask", version=2, comment="?")
    ticket_comment(ticket=fresh, actor=personas.initiator, body="!")
    assert Ticket.objects.get(pk=fresh.pk).point.code == "in_work"
