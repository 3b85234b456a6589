"""A route's problems (validation.RouteProblem: a code and its params) in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .validation import RouteProblem


def problem_text(problem: RouteProblem) -> str:
    p = dict(problem.params)
    words = {
        "no_points": lambda: _("the route has no points"),
        "point_codes_repeat": lambda: _("point codes repeat: %(codes)s") % p,
        "transition_codes_repeat": lambda: _("transition codes repeat from the same point: %(codes)s") % p,
        "start_points": lambda: (
            _("a route needs exactly one start point (found %(count)s: %(points)s)")
            % {"count": p["count"], "points": p["points"] or _("none")}
        ),
        "no_final_point": lambda: _("the route has no final point (a point of kind closed or declined)"),
        "foreign_point": lambda: _("transition '%(transition)s' joins a point that is not in this route") % p,
        "nobody_may_take": lambda: (
            _("transition '%(transition)s' (%(source)s → %(target)s) names nobody who may take it") % p
        ),
        "loop": lambda: _("transition '%(transition)s' leads from %(point)s back to itself") % p,
        "unreachable": lambda: _("points not reachable from the start %(start)s: %(points)s") % p,
        "no_way_to_final": lambda: _("points from which no final point can be reached: %(points)s") % p,
        "out_of_scope_foreign": lambda: _("the out-of-scope point is not a point of this route"),
        "reply_not_waiting": lambda: (
            _("point %(point)s is not of kind waiting, so it cannot take a transition on the reply") % p
        ),
        "reply_foreign": lambda: (
            _("point %(point)s takes a transition on the initiator's reply that is not in this route") % p
        ),
        "reply_elsewhere": lambda: (
            _("transition '%(transition)s', taken at point %(point)s on the initiator's reply, does not start there")
            % p
        ),
        "reply_chooses": lambda: (
            _(
                "transition '%(transition)s', taken at point %(point)s on the initiator's reply, "
                "lets its taker choose the executor: nobody is there to choose"
            )
            % p
        ),
    }
    say = words.get(problem.code)
    return say() if say else str(problem)
