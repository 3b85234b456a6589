"""The per-stage log's vocabulary as plain values (pure: no Django), for the pure computations
(the quality facts) and the models' choices (tickets/models.py adds the labels); and the one
definition of "support has reacted"."""

from __future__ import annotations

from enum import StrEnum

from otklik.routes.kinds import EXECUTOR_REACTION_PREFIX


class ActorRole(StrEnum):
    """The role of whoever a log record is by, on that request."""

    INITIATOR = "initiator"
    EXECUTOR = "executor"
    STAFF = "staff"
    OTHER = "other"
    SYSTEM = "system"


class LogEvent(StrEnum):
    CREATED = "created"
    TRANSITION = "transition"
    COMMENT = "comment"
    NOTE = "note"
    ASSIGNMENT = "assignment"
    FIELD_CHANGE = "field_change"
    WATCHER = "watcher"
    ATTACHMENT = "attachment"
    SLA = "sla"
    FEEDBACK = "feedback"
    COMPLAINT = "complaint"


class SlaEvent(StrEnum):
    NONE = ""
    APPLIED = "applied"
    PAUSED = "paused"
    RESUMED = "resumed"
    WARNED = "warned"
    MET = "met"
    BREACHED = "breached"
    ESCALATED = "escalated"
    RECOMPUTED = "recomputed"
    CANCELLED = "cancelled"


# The support side: its executor, or anyone else of support. Not the initiator (even one who works
# in support: on their own request they are its initiator), not another user (a watcher, a reader
# of the organisation's requests: they take no executor's transition and their replies are no
# executor's), not the system (it confirms, declines out of scope, escalates: it never reacts).
SUPPORT_ROLES = frozenset({ActorRole.EXECUTOR, ActorRole.STAFF})


def is_support_reaction(reaction: str, role: str) -> bool:
    """Support has reacted: a log record carries one of the executor's reactions (accepted,
    started, asked, resolved, declined, replied, …) and was made by the support side. The first
    such record meets the first-reaction target, each later one the next-reaction target."""
    return bool(reaction) and reaction.startswith(EXECUTOR_REACTION_PREFIX) and role in SUPPORT_ROLES
