"""The routes' vocabulary as plain values (pure: no Django), for the pure computations (route
validation, the quality facts) and the models' choices (routes/models.py adds the labels)."""

from __future__ import annotations

from enum import StrEnum


class PointKind(StrEnum):
    NEW = "new"
    IN_WORK = "in_work"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DECLINED = "declined"


# Points a request does not leave: it is closed there.
FINAL_KINDS = frozenset({PointKind.CLOSED, PointKind.DECLINED})
# Points at which a request counts as resolved (its resolution clock stops, a survey is asked).
RESOLVED_KINDS = frozenset({PointKind.RESOLVED, PointKind.CLOSED})


class ReactionKind(StrEnum):
    NONE = ""
    EXECUTOR_ACCEPTED = "executor_accepted"
    EXECUTOR_STARTED = "executor_started"
    EXECUTOR_REQUESTED_INFO = "executor_requested_info"
    EXECUTOR_RESOLVED = "executor_resolved"
    EXECUTOR_DECLINED = "executor_declined"
    EXECUTOR_APPROVED = "executor_approved"
    EXECUTOR_DELIVERED = "executor_delivered"
    EXECUTOR_REPLIED = "executor_replied"
    INITIATOR_PROVIDED_INFO = "initiator_provided_info"
    INITIATOR_CONFIRMED = "initiator_confirmed"
    INITIATOR_REJECTED = "initiator_rejected"
    INITIATOR_WITHDREW = "initiator_withdrew"
    INITIATOR_REPLIED = "initiator_replied"
    DECLINED_OUT_OF_SCOPE = "declined_out_of_scope"
    AUTO_CONFIRMED = "auto_confirmed"
    INITIATOR_RATED = "initiator_rated"
    INITIATOR_COMPLAINED = "initiator_complained"


# The executor side's reactions all begin so (accepting, starting, asking, resolving, replying, …).
EXECUTOR_REACTION_PREFIX = "executor_"
