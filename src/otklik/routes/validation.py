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


def route_problems(
    points: Iterable[PointSpec],
    transitions: Iterable[TransitionSpec],
    out_of_scope: Hashable | None = None,
) -> list[str]:
    """Every problem of the route, each as a sentence naming the points or transitions at fault."""
    points = list(points)
    transitions = list(transitions)
    problems: list[str] = []
    by_key = {p.key: p for p in points}

    if not points:
        return ["the route has no points"]
    codes = [p.code for p in points]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        problems.append(f"point codes repeat: {', '.join(dup)}")
    tcodes = [(t.source, t.code) for t in transitions]
    tdup = sorted({by_key[s].code + ":" + c for s, c in tcodes if tcodes.count((s, c)) > 1 and s in by_key})
    if tdup:
        problems.append(f"transition codes repeat from the same point: {', '.join(tdup)}")

    starts = [p for p in points if p.is_start]
    if len(starts) != 1:
        names = ", ".join(p.code for p in starts) or "none"
        problems.append(f"a route needs exactly one start point (found {len(starts)}: {names})")
    finals = [p for p in points if p.is_final]
    if not finals:
        problems.append("the route has no final point (a point of kind closed or declined)")

    forward: dict[Hashable, set[Hashable]] = defaultdict(set)
    backward: dict[Hashable, set[Hashable]] = defaultdict(set)
    for t in transitions:
        if t.source not in by_key or t.target not in by_key:
            problems.append(f"transition {t.code!r} joins a point that is not in this route")
            continue
        if not t.actors:
            problems.append(
                f"transition {t.code!r} ({by_key[t.source].code} → {by_key[t.target].code}) "
                "names nobody who may take it"
            )
        if t.source == t.target:
            problems.append(f"transition {t.code!r} leads from {by_key[t.source].code} back to itself")
        forward[t.source].add(t.target)
        backward[t.target].add(t.source)

    if len(starts) == 1:
        reached = _reach([starts[0].key], forward)
        unreachable = [p.code for p in points if p.key not in reached and p.key != out_of_scope]
        if unreachable:
            problems.append(f"points not reachable from the start {starts[0].code}: {', '.join(unreachable)}")
    if finals:
        can_finish = _reach([p.key for p in finals], backward)
        stuck = [p.code for p in points if p.key not in can_finish]
        if stuck:
            problems.append(f"points from which no final point can be reached: {', '.join(stuck)}")
    if out_of_scope is not None and out_of_scope not in by_key:
        problems.append("the out-of-scope point is not a point of this route")
    problems += _reply_problems(points, transitions)
    return problems


def _reply_problems(points: list[PointSpec], transitions: list[TransitionSpec]) -> list[str]:
    by_key = {t.key: t for t in transitions if t.key is not None}
    problems: list[str] = []
    for p in points:
        if p.on_reply is None:
            continue
        t = by_key.get(p.on_reply)
        if p.kind != PointKind.WAITING:
            problems.append(f"point {p.code} is not of kind waiting, so it cannot take a transition on the reply")
        elif t is None:
            problems.append(f"point {p.code} takes a transition on the initiator's reply that is not in this route")
        elif t.source != p.key:
            problems.append(
                f"transition {t.code!r}, taken at point {p.code} on the initiator's reply, does not start there"
            )
        elif t.chooses_executor:
            problems.append(
                f"transition {t.code!r}, taken at point {p.code} on the initiator's reply, "
                "lets its taker choose the executor: nobody is there to choose"
            )
    return problems
