"""A route drawn as a diagram: an SVG made on the server from the points and transitions. Pure: no
Django import, so the admin and the tests share it.

Layout: the points in layers by their distance from the start (breadth-first; the unreachable ones
in a last layer), top to bottom; within a layer by their order; every box as wide as the longest
name. A transition to a lower layer is a curve down; one back up a curve up (from the top of the
lower box to the bottom of the upper one); within a layer, an arc above the boxes. The arrows on
one side of a box leave or enter it at points of their own, spread along that side. Transitions
between the same two points share one arrow and one label; each label sits on its own arrow, on a
white ground, clear of the boxes and the other labels. Every text is escaped.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from html import escape

NODE_W = 176
NODE_H = 50
GAP_X = 48
GAP_Y = 78
MARGIN = 20
SIDE = 60  # room on the right for loops and labels (the drawing grows to hold what it draws)
LABEL_MAX = 32  # characters of a name shown (the whole in the tooltip); the boxes are as wide as that

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
    w: float = NODE_W

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    def rect(self) -> Rect:
        return Rect(self.x, self.y, self.w, NODE_H)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Rect, gap: float = 0) -> bool:
        return not (
            self.x + self.w + gap <= other.x
            or other.x + other.w + gap <= self.x
            or self.y + self.h + gap <= other.y
            or other.y + other.h + gap <= self.y
        )

    def holds(self, x: float, y: float, slack: float = 0.5) -> bool:
        """Whether (x, y) lies on the rectangle or inside it."""
        return self.x - slack <= x <= self.x + self.w + slack and self.y - slack <= y <= self.y + self.h + slack


@dataclass(frozen=True)
class Edge:
    """An arrow as drawn: its cubic Bézier (start, two controls, end), its ends and its label's box."""

    source: Hashable
    target: Hashable
    text: str
    shown: str
    curve: tuple[tuple[float, float], ...]
    label: Rect


def _short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_width(text: str, size: float) -> float:
    """About how wide `text` is in a sans-serif font of `size` px (Cyrillic is wide: 0.62 em a letter)."""
    return len(text) * size * 0.62


def _subtitle(p: Point) -> str:
    return _short(p.code + (" · " + p.kind_label if p.kind_label else ""), 32)


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


def box_width(points: Sequence[Point]) -> float:
    """One width for every box, wide enough for the longest name and subtitle shown."""
    widest = max(
        (max(text_width(_short(p.name), 13), text_width(_subtitle(p), 10)) for p in points),
        default=0.0,
    )
    return max(float(NODE_W), widest + 24)


def layout(points: Sequence[Point], arrows: Sequence[Arrow]) -> tuple[dict[Hashable, Box], float, float]:
    """Each point's box, and the drawing's width and height (before the arrows' labels and arcs)."""
    rows = layers(points, arrows)
    w = box_width(points)
    widest = max((len(r) for r in rows), default=1)
    inner = widest * w + (widest - 1) * GAP_X
    boxes: dict[Hashable, Box] = {}
    for depth, row in enumerate(rows):
        span = len(row) * w + (len(row) - 1) * GAP_X
        left = MARGIN + (inner - span) / 2
        for i, p in enumerate(row):
            boxes[p.key] = Box(p, left + i * (w + GAP_X), MARGIN + depth * (NODE_H + GAP_Y), w)
    width = MARGIN * 2 + inner + SIDE
    height = MARGIN * 2 + len(rows) * NODE_H + max(len(rows) - 1, 0) * GAP_Y
    return boxes, width, height


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


Pt = tuple[float, float]


def _at(curve: Sequence[Pt], t: float) -> Pt:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = curve
    u = 1 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3


def _kind(a: Box, b: Box) -> str:
    if a.point.key == b.point.key:
        return "loop"
    return "down" if b.y > a.y else "side" if b.y == a.y else "up"


def _ports(pairs: Sequence[tuple[Hashable, Hashable]], boxes: dict[Hashable, Box]) -> dict[tuple[int, str], Pt]:
    """Where each arrow leaves and enters its boxes: the arrows on one side of a box spread evenly
    along it (ordered by where their other end is), so two never share a point and an arrow's
    head sits clearly on its own target. Keyed by (pair index, "from" | "to")."""
    sides: dict[tuple[Hashable, str], list[tuple[float, int, str]]] = defaultdict(list)
    for i, (source, target) in enumerate(pairs):
        a, b = boxes[source], boxes[target]
        kind = _kind(a, b)
        if kind == "down":
            sides[(source, "bottom")].append((b.cx, i, "from"))
            sides[(target, "top")].append((a.cx, i, "to"))
        elif kind == "side":
            sides[(source, "top")].append((b.cx, i, "from"))
            sides[(target, "top")].append((a.cx, i, "to"))
        elif kind == "up":  # from the top of the lower box to the bottom of the upper one
            sides[(source, "top")].append((b.cx, i, "from"))
            sides[(target, "bottom")].append((a.cx, i, "to"))
        else:  # a loop: on the right side
            sides[(source, "right")].append((0.0, i, "from"))
            sides[(target, "right")].append((1.0, i, "to"))
    out: dict[tuple[int, str], Pt] = {}
    for (key, side), ends in sides.items():
        box = boxes[key]
        ends.sort()
        for k, (_, i, end) in enumerate(ends):
            share = (k + 1) / (len(ends) + 1)
            if side == "right":
                out[(i, end)] = (box.x + box.w, box.y + NODE_H * share)
            else:
                out[(i, end)] = (box.x + box.w * share, box.y + (NODE_H if side == "bottom" else 0))
    return out


def _curve(kind: str, start: Pt, end: Pt, bend: int) -> tuple[Pt, Pt, Pt, Pt]:
    (x1, y1), (x2, y2) = start, end
    if kind == "down":
        dy = (y2 - y1) / 2
        return start, (x1, y1 + dy), (x2, y2 - dy), end
    if kind == "side":  # within a layer: an arc above
        lift = 30 + 14 * bend
        return start, (x1, y1 - lift), (x2, y2 - lift), end
    if kind == "loop":
        return start, (x1 + 46, y1 - 12), (x2 + 46, y2 + 12), end
    # back up: the top of the lower box to the bottom of the upper one (an arrow the other way
    # between the same boxes leaves and enters them elsewhere along those sides: _ports)
    dy = (y1 - y2) / 2
    return start, (x1, y1 - dy), (x2, y2 + dy), end


LABEL_H = 16
_TRIES = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.2, 0.8)


def _place(curve: Sequence[Pt], w: float, taken: list[Rect]) -> Rect:
    """The label's box: on its own arrow, at the first spot along it that covers no box and no
    label already placed; failing that, moved down from the middle until it is clear."""

    def at(x: float, y: float) -> Rect:
        return Rect(max(x - w / 2, MARGIN / 2), y - LABEL_H / 2, w, LABEL_H)

    for t in _TRIES:
        spot = at(*_at(curve, t))
        if not any(spot.overlaps(r, 2) for r in taken):
            return spot
    x, y = _at(curve, 0.5)
    step = 0
    while True:
        step += 1
        for dy in (step * (LABEL_H + 3), -step * (LABEL_H + 3)):
            spot = at(x, y + dy)
            if spot.y >= 0 and not any(spot.overlaps(r, 2) for r in taken):
                return spot


def edges(points: Sequence[Point], arrows: Sequence[Arrow], boxes: dict[Hashable, Box]) -> list[Edge]:
    """The arrows as drawn: one per pair of points (its transitions' labels together), each label
    on its own arrow, clear of the boxes and of the other labels."""
    named: dict[tuple[Hashable, Hashable], list[str]] = {}
    for arrow in arrows:
        if arrow.source in boxes and arrow.target in boxes:
            named.setdefault((arrow.source, arrow.target), []).append(arrow.label)
    pairs = list(named)
    ports = _ports(pairs, boxes)
    bends: dict[str, int] = defaultdict(int)  # in-layer arcs stacked apart
    taken = [b.rect() for b in boxes.values()]
    out = []
    for i, (source, target) in enumerate(pairs):
        kind = _kind(boxes[source], boxes[target])
        curve = _curve(kind, ports[(i, "from")], ports[(i, "to")], bends[kind])
        bends[kind] += 1
        text = ", ".join(named[(source, target)])
        shown = _short(text, 34)
        label = _place(curve, text_width(shown, 11) + 10, taken)
        taken.append(label)
        out.append(Edge(source, target, text, shown, curve, label))
    return out


def route_svg(points: Sequence[Point], arrows: Sequence[Arrow], *, title: str) -> str:
    """The route as an SVG element (no XML prolog), to put in a page as it is."""
    boxes, width, height = layout(points, arrows)
    drawn = edges(points, arrows, boxes)
    # The drawing grows to hold the arcs and the labels (an arc above the first layer, a label
    # beside an arc on the right); what would start above the top moves everything down.
    tops = [min(y for _x, y in e.curve) for e in drawn] + [e.label.y for e in drawn]
    shift = max(0.0, MARGIN / 2 - min(tops, default=0.0))
    for e in drawn:
        width = max(width, e.label.x + e.label.w + MARGIN, *(x + MARGIN for x, _y in e.curve))
        height = max(height, e.label.y + e.label.h + MARGIN, *(y + MARGIN for _x, y in e.curve))
    if shift:
        boxes = {k: replace(b, y=b.y + shift) for k, b in boxes.items()}
        drawn = [
            replace(e, curve=tuple((x, y + shift) for x, y in e.curve), label=replace(e.label, y=e.label.y + shift))
            for e in drawn
        ]
        height += shift
    parts = [
        '<defs><marker id="route-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    labels = []
    for e in drawn:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = e.curve
        path = f"M{_n(x0)},{_n(y0)} C{_n(x1)},{_n(y1)} {_n(x2)},{_n(y2)} {_n(x3)},{_n(y3)}"
        parts.append(
            f'<path class="route-transition" d="{path}" fill="none" stroke="#555" stroke-width="1.4" '
            f'marker-end="url(#route-arrow)"><title>{escape(e.text)}</title></path>'
        )
        r = e.label
        labels.append(
            f'<rect class="route-label" x="{_n(r.x)}" y="{_n(r.y)}" width="{_n(r.w)}" height="{_n(r.h)}" rx="3" '
            f'fill="#fff" fill-opacity="0.92" stroke="#bbb" stroke-width="0.6"><title>{escape(e.text)}</title></rect>'
            f'<text x="{_n(r.x + r.w / 2)}" y="{_n(r.y + 12)}" text-anchor="middle" font-size="11" fill="#222">'
            f"{escape(e.shown)}</text>"
        )
    for box in boxes.values():
        p = box.point
        fill, stroke = COLOURS.get(p.kind, ("#ffffff", "#555555"))
        tip = f"{p.name} [{p.code}]" + (f" · {p.kind_label}" if p.kind_label else "")
        parts.append(
            f'<g class="route-point" data-code="{escape(p.code)}"><title>{escape(tip)}</title>'
            f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" height="{NODE_H}" rx="8" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{3 if p.is_start else 1.5}"/>'
            f'<text x="{_n(box.cx)}" y="{_n(box.y + 21)}" text-anchor="middle" font-size="13" fill="#111">'
            f"{escape(_short(p.name))}</text>"
            f'<text x="{_n(box.cx)}" y="{_n(box.y + 38)}" text-anchor="middle" font-size="10" fill="#555">'
            f"{escape(_subtitle(p))}</text></g>"
        )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="route-diagram" role="img" viewBox="0 0 {_n(width)} '
        f'{_n(height)}" width="{_n(width)}" height="{_n(height)}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )
    # The labels over the arrows and the boxes, so none is hidden.
    return head + "".join(parts) + "".join(labels) + "</svg>"
