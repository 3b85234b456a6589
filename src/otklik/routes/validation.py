"""Route validation. Pure: no Django import, so admin, services and tests share one judge.

A route is sound when it has exactly one start point, every point can be reached from the
start, a final point can be reached from every point, every transition names at least
one kind of actor and joins two points of the route, and every point that takes a transition on
the initiator's reply is a waiting point whose transition starts there and chooses no executor
(nobody is there to choose one when a reply moves the request).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from .kinds import FINAL_KINDS, PointKind


@dataclass(frozen=True)
class PointSpec:
    key: Hashable
    code: str
    kind: str
    is_start: bool = False
    on_reply: Hashable | None = None  # the key of the transition taken on the initiator's reply

    @property
    def is_final(self) -> bool:
        return self.kind in FINAL_KINDS


@dataclass(frozen=True)
class TransitionSpec:
    code: str
    source: Hashable
    target: Hashable
    actors: tuple[str, ...] = field(default_factory=tuple)
    key: Hashable | None = None  # what a point's `on_reply` names
    chooses_executor: bool = False  # the one who takes it chooses the executor on arrival


def _reach(start: Iterable[Hashable], edges: dict[Hashable, set[Hashable]]) -> set[Hashable]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        node = queue.popleft()
        for nxt in edges.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


@dataclass(frozen=True)
class RouteProblem:
    """One problem of a route as data: a code and the codes of the points or transitions at fault
    (`params`); `str()` gives the English sentence, routes/problems.py the reader's language."""

    code: str
    params: dict[str, str | int] = field(default_factory=dict)

    def __str__(self) -> str:
        params = dict(self.params)
        if self.code == "start_points" and not params.get("points"):
            params["points"] = "none"
        return ENGLISH[self.code].format(**params)


# The English sentence of each problem's code (the API's and the tests' words).
ENGLISH = {
    "no_points": "the route has no points",
    "point_codes_repeat": "point codes repeat: {codes}",
    "transition_codes_repeat": "transition codes repeat from the same point: {codes}",
    "start_points": "a route needs exactly one start point (found {count}: {points})",
    "no_final_point": "the route has no final point (a point of kind closed or declined)",
    "foreign_point": "transition '{transition}' joins a point that is not in this route",
    "nobody_may_take": "transition '{transition}' ({source} → {target}) names nobody who may take it",
    "loop": "transition '{transition}' leads from {point} back to itself",
    "unreachable": "points not reachable from the start {start}: {points}",
    "no_way_to_final": "points from which no final point can be reached: {points}",
    "out_of_scope_foreign": "the out-of-scope point is not a point of this route",
    "reply_not_waiting": "point {point} is not of kind waiting, so it cannot take a transition on the reply",
    "reply_foreign": "point {point} takes a transition on the initiator's reply that is not in this route",
    "reply_elsewhere": (
        "transition '{transition}', taken at point {point} on the initiator's reply, does not start there"
    ),
    "reply_chooses": (
        "transition '{transition}', taken at point {point} on the initiator's reply, "
        "lets its taker choose the executor: nobody is there to choose"
    ),
}


def route_problems(
    points: Iterable[PointSpec],
    transitions: Iterable[TransitionSpec],
    out_of_scope: Hashable | None = None,
) -> list[str]:
    """Every problem of the route, each as an English sentence naming the points or transitions at fault."""
    return [str(p) for p in route_issues(points, transitions, out_of_scope)]


def route_issues(
    points: Iterable[PointSpec],
    transitions: Iterable[TransitionSpec],
    out_of_scope: Hashable | None = None,
) -> list[RouteProblem]:
    """Every problem of the route, as data."""
    points = list(points)
    transitions = list(transitions)
    problems: list[RouteProblem] = []
    by_key = {p.key: p for p in points}

    if not points:
        return [RouteProblem("no_points")]
    codes = [p.code for p in points]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        problems.append(RouteProblem("point_codes_repeat", {"codes": ", ".join(dup)}))
    tcodes = [(t.source, t.code) for t in transitions]
    tdup = sorted({by_key[s].code + ":" + c for s, c in tcodes if tcodes.count((s, c)) > 1 and s in by_key})
    if tdup:
        problems.append(RouteProblem("transition_codes_repeat", {"codes": ", ".join(tdup)}))

    starts = [p for p in points if p.is_start]
    if len(starts) != 1:
        names = ", ".join(p.code for p in starts)
        problems.append(RouteProblem("start_points", {"count": len(starts), "points": names}))
    finals = [p for p in points if p.is_final]
    if not finals:
        problems.append(RouteProblem("no_final_point"))

    forward: dict[Hashable, set[Hashable]] = defaultdict(set)
    backward: dict[Hashable, set[Hashable]] = defaultdict(set)
    for t in transitions:
        if t.source not in by_key or t.target not in by_key:
            problems.append(RouteProblem("foreign_point", {"transition": t.code}))
            continue
        source, target = by_key[t.source].code, by_key[t.target].code
        if not t.actors:
            problems.append(RouteProblem("nobody_may_take", {"transition": t.code, "source": source, "target": target}))
        if t.source == t.target:
            problems.append(RouteProblem("loop", {"transition": t.code, "point": source}))
        forward[t.source].add(t.target)
        backward[t.target].add(t.source)

    if len(starts) == 1:
        reached = _reach([starts[0].key], forward)
        unreachable = [p.code for p in points if p.key not in reached and p.key != out_of_scope]
        if unreachable:
            problems.append(RouteProblem("unreachable", {"start": starts[0].code, "points": ", ".join(unreachable)}))
    if finals:
        can_finish = _reach([p.key for p in finals], backward)
        stuck = [p.code for p in points if p.key not in can_finish]
        if stuck:
            problems.append(RouteProblem("no_way_to_final", {"points": ", ".join(stuck)}))
    if out_of_scope is not None and out_of_scope not in by_key:
        problems.append(RouteProblem("out_of_scope_foreign"))
    problems += reply_problems(points, transitions)
    return problems


def reply_problems(points: list[PointSpec], transitions: list[TransitionSpec]) -> list[RouteProblem]:
    """What is wrong with the points' transitions taken on the initiator's reply (the one home of the
    rule: the route's check and a point's own form both ask it)."""
    by_key = {t.key: t for t in transitions if t.key is not None}
    problems: list[RouteProblem] = []
    for p in points:
        if p.on_reply is None:
            continue
        t = by_key.get(p.on_reply)
        if p.kind != PointKind.WAITING:
            problems.append(RouteProblem("reply_not_waiting", {"point": p.code}))
        elif t is None:
            problems.append(RouteProblem("reply_foreign", {"point": p.code}))
        elif t.source != p.key:
            problems.append(RouteProblem("reply_elsewhere", {"transition": t.code, "point": p.code}))
        elif t.chooses_executor:
            problems.append(RouteProblem("reply_chooses", {"transition": t.code, "point": p.code}))
    return problems
