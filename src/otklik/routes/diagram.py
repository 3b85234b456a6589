"""A route drawn as a diagram: an SVG made on the server from the points and transitions. Pure: no
Django import, so the admin and the tests share it.

Layout: the points in layers by their distance from the start (breadth-first; the unreachable ones
in a last layer), top to bottom; within a layer by their order. A transition to a lower layer is a
curve down; one back up, or within a layer, an arc beside the boxes. Transitions between the same
two points share one arrow and one label. Every text is escaped.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from html import escape

NODE_W = 176
NODE_H = 50
GAP_X = 48
GAP_Y = 78
MARGIN = 20
SIDE = 150  # room on the right for the arcs that go back up
LABEL_MAX = 26  # characters of a label shown (the whole in the tooltip)

# Fill and stroke per point kind (kinds.PointKind values).
COLOURS = {
    "new": ("#e8f0fe", "#1a56db"),
    "in_work": ("#fff4e5", "#b45309"),
    "waiting": ("#f3e8ff", "#7e22ce"),
    "resolved": ("#e7f6ec", "#15803d"),
    "closed": ("#eeeeee", "#374151"),
    "declined": ("#fdecec", "#b91c1c"),
}


@dataclass(frozen=True)
class Point:
    key: Hashable
    code: str
    name: str
    kind: str
    kind_label: str = ""
    is_start: bool = False


@dataclass(frozen=True)
class Arrow:
    source: Hashable
    target: Hashable
    label: str


@dataclass(frozen=True)
class Box:
    point: Point
    x: float
    y: float

    @property
    def cx(self) -> float:
        return self.x + NODE_W / 2


def _short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def layers(points: Sequence[Point], arrows: Sequence[Arrow]) -> list[list[Point]]:
    """The points by breadth-first distance from the start point(s); those the start cannot reach last."""
    keys = {p.key for p in points}
    out_edges: dict[Hashable, list[Hashable]] = defaultdict(list)
    for a in arrows:
        if a.source in keys and a.target in keys:
            out_edges[a.source].append(a.target)
    depth: dict[Hashable, int] = {}
    queue = deque(p.key for p in points if p.is_start)
    for key in queue:
        depth[key] = 0
    while queue:
        key = queue.popleft()
        for nxt in out_edges[key]:
            if nxt not in depth:
                depth[nxt] = depth[key] + 1
                queue.append(nxt)
    last = max(depth.values(), default=-1) + 1
    rows: dict[int, list[Point]] = defaultdict(list)
    for p in points:  # in the caller's order (the points' order)
        rows[depth.get(p.key, last)].append(p)
    return [rows[d] for d in sorted(rows)]


def layout(points: Sequence[Point], arrows: Sequence[Arrow]) -> tuple[dict[Hashable, Box], float, float]:
    """Each point's box, and the drawing's width and height."""
    rows = layers(points, arrows)
    widest = max((len(r) for r in rows), default=1)
    inner = widest * NODE_W + (widest - 1) * GAP_X
    boxes: dict[Hashable, Box] = {}
    for depth, row in enumerate(rows):
        span = len(row) * NODE_W + (len(row) - 1) * GAP_X
        left = MARGIN + (inner - span) / 2
        for i, p in enumerate(row):
            boxes[p.key] = Box(p, left + i * (NODE_W + GAP_X), MARGIN + depth * (NODE_H + GAP_Y))
    width = MARGIN * 2 + inner + SIDE
    height = MARGIN * 2 + len(rows) * NODE_H + max(len(rows) - 1, 0) * GAP_Y
    return boxes, width, height


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _curve(a: Box, b: Box, bend: int, right_edge: float) -> tuple[str, float, float]:
    """The path from a to b and where its label goes (the curve's midpoint, or beside it)."""
    if a.point.key == b.point.key:  # a loop on the point itself
        x, y = a.x + NODE_W, a.y + NODE_H / 2
        path = f"M{_n(x)},{_n(y - 10)} C{_n(x + 40)},{_n(y - 30)} {_n(x + 40)},{_n(y + 30)} {_n(x)},{_n(y + 10)}"
        return path, x + 34, y - 18
    if b.y > a.y:  # down a layer or more: bottom centre to top centre
        x1, y1, x2, y2 = a.cx, a.y + NODE_H, b.cx, b.y
        dy = (y2 - y1) / 2
        path = f"M{_n(x1)},{_n(y1)} C{_n(x1)},{_n(y1 + dy)} {_n(x2)},{_n(y2 - dy)} {_n(x2)},{_n(y2)}"
        return path, (x1 + x2) / 2, (y1 + y2) / 2
    if b.y == a.y:  # within a layer: an arc above
        x1, x2, y = a.cx, b.cx, a.y
        lift = 26 + 10 * bend
        path = f"M{_n(x1)},{_n(y)} C{_n(x1)},{_n(y - lift)} {_n(x2)},{_n(y - lift)} {_n(x2)},{_n(y)}"
        return path, (x1 + x2) / 2, y - lift * 0.75
    # back up: right side to right side, around the boxes' right edge
    x1, y1 = a.x + NODE_W, a.y + NODE_H / 2
    x2, y2 = b.x + NODE_W, b.y + NODE_H / 2
    out = max(right_edge, x1, x2) + 28 + 22 * bend
    path = f"M{_n(x1)},{_n(y1)} C{_n(out)},{_n(y1)} {_n(out)},{_n(y2)} {_n(x2)},{_n(y2)}"
    return path, (x1 + x2) / 8 + out * 3 / 4, (y1 + y2) / 2


def route_svg(points: Sequence[Point], arrows: Sequence[Arrow], *, title: str) -> str:
    """The route as an SVG element (no XML prolog), to put in a page as it is."""
    boxes, width, height = layout(points, arrows)
    right_edge = max((b.x + NODE_W for b in boxes.values()), default=0.0)
    # One arrow per pair of points, its labels together.
    pairs: dict[tuple[Hashable, Hashable], list[str]] = {}
    for arrow in arrows:
        if arrow.source in boxes and arrow.target in boxes:
            pairs.setdefault((arrow.source, arrow.target), []).append(arrow.label)
    parts = [
        '<defs><marker id="route-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    bends: dict[str, int] = defaultdict(int)  # back arcs and in-layer arcs stacked apart
    labels = []
    for (source, target), names in pairs.items():
        a, b = boxes[source], boxes[target]
        kind = "down" if b.y > a.y else "loop" if source == target else "side" if b.y == a.y else "up"
        path, lx, ly = _curve(a, b, bends[kind], right_edge)
        bends[kind] += 1
        text = ", ".join(names)
        parts.append(
            f'<path class="route-transition" d="{path}" fill="none" stroke="#555" stroke-width="1.4" '
            f'marker-end="url(#route-arrow)"><title>{escape(text)}</title></path>'
        )
        shown = _short(text, 34)
        width = max(width, lx + len(shown) * 3.6 + MARGIN)  # about half the label's width in 11px type
        labels.append(
            f'<text x="{_n(lx)}" y="{_n(ly + 4)}" text-anchor="middle" font-size="11" fill="#222" '
            f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(shown)}</text>'
        )
    for box in boxes.values():
        p = box.point
        fill, stroke = COLOURS.get(p.kind, ("#ffffff", "#555555"))
        tip = f"{p.name} [{p.code}]" + (f" · {p.kind_label}" if p.kind_label else "")
        parts.append(
            f'<g class="route-point" data-code="{escape(p.code)}"><title>{escape(tip)}</title>'
            f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{NODE_W}" height="{NODE_H}" rx="8" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{3 if p.is_start else 1.5}"/>'
            f'<text x="{_n(box.cx)}" y="{_n(box.y + 21)}" text-anchor="middle" font-size="13" fill="#111">'
            f"{escape(_short(p.name))}</text>"
            f'<text x="{_n(box.cx)}" y="{_n(box.y + 38)}" text-anchor="middle" font-size="10" fill="#555">'
            f"{escape(_short(p.code + (' · ' + p.kind_label if p.kind_label else ''), 32))}</text></g>"
        )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="route-diagram" role="img" viewBox="0 0 {_n(width)} '
        f'{_n(height)}" width="{_n(width)}" height="{_n(height)}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )
    # The labels over the arrows and the boxes, so none is hidden.
    return head + "".join(parts) + "".join(labels) + "</svg>"
