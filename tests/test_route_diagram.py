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
