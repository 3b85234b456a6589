"""Route validation: the pure judge `route_problems`, and the demo routes it must pass."""

from __future__ import annotations

import pytest

from otklik.routes.validation import PointSpec, TransitionSpec, route_problems

ANY = ("group_member",)


def sound_route() -> tuple[list[PointSpec], list[TransitionSpec]]:
    points = [
        PointSpec(1, "new", "new", is_start=True),
        PointSpec(2, "in_work", "in_work"),
        PointSpec(3, "resolved", "resolved"),
        PointSpec(4, "closed", "closed"),
        PointSpec(5, "declined", "declined"),
    ]
    transitions = [
        TransitionSpec("take", 1, 2, ANY),
        TransitionSpec("decline", 1, 5, ("executor", "group_lead")),
        TransitionSpec("resolve", 2, 3, ("executor",)),
        TransitionSpec("confirm", 3, 4, ("initiator",)),
        TransitionSpec("reject", 3, 2, ("initiator",)),
    ]
    return points, transitions


def test_sound_route_has_no_problems():
    points, transitions = sound_route()
    assert route_problems(points, transitions) == []


def test_sound_route_with_an_out_of_scope_point_reachable_only_directly():
    points, transitions = sound_route()
    points.append(PointSpec(6, "out_of_scope", "declined"))
    # Nothing leads to it: tickets are put there on filing. That is not "unreachable".
    assert route_problems(points, transitions, out_of_scope=6) == []


def test_an_unreachable_point_is_reported_when_it_is_not_the_out_of_scope_point():
    points, transitions = sound_route()
    points.append(PointSpec(6, "out_of_scope", "declined"))
    assert route_problems(points, transitions) == ["points not reachable from the start new: out_of_scope"]


def test_out_of_scope_point_outside_the_route():
    points, transitions = sound_route()
    assert route_problems(points, transitions, out_of_scope=99) == [
        "the out-of-scope point is not a point of this route"
    ]


def test_no_points_at_all():
    assert route_problems([], []) == ["the route has no points"]


def test_zero_start_points():
    points, transitions = sound_route()
    points[0] = PointSpec(1, "new", "new", is_start=False)
    assert route_problems(points, transitions) == ["a route needs exactly one start point (found 0: none)"]


def test_two_start_points_are_both_named():
    points, transitions = sound_route()
    points[1] = PointSpec(2, "in_work", "in_work", is_start=True)
    assert route_problems(points, transitions) == ["a route needs exactly one start point (found 2: new, in_work)"]


def test_a_point_nothing_leads_to_is_unreachable():
    points, transitions = sound_route()
    points.append(PointSpec(6, "limbo", "in_work"))
    transitions.append(TransitionSpec("give_up", 6, 5, ANY))
    assert route_problems(points, transitions) == ["points not reachable from the start new: limbo"]


def test_a_point_with_no_way_to_a_final_point():
    points, transitions = sound_route()
    points.append(PointSpec(6, "black_hole", "waiting"))
    transitions.append(TransitionSpec("ask", 2, 6, ("executor",)))
    assert route_problems(points, transitions) == ["points from which no final point can be reached: black_hole"]


def test_a_cycle_without_exit_is_stuck_at_every_point_of_it():
    points = [
        PointSpec("a", "new", "new", is_start=True),
        PointSpec("b", "in_work", "in_work"),
        PointSpec("c", "closed", "closed"),
    ]
    transitions = [TransitionSpec("go", "a", "b", ANY), TransitionSpec("back", "b", "a", ANY)]
    assert route_problems(points, transitions) == [
        "points not reachable from the start new: closed",
        "points from which no final point can be reached: new, in_work",
    ]


def test_no_final_point():
    points = [PointSpec(1, "new", "new", is_start=True), PointSpec(2, "in_work", "in_work")]
    transitions = [TransitionSpec("take", 1, 2, ANY)]
    assert route_problems(points, transitions) == ["the route has no final point (a point of kind closed or declined)"]


def test_a_transition_nobody_may_take_is_named_with_its_points():
    points, transitions = sound_route()
    transitions[2] = TransitionSpec("resolve", 2, 3, ())
    assert route_problems(points, transitions) == [
        "transition 'resolve' (in_work → resolved) names nobody who may take it"
    ]


def test_a_self_loop_is_named():
    points, transitions = sound_route()
    transitions.append(TransitionSpec("poke", 2, 2, ("executor",)))
    assert route_problems(points, transitions) == ["transition 'poke' leads from in_work back to itself"]


def test_duplicate_point_codes_are_named():
    points, transitions = sound_route()
    points[4] = PointSpec(5, "closed", "declined")
    assert route_problems(points, transitions) == ["point codes repeat: closed"]


def test_duplicate_transition_codes_from_one_point_are_named():
    points, transitions = sound_route()
    transitions.append(TransitionSpec("take", 1, 5, ANY))
    assert route_problems(points, transitions) == ["transition codes repeat from the same point: new:take"]


def test_the_same_transition_code_from_different_points_is_fine():
    points, transitions = sound_route()
    transitions.append(TransitionSpec("decline", 2, 5, ("executor",)))
    assert route_problems(points, transitions) == []


def test_a_transition_to_a_point_of_another_route_is_named():
    points, transitions = sound_route()
    transitions.append(TransitionSpec("escape", 2, 42, ANY))
    assert route_problems(points, transitions) == ["transition 'escape' joins a point that is not in this route"]


def test_every_problem_is_reported_together():
    points = [
        PointSpec(1, "new", "new", is_start=True),
        PointSpec(2, "new", "in_work", is_start=True),
        PointSpec(3, "closed", "closed"),
    ]
    transitions = [TransitionSpec("x", 1, 1, ()), TransitionSpec("y", 2, 3, ANY)]
    problems = route_problems(points, transitions)
    assert problems == [
        "point codes repeat: new",
        "a route needs exactly one start point (found 2: new, new)",
        "transition 'x' (new → new) names nobody who may take it",
        "transition 'x' leads from new back to itself",
        "points from which no final point can be reached: new",
    ]


@pytest.mark.parametrize("code", ["error", "wish", "request"])
def test_demo_routes_are_sound(personas, code):
    from otklik.routes.models import Route

    route = Route.objects.get(code=code)
    assert route.is_active is True
    assert route.out_of_scope_point is not None and route.out_of_scope_point.code == "out_of_scope"
    assert route.problems() == []
    assert route.start_point.code == "new"
