"""The shared vocabulary: the pure modules' values (routes/tickets/sla/complaints kinds.py) are the
models' choices, and "support has reacted" has one definition, in SQL as in Python."""

from __future__ import annotations

import pytest

from otklik.complaints import kinds as complaint_kinds
from otklik.complaints.models import ComplaintState
from otklik.routes import kinds as route_kinds
from otklik.routes.models import PointKind, ReactionKind
from otklik.sla import kinds as sla_kinds
from otklik.sla.models import ClockState, Metric
from otklik.testing.factories import file_error
from otklik.tickets import kinds as ticket_kinds
from otklik.tickets.kinds import SUPPORT_ROLES, is_support_reaction
from otklik.tickets.models import ActorRole, Event, LogRecord, SlaEvent
from otklik.tickets.selectors import support_reactions


@pytest.mark.parametrize(
    ("choices", "plain"),
    [
        (PointKind, route_kinds.PointKind),
        (ReactionKind, route_kinds.ReactionKind),
        (ActorRole, ticket_kinds.ActorRole),
        (Event, ticket_kinds.LogEvent),
        (SlaEvent, ticket_kinds.SlaEvent),
        (Metric, sla_kinds.Metric),
        (ClockState, sla_kinds.ClockState),
        (ComplaintState, complaint_kinds.ComplaintState),
    ],
)
def test_the_models_choices_are_the_pure_values(choices, plain):
    assert list(choices.values) == [m.value for m in plain]
    assert list(choices.names) == [m.name for m in plain]


@pytest.mark.parametrize("role", list(ActorRole.values))
@pytest.mark.parametrize("reaction", list(ReactionKind.values))
def test_support_has_reacted_means_an_executor_reaction_by_the_support_side(reaction, role):
    expected = reaction.startswith("executor_") and role in ("executor", "staff")
    assert is_support_reaction(reaction, role) is expected


def test_the_query_agrees_with_the_predicate(personas):
    t = file_error(personas.initiator)
    when = t.created_at
    rows = [
        LogRecord(ticket=t, actor=None, actor_role=role, point_id=t.point_id, event=Event.COMMENT, created_at=when,
                  reaction=reaction)
        for role in ActorRole.values
        for reaction in ("executor_replied", "executor_accepted", "initiator_replied", "")
    ]  # fmt: skip
    LogRecord.objects.bulk_create(rows)
    found = set(support_reactions(LogRecord.objects.filter(ticket=t)).values_list("reaction", "actor_role"))
    assert found == {(r, role) for r in ("executor_replied", "executor_accepted") for role in SUPPORT_ROLES}
    assert all(is_support_reaction(r, role) for r, role in found)
