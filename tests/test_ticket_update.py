"""ticket_update: staff correct subject, priority, category and form fields; each change is logged."""

from __future__ import annotations

import pytest

from otklik.catalog.models import Category
from otklik.core.errors import Conflict, Forbidden, Invalid
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_create, ticket_update


@pytest.fixture
def ticket(personas, dispatching):
    return ticket_create(
        initiator=personas.initiator,
        type_code="error",
        subject="Report fails",
        category_code="accounting",
        priority_code="normal",
        fields={"steps": "open it", "affected_users": 3},
    )


def update(personas, ticket, who, version=None, **changes):
    version = ticket.version if version is None else version
    return ticket_update(ticket=ticket, actor=getattr(personas, who), version=version, changes=changes)


def stored(ticket):
    return Ticket.objects.values("subject", "priority__code", "category__code", "fields", "version", "group__code").get(
        pk=ticket.pk
    )


def changes_logged(ticket):
    return list(
        LogRecord.objects.filter(ticket=ticket, event="field_change")
        .order_by("id")
        .values_list("field", "old_value", "new_value")
    )


@pytest.mark.parametrize("who", ["lead", "agent", "manager", "admin"])
def test_staff_of_the_request_may_correct_the_subject(personas, ticket, who):
    t = update(personas, ticket, who, subject="  Stock report fails ")
    assert t.subject == "Stock report fails" and t.version == 2
    assert stored(t)["subject"] == "Stock report fails"
    assert changes_logged(t) == [("subject", "Report fails", "Stock report fails")]


@pytest.mark.parametrize("who", ["initiator", "initiator2", "agent2", "outsider"])
def test_others_may_not_edit(personas, ticket, who):
    before = stored(ticket)
    with pytest.raises(Forbidden) as exc:
        update(personas, ticket, who, subject="Hacked")
    assert exc.value.status == 403
    assert stored(ticket) == before
    assert changes_logged(ticket) == []


def test_a_staff_watcher_from_another_group_may_not_edit(personas, ticket):
    from otklik.tickets.models import Watcher

    Watcher.objects.create(ticket=ticket, user=personas.agent2)
    with pytest.raises(Forbidden):
        update(personas, ticket, "agent2", subject="Hacked")


def test_priority_change_is_logged_by_code(personas, ticket):
    t = update(personas, ticket, "lead", priority="critical")
    assert t.priority.code == "critical"
    assert stored(t)["priority__code"] == "critical"
    assert changes_logged(t) == [("priority", "normal", "critical")]


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        ("", [("priority", "required", "required")]),
        (None, [("priority", "required", "required")]),
        ("urgent", [("priority", "unknown", "unknown priority 'urgent'")]),
    ],
)
def test_priority_cannot_be_emptied_or_unknown(personas, ticket, value, errors):
    with pytest.raises(Invalid) as exc:
        update(personas, ticket, "lead", priority=value)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == errors
    assert stored(ticket)["version"] == 1


def test_category_change_is_logged_and_keeps_the_group(personas, ticket):
    t = update(personas, ticket, "lead", category="accounting-payroll")
    assert stored(t)["category__code"] == "accounting-payroll"
    # Re-routing is a separate, explicit act (ticket_assign): a correction does not move the request.
    assert stored(t)["group__code"] == "first-line"
    assert changes_logged(t) == [("category", "accounting", "accounting-payroll")]


def test_category_may_be_cleared(personas, ticket):
    t = update(personas, ticket, "lead", category=None)
    assert stored(t)["category__code"] is None
    assert changes_logged(t) == [("category", "accounting", None)]


def test_out_of_scope_category_is_refused(personas, ticket):
    with pytest.raises(Invalid) as exc:
        update(personas, ticket, "lead", category="hardware")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("category", "out_of_scope", "out of scope")]
    assert stored(ticket)["category__code"] == "accounting"


def test_inactive_category_is_refused(personas, ticket):
    cat = Category.objects.get(code="email")
    cat.is_active = False
    cat.save()
    with pytest.raises(Invalid) as exc:
        update(personas, ticket, "lead", category="email")
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [
        ("category", "unknown", "unknown category 'email'")
    ]


def test_fields_are_merged_validated_and_each_change_logged(personas, ticket):
    t = update(personas, ticket, "agent", fields={"affected_users": "40", "blocking": True})
    assert stored(t)["fields"] == {"steps": "open it", "affected_users": 40, "blocking": True}
    assert changes_logged(t) == [("fields.affected_users", 3, 40), ("fields.blocking", None, True)]


def test_an_optional_field_may_be_cleared(personas, ticket):
    t = update(personas, ticket, "agent", fields={"affected_users": None})
    assert stored(t)["fields"] == {"steps": "open it"}
    assert changes_logged(t) == [("fields.affected_users", 3, None)]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"steps": ""}, [("fields.steps", "required", "is required")]),
        ({"affected_users": 0}, [("fields.affected_users", "too_small", "must be at least 1")]),
        ({"colour": "red"}, [("fields.colour", "not_a_field", "is not a field of this request type")]),
    ],
)
def test_invalid_fields_are_refused_by_name(personas, ticket, fields, errors):
    with pytest.raises(Invalid) as exc:
        update(personas, ticket, "agent", fields=fields)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == errors
    assert stored(ticket)["fields"] == {"steps": "open it", "affected_users": 3}


def test_several_changes_are_one_version_and_one_record_each(personas, ticket):
    t = update(personas, ticket, "lead", subject="New subject", priority="high", fields={"blocking": "no"})
    assert stored(t)["version"] == 2
    assert changes_logged(t) == [
        ("subject", "Report fails", "New subject"),
        ("priority", "normal", "high"),
        ("fields.blocking", None, False),
    ]
    records = LogRecord.objects.filter(ticket=t, event="field_change")
    assert {(r.actor_id, r.actor_role, r.point.code) for r in records} == {(personas.lead.pk, "executor", "new")}


def test_nothing_changed_means_no_new_version_and_no_record(personas, ticket):
    t = update(
        personas,
        ticket,
        "lead",
        subject="Report fails",
        priority="normal",
        category="accounting",
        fields={"steps": "open it"},
    )
    assert t.version == 1
    assert stored(ticket)["version"] == 1
    assert changes_logged(ticket) == []


def test_fields_that_cannot_be_changed_are_named(personas, ticket):
    with pytest.raises(Invalid) as exc:
        update(personas, ticket, "manager", state="closed", initiator="agent", subject="x")
    assert exc.value.detail == "these cannot be changed: initiator, state"
    assert stored(ticket)["subject"] == "Report fails"


@pytest.mark.parametrize(
    ("subject", "code", "error"), [("", "required", "is required"), ("я" * 201, "too_long", "at most 200 characters")]
)
def test_subject_rules_hold_on_edit(personas, ticket, subject, code, error):
    with pytest.raises(Invalid) as exc:
        update(personas, ticket, "lead", subject=subject)
    assert [(e.field, e.code, e.message) for e in exc.value.errors] == [("subject", code, error)]


def test_stale_version_is_a_conflict_and_nothing_changes(personas, ticket):
    update(personas, ticket, "lead", subject="Second")
    with pytest.raises(Conflict) as exc:
        update(personas, ticket, "agent", version=1, subject="Third")
    assert exc.value.code == "stale_version"
    assert stored(ticket)["subject"] == "Second"
    assert len(changes_logged(ticket)) == 1


def test_a_copy_read_before_someone_elses_change_is_a_conflict(personas, ticket):
    mine = Ticket.objects.get(pk=ticket.pk)
    update(personas, ticket, "lead", priority="high")
    with pytest.raises(Conflict):
        ticket_update(ticket=mine, actor=personas.agent, version=1, changes={"priority": "low"})
    assert stored(ticket)["priority__code"] == "high"
    assert changes_logged(ticket) == [("priority", "normal", "high")]
