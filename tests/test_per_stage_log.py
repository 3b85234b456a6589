"""The per-stage log: what each service appends, that it is append-only, and the selectors over it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from otklik.accounts.models import SupportGroup
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket
from otklik.tickets.selectors import first_executor_reaction, initiator_reactions_by_stage
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_assign, ticket_comment, ticket_create, ticket_transition, ticket_update


def new_error(p, **kw):
    return file_error(p.initiator, **kw)


def new_request(p):
    return ticket_create(
        initiator=p.initiator, type_code="request", subject="Access", category_code="access", fields={"kind": "access"}
    )


def move(p, t, who, code, **kw):
    return ticket_transition(ticket=t, actor=getattr(p, who), transition_code=code, version=t.version, **kw)


def log(ticket):
    """The log as (event, reaction, actor, actor_role, stage, to stage, field, old, new), without
    the SLA ledger's records (event "sla"), which tests/test_sla_clocks.py checks."""
    return [
        (
            r.event,
            r.reaction,
            r.actor.username if r.actor else None,
            r.actor_role,
            r.point.code,
            r.to_point.code if r.to_point else None,
            r.field,
            r.old_value,
            r.new_value,
        )
        for r in LogRecord.objects.filter(ticket=ticket)
        .exclude(event="sla")
        .select_related("actor", "point", "to_point")
        .order_by("id")
    ]


# --- what each service appends -------------------------------------------------------------


def test_create_appends_one_created_record(personas):
    t = new_error(personas)
    assert log(t) == [("created", "", "initiator", "initiator", "new", None, "", None, None)]
    record = LogRecord.objects.exclude(event="sla").get(ticket=t)
    assert record.created_at == Ticket.objects.get(pk=t.pk).created_at
    assert record.transition is None and record.body == "" and record.internal is False


def test_out_of_scope_create_appends_the_system_decline(personas):
    t = ticket_create(
        initiator=personas.initiator,
        type_code="request",
        subject="Printer",
        category_code="hardware",
        fields={"kind": "other"},
    )
    assert log(t) == [
        ("created", "", "initiator", "initiator", "new", None, "", None, None),
        ("transition", "declined_out_of_scope", None, "system", "new", "out_of_scope", "", None, None),
    ]


def test_transition_appends_the_move_and_the_change_of_executor(personas):
    p = personas
    t = move(p, new_error(p), "agent", "accept")
    assert log(t)[1:] == [
        ("transition", "executor_accepted", "agent", "staff", "new", "accepted", "", None, None),
        ("assignment", "", "agent", "staff", "accepted", None, "executor", None, p.agent.pk),  # from the queue
    ]
    record = LogRecord.objects.get(ticket=t, event="transition")
    assert record.transition.code == "accept"
    assert record.created_at == Ticket.objects.get(pk=t.pk).updated_at


def test_transition_that_keeps_the_executor_appends_only_the_move(personas):
    p = personas
    t = move(p, move(p, new_error(p), "agent", "accept"), "agent", "start")
    t = move(p, t, "agent", "resolve", comment="Fixed")
    assert log(t)[3:] == [
        ("transition", "executor_started", "agent", "executor", "accepted", "in_work", "", None, None),
        ("transition", "executor_resolved", "agent", "executor", "in_work", "resolved", "", None, None),
    ]
    assert LogRecord.objects.filter(ticket=t, event="transition").order_by("-id").first().body == "Fixed"


def test_comment_and_note_append_their_records(personas):
    p = personas
    t = new_error(p)
    ticket_comment(ticket=t, actor=p.initiator, body="Any news?")
    ticket_comment(ticket=t, actor=p.lead, body="Looking")
    ticket_comment(ticket=t, actor=p.agent, body="Known bug", internal=True)
    assert log(t)[1:] == [
        ("comment", "initiator_replied", "initiator", "initiator", "new", None, "", None, None),
        ("comment", "executor_replied", "lead", "staff", "new", None, "", None, None),  # nobody executes it yet
        ("note", "", "agent", "staff", "new", None, "", None, None),
    ]
    assert list(
        LogRecord.objects.filter(ticket=t).exclude(event="sla").order_by("id").values_list("internal", flat=True)
    ) == [
        False,
        False,
        False,
        True,
    ]


def test_assign_appends_group_then_executor(personas):
    p = personas
    t = new_error(p)
    first, second = (SupportGroup.objects.get(code=c).pk for c in ("first-line", "second-line"))
    ticket_assign(ticket=t, actor=p.lead, version=1, executor="agent")
    ticket_assign(ticket=t, actor=p.manager, version=2, group_code="second-line")
    assert log(t)[1:] == [
        ("assignment", "", "lead", "staff", "new", None, "executor", None, p.agent.pk),
        ("assignment", "", "manager", "staff", "new", None, "group", first, second),
        # The second line leaves what comes to it in its queue.
        ("assignment", "", "manager", "staff", "new", None, "executor", p.agent.pk, None),
    ]


def test_update_appends_one_record_per_changed_attribute(personas):
    p = personas
    t = new_error(p)
    ticket_update(ticket=t, actor=p.agent, version=1, changes={"priority": "high", "fields": {"affected_users": 5}})
    assert log(t)[1:] == [
        ("field_change", "", "agent", "staff", "new", None, "priority", "normal", "high"),
        ("field_change", "", "agent", "staff", "new", None, "fields.affected_users", None, 5),
    ]


def test_watch_appends_who_was_added_and_removed(personas):
    p = personas
    t = new_error(p)
    ticket_watch(ticket=t, actor=p.lead, user_ref="initiator2")
    ticket_watch(ticket=t, actor=p.initiator2, add=False)
    assert log(t)[1:] == [
        ("watcher", "", "lead", "staff", "new", None, "watchers", None, "initiator2"),
        ("watcher", "", "initiator2", "other", "new", None, "watchers", "initiator2", None),
    ]


def test_each_record_carries_the_stage_it_happened_at(personas):
    p = personas
    t = move(p, new_request(p), "agent", "take")
    ticket_comment(ticket=t, actor=p.initiator, body="Thanks")
    t = move(p, t, "agent", "ask", comment="Which section?")
    ticket_comment(ticket=t, actor=p.agent, body="Reminder")
    stages = [(e, r, stage) for e, r, _, _, stage, *_ in log(t)]
    assert stages == [
        ("created", "", "new"),
        ("transition", "executor_accepted", "new"),
        ("assignment", "", "in_work"),
        ("comment", "initiator_replied", "in_work"),
        ("transition", "executor_requested_info", "in_work"),
        ("comment", "executor_replied", "waiting"),
    ]


def test_refused_actions_append_nothing(personas):
    from otklik.core.errors import DomainError

    p = personas
    t = new_error(p)
    attempts = [
        lambda: move(p, t, "agent2", "accept"),
        lambda: move(p, t, "initiator", "confirm"),
        lambda: ticket_transition(ticket=t, actor=p.agent, transition_code="accept", version=7),
        lambda: ticket_comment(ticket=t, actor=p.outsider, body="hi"),
        lambda: ticket_assign(ticket=t, actor=p.agent, version=1, group_code="second-line"),
        lambda: ticket_update(ticket=t, actor=p.initiator, version=1, changes={"subject": "x"}),
        lambda: ticket_watch(ticket=t, actor=p.lead, user_ref="outsider"),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError):
            attempt()
    assert len(log(t)) == 1


# --- append-only ---------------------------------------------------------------------------


@pytest.fixture
def record(personas):
    return LogRecord.objects.exclude(event="sla").get(ticket=new_error(personas))


def test_saving_an_existing_record_is_refused(record):
    record.body = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        record.save()
    assert LogRecord.objects.get(pk=record.pk).body == ""


def test_deleting_a_record_is_refused(record):
    with pytest.raises(TypeError, match="append-only"):
        record.delete()
    assert LogRecord.objects.filter(pk=record.pk).exists()


def test_queryset_update_and_delete_are_refused(record):
    with pytest.raises(TypeError, match="append-only"):
        LogRecord.objects.filter(pk=record.pk).update(body="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        LogRecord.objects.update(body="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        LogRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(TypeError, match="append-only"):
        LogRecord.objects.all().delete()
    record.body = "rewritten"
    # bulk_update runs in an atomic block without a savepoint: give it one so the test can go on.
    with pytest.raises(TypeError, match="append-only"), transaction.atomic():
        LogRecord.objects.bulk_update([record], ["body"])
    assert LogRecord.objects.get(pk=record.pk).body == ""


def test_deleting_the_request_cannot_take_its_log_along(record):
    with pytest.raises(ProtectedError):
        Ticket.objects.get(pk=record.ticket_id).delete()
    assert LogRecord.objects.filter(pk=record.pk).exists()


def test_raw_sql_update_is_refused_by_the_database(record):
    table = connection.ops.quote_name(LogRecord._meta.db_table)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET body = %s WHERE id = %s", ["rewritten", record.pk])
    assert LogRecord.objects.get(pk=record.pk).body == ""


@pytest.mark.postgres
def test_raw_sql_delete_is_refused_by_postgresql(record):
    table = connection.ops.quote_name(LogRecord._meta.db_table)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table} WHERE id = %s", [record.pk])
    assert LogRecord.objects.filter(pk=record.pk).exists()


def test_new_records_may_still_be_appended_after_a_refusal(personas, record):
    with pytest.raises(TypeError):
        LogRecord.objects.filter(pk=record.pk).update(body="x")
    t = Ticket.objects.get(pk=record.ticket_id)
    ticket_comment(ticket=t, actor=personas.initiator, body="still works")
    assert LogRecord.objects.filter(ticket=t).exclude(event="sla").count() == 2


# --- selectors over the log ----------------------------------------------------------------


def test_first_executor_reaction_is_none_until_support_reacts(personas):
    p = personas
    t = new_error(p)
    assert first_executor_reaction(t) is None
    ticket_comment(ticket=t, actor=p.initiator, body="Hello?")
    ticket_comment(ticket=t, actor=p.agent, body="internal only", internal=True)
    ticket_watch(ticket=t, actor=p.agent)
    assert first_executor_reaction(t) is None


def test_first_executor_reaction_is_the_first_public_reply_or_move(personas):
    p = personas
    t = new_error(p)
    ticket_comment(ticket=t, actor=p.initiator, body="Hello?")
    reply = ticket_comment(ticket=t, actor=p.agent, body="On it")
    move(p, t, "agent", "accept")
    first = first_executor_reaction(t)
    assert first.pk == reply.pk
    assert (first.reaction, first.actor_id, first.event) == ("executor_replied", p.agent.pk, "comment")


def test_first_executor_reaction_may_be_the_acceptance(personas):
    p = personas
    t = move(p, new_error(p), "lead", "accept")
    ticket_comment(ticket=t, actor=p.lead, body="Will look tomorrow")
    first = first_executor_reaction(t)
    assert (first.event, first.reaction, first.transition.code) == ("transition", "executor_accepted", "accept")


def test_first_executor_reaction_ignores_an_out_of_scope_decline(personas):
    t = ticket_create(
        initiator=personas.initiator,
        type_code="error",
        subject="Printer",
        category_code="hardware",
        fields={"steps": "print"},
    )
    assert first_executor_reaction(t) is None


def test_first_executor_reaction_is_per_request(personas):
    p = personas
    a, b = new_error(p), new_error(p)
    move(p, b, "agent", "accept")
    assert first_executor_reaction(a) is None
    assert first_executor_reaction(b).ticket_id == b.pk


def test_initiator_reactions_are_grouped_by_the_stage_they_happened_at(personas):
    p = personas
    t = new_request(p)
    ticket_comment(ticket=t, actor=p.initiator, body="Urgent, please")
    t = move(p, t, "agent", "take")
    t = move(p, t, "agent", "ask", comment="Which section?")
    t = move(p, t, "initiator", "provide", comment="Contracts")
    t = move(p, t, "agent", "resolve", comment="Granted")
    t = move(p, t, "initiator", "reject", comment="Read only, please")
    t = move(p, t, "agent", "resolve", comment="Now read only")
    ticket_watch(ticket=t, actor=p.initiator)  # not a reaction
    t = move(p, t, "initiator", "confirm")
    by_stage = initiator_reactions_by_stage(t)
    named = {
        point.code: [r.reaction for r in by_stage[point.pk]]
        for point in t.point.route.points.all()
        if point.pk in by_stage
    }
    assert named == {
        "new": ["initiator_replied"],
        "waiting": ["initiator_provided_info"],
        "resolved": ["initiator_rejected", "initiator_confirmed"],
    }
    assert all(r.actor_id == p.initiator.pk for rs in by_stage.values() for r in rs)


def test_initiator_reactions_are_empty_for_a_request_only_filed(personas):
    assert initiator_reactions_by_stage(new_error(personas)) == {}
