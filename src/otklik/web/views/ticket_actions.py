"""The route's transitions as the request page offers them: a button, or a dialog when the step asks
for a comment, an executor, or a confirmation (it ends the request: declining, withdrawing,
closing). The page only asks; the workflow still decides whether the step is allowed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from otklik.accounts.models import User
from otklik.routes.models import ClockBehaviour, ExecutorOnArrival, PointKind, ReactionKind
from otklik.tickets.access import available_transitions
from otklik.tickets.models import Ticket

# A step to a point of one of these kinds ends the request: the page asks before taking it. By kind,
# not by code, so a route's own closing or declining points (an initiator's `withdrawn`) ask too.
FINAL = {PointKind.DECLINED, PointKind.CLOSED}
REFUSING = {ReactionKind.EXECUTOR_DECLINED, ReactionKind.INITIATOR_REJECTED, ReactionKind.INITIATOR_WITHDREW}


@dataclass
class Action:
    """A route transition as the page offers it: a button, or a dialog when it asks for more."""

    code: str
    label: str
    comment_required: bool
    choose_executor: bool
    danger: bool
    confirm: str = ""  # the name of the point it ends the request at: asked before it is taken
    target: str = ""  # the name of the point it leads to: every dialog says where the request goes
    initiator_reads: bool = False  # support staff write: the comment goes on the history the initiator reads
    asks: bool = False  # it leads to a point that waits for the initiator: its comment is the question
    pauses: bool = False  # … and the resolution clock stops there until the answer
    open: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    draft: str = ""
    executor: str = ""

    @property
    def dialog(self) -> bool:
        return self.comment_required or self.choose_executor or bool(self.confirm)


def page_actions(user: User, ticket: Ticket, failed: dict[str, Any]) -> tuple[list[Action], str]:
    """The steps this person may take, the failed one's dialog open again with what was written, and
    the refusal to show beside the buttons when it has no dialog of its own."""
    actions = []
    for t in available_transitions(user, ticket):
        action = Action(
            code=t.code,
            label=t.label,
            comment_required=t.comment_required,
            choose_executor=t.executor_on_arrival == ExecutorOnArrival.CHOSEN,
            danger=t.reaction in REFUSING,
            confirm=t.target.name if t.target.kind in FINAL else "",
            target=t.target.name,
            initiator_reads=user.pk != ticket.initiator_id,
            asks=t.target.kind == PointKind.WAITING,
            pauses=t.target.kind == PointKind.WAITING and t.target.clock == ClockBehaviour.PAUSED,
        )
        if failed.get("code") == t.code and action.dialog:
            action.open, action.errors = True, failed["errors"]
            action.draft, action.executor = failed["comment"], failed["executor"]
        actions.append(action)
    if failed and not any(a.open for a in actions) and failed["errors"]:
        # A plain button, or a step no longer offered: the refusal goes beside the buttons.
        return actions, " ".join(failed["errors"].values())
    return actions, ""
