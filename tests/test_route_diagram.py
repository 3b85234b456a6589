"""The route as a diagram: an SVG drawn on the server (routes/diagram.py, pure) from the points and
transitions, every text escaped; on the route's change page beside its tables."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from otklik.routes.diagram import NODE_H, Arrow, Point, layers, layout, route_svg
from otklik.routes.models import Route

SVG = "{http://www.w3.org/2000/svg}"
POINTS = [
    Point(1, "new", "New", "new", "new", is_start=True),
    Point(2, "work", "In work", "in_work"),
    Point(3, "wait", "Waiting", "waiting"),
    Point(4, "done", "Resolved", "resolved"),
    Point(5, "closed", "Closed", "closed"),
    Point(6, "lost", "Nobody comes here", "declined"),
]
ARROWS = [
    Arrow(1, 2, "Accept"),
    Arrow(2, 3, "Ask"),
    Arrow(3, 2, "Answer"),
    Arrow(2, 4, "Resolve"),
    Arrow(4, 5, "Confirm"),
    Arrow(4, 2, "Reject"),
    Arrow(4, 5, "Close"),
]


def test_points_are_layered_by_their_distance_from_the_start():
    rows = layers(POINTS, ARROWS)
    assert [[p.code for p in row] for row in rows] == [["new"], ["work"], ["wait", "done"], ["closed"], ["lost"]]
    boxes, width, height = layout(POINTS, ARROWS)
    assert boxes[1].y < boxes[2].y < boxes[3].y == boxes[4].y < boxes[5].y < boxes[6].y
    assert boxes[3].x < boxes[4].x  # side by side, in the points' order
    assert height == boxes[6].y + NODE_H + 20 and width > boxes[4].x


def test_the_svg_is_well_formed_with_a_box_per_point_and_an_arrow_per_pair():
    svg = route_svg(POINTS, ARROWS, title="Error")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label") == "Error"
    groups = root.findall(f"{SVG}g")
    assert [g.get("data-code") for g in groups] == ["new", "work", "wait", "done", "closed", "lost"]
    paths = root.findall(f"{SVG}path")
    assert len(paths) == 6  # done → closed twice: one arrow, both labels
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Confirm, Close" in labels and "Reject" in labels and "Nobody comes here" in labels
    start = next(g for g in groups if g.get("data-code") == "new").find(f"{SVG}rect")
    assert start.get("stroke-width") == "3"  # the start point stands out


def test_every_text_is_escaped():
    evil = [
        Point(1, "x", '<script>alert("x")</script>', "new", "new & co", is_start=True),
        Point(2, "y", "Y", "closed"),
    ]
    svg = route_svg(evil, [Arrow(1, 2, 'a < b & "c"')], title='Route "<x>"')
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "a &lt; b &amp; &quot;c&quot;" in svg and "new &amp; co" in svg
    ET.fromstring(svg)  # still well-formed


def test_long_names_are_shortened_with_the_whole_in_the_tooltip():
    long = "A very long name of a point that goes on"
    svg = route_svg([Point(1, "p", long, "new", is_start=True)], [], title="t")
    root = ET.fromstring(svg)
    assert long in root.find(f"{SVG}g").find(f"{SVG}title").text
    assert any(t.text.endswith("…") for t in root.iter(f"{SVG}text"))


def test_loops_and_an_empty_route_are_drawn():
    svg = route_svg([Point(1, "p", "P", "in_work", is_start=True)], [Arrow(1, 1, "Comment")], title="t")
    assert len(ET.fromstring(svg).findall(f"{SVG}path")) == 1
    ET.fromstring(route_svg([], [], title="empty"))


def test_the_module_imports_no_django():
    import ast
    from pathlib import Path

    import otklik.routes.diagram as module

    tree = ast.parse(Path(module.__file__).read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.startswith("django") or n.startswith("otklik")]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "label", "kind"), [("en", "Accept", "in work"), ("ru", "Принять", "в работе")])
def test_the_route_page_shows_its_diagram(personas, language, label, kind):
    personas.admin.language = language
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    route = Route.objects.get(code="error")
    page = client.get(f"/admin/routes/route/{route.pk}/change/").content.decode()
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg" class="route-diagram"')
    end = page.index("</svg>", start) + len("</svg>")
    root = ET.fromstring(page[start:end])
    codes = {g.get("data-code") for g in root.findall(f"{SVG}g")}
    assert codes == set(route.points.values_list("code", flat=True))
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert kind in texts and label in texts
    assert len(root.findall(f"{SVG}path")) == len({(t.source_id, t.target_id) for t in route.transitions.all()})
    assert start < page.index('id="transitions-group"')  # beside the tables, above them


@pytest.mark.django_db
def test_the_diagram_is_not_for_those_without_the_admin(personas):
    client = Client()
    client.force_login(personas.manager)
    route = Route.objects.get(code="error")
    resp = client.get(f"/admin/routes/route/{route.pk}/change/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]


def _check_geometry(points, arrows):
    from otklik.routes.diagram import edges, text_width

    boxes, _w, _h = layout(points, arrows)
    drawn = edges(points, arrows, boxes)
    labels = [e.label for e in drawn]
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not a.overlaps(b), (a, b)  # no label drawn over another
        for box in boxes.values():
            assert not a.overlaps(box.rect()), (a, box.point.code)  # nor over a point
    for e in drawn:
        (x0, y0), *_, (x3, y3) = e.curve
        assert boxes[e.source].rect().holds(x0, y0)  # each arrow leaves its source's box
        assert boxes[e.target].rect().holds(x3, y3)  # and ends at its target's box
        others = [b for k, b in boxes.items() if k != e.target]
        assert not any(b.rect().holds(x3, y3, slack=0) for b in others)
    ends = [e.curve[-1] for e in drawn] + [e.curve[0] for e in drawn]
    assert len(set(ends)) == len(ends)  # no two arrows share an end
    for box in boxes.values():  # every name fits its box
        assert text_width(box.point.name, 13) + 12 <= box.w


def test_labels_never_collide_and_arrows_end_at_their_targets():
    _check_geometry(POINTS, ARROWS)
    # Opposite and parallel arrows, long labels and names, in one layer and across layers.
    points = [
        Point(1, "new", "Новая", "new", "новая", is_start=True),
        Point(2, "work", "В работе", "in_work", "в работе"),
        Point(3, "info", "Запрошена информация", "waiting", "ожидание"),
        Point(4, "out", "Отклонена: вне регламента", "declined", "отклонена"),
        Point(5, "done", "Решена", "resolved", "решена"),
    ]
    arrows = [
        Arrow(1, 2, "Начать работу"),
        Arrow(1, 3, "Запросить информацию"),
        Arrow(3, 1, "Ответить"),
        Arrow(2, 3, "Запросить информацию"),
        Arrow(3, 2, "Продолжить работу"),
        Arrow(1, 4, "Отклонить как вне регламента"),
        Arrow(2, 5, "Решить"),
        Arrow(5, 2, "Вернуть в работу"),
        Arrow(3, 4, "Отклонить"),
    ]
    _check_geometry(points, arrows)


@pytest.mark.django_db
def test_the_demo_routes_are_drawn_without_collisions(personas):
    from django.utils import translation

    routes = list(Route.objects.all())
    assert routes
    for route in routes:
        with translation.override("ru"):
            points = [Point(p.pk, p.code, p.name, p.kind, p.kind, p.is_start) for p in route.points.all()]
            arrows = [Arrow(t.source_id, t.target_id, t.label) for t in route.transitions.all()]
        _check_geometry(points, arrows)
