"""ticket_create: numbering, group and executor, priority, scope, and refusals that write nothing."""

from __future__ import annotations

import pytest

from otklik.accounts.models import GroupMembership, SupportGroup
from otklik.catalog.models import Category, RequestType
from otklik.core.errors import FieldError, Invalid, out_of_scope, required, too_long, unknown
from otklik.routes.models import ReactionKind, Route
from otklik.tickets.models import LogRecord, Ticket
from otklik.workflow import ticket_create

FIELDS = {
    "error": {"steps": "open the report"},
    "wish": {"benefit": "saves an hour a week"},
    "request": {"kind": "access"},
}


def create(personas, type_code="error", *, who="initiator", subject="Something is wrong", **kwargs):
    kwargs.setdefault("fields", FIELDS[type_code])
    return ticket_create(initiator=getattr(personas, who), type_code=type_code, subject=subject, **kwargs)


def last_number(type_code: str) -> int:
    return RequestType.objects.get(code=type_code).last_number


def snapshot():
    return Ticket.objects.count(), LogRecord.objects.count(), {t.code: t.last_number for t in RequestType.objects.all()}


# --- numbering -----------------------------------------------------------------------------


def test_demo_samples_hold_the_first_number_of_each_type(personas):
    assert sorted(Ticket.objects.values_list("number", flat=True)) == ["ERR-000001", "REQ-000001", "WSH-000001"]
    assert {t.code: t.last_number for t in RequestType.objects.all()} == {"error": 1, "wish": 1, "request": 1}


def test_numbers_follow_each_other_within_a_type(personas):
    numbers = [create(personas).number for _ in range(3)]
    assert numbers == ["ERR-000002", "ERR-000003", "ERR-000004"]
    assert last_number("error") == 4
    t = Ticket.objects.get(number="ERR-000004")
    assert t.seq == 4 and t.request_type.code == "error"


def test_each_type_counts_on_its_own(personas):
    assert create(personas, "error").number == "ERR-000002"
    assert create(personas, "request").number == "REQ-000002"
    assert create(personas, "error").number == "ERR-000003"
    assert create(personas, "wish").number == "WSH-000002"
    assert create(personas, "request").number == "REQ-000003"
    assert (last_number("error"), last_number("wish"), last_number("request")) == (3, 2, 3)


def test_a_refused_request_uses_no_number(personas):
    assert create(personas).number == "ERR-000002"
    with pytest.raises(Invalid):
        create(personas, fields={})
    with pytest.raises(Invalid):
        create(personas, subject="   ")
    assert create(personas).number == "ERR-000003"


# --- the request as filed ------------------------------------------------------------------


def test_a_new_request_starts_open_at_the_start_point(personas):
    t = create(personas, description="  details  ", category_code="email", fields={"steps": " a ", "blocking": "yes"})
    t = Ticket.objects.get(pk=t.pk)
    assert t.point.code == "new" and t.point.is_start
    assert t.is_open is True and t.closed_at is None
    assert t.version == 1
    assert t.subject == "Something is wrong" and t.description == "details"
    assert t.fields == {"steps": "a", "blocking": True}
    assert t.initiator == personas.initiator
    assert t.organisation.code == "demo"
    assert t.created_at == t.updated_at


def test_subject_is_stripped(personas):
    t = create(personas, subject="  Отчёт падает \n")
    assert Ticket.objects.get(pk=t.pk).subject == "Отчёт падает"


# --- group and executor --------------------------------------------------------------------


def test_group_comes_from_the_category(personas):
    t = create(personas, category_code="accounting-payroll")
    assert t.group.code == "second-line"


def test_sub_category_inherits_its_parents_group(personas):
    assert Category.objects.get(code="accounting-reports").default_group_id is None
    t = create(personas, category_code="accounting-reports")
    assert t.group.code == "first-line"


def test_without_a_category_the_types_default_group_takes_it(personas):
    assert create(personas, "wish").group.code == "second-line"
    assert create(personas, "error").group.code == "first-line"


def test_a_category_with_no_group_anywhere_up_the_tree_falls_back_to_the_type(personas):
    Category.objects.create(code="misc", name_ru="Прочее", name_en="Misc")
    assert create(personas, "wish", category_code="misc").group.code == "second-line"


def test_the_demos_groups_leave_new_requests_in_their_queue(personas):
    """No executor: the request waits in its group's unassigned queue, where any member takes it."""
    assert not SupportGroup.objects.filter(auto_assign=True).exists()
    assert create(personas, category_code="accounting").executor_id is None
    assert create(personas, category_code="accounting-payroll").executor_id is None  # though Olga dispatches


def test_executor_is_the_groups_dispatcher(personas, dispatching):
    t = create(personas, category_code="accounting-payroll")
    assert t.executor_id == personas.agent2.pk


def test_executor_is_the_first_lead_when_the_group_has_no_dispatcher(personas, dispatching):
    t = create(personas, category_code="accounting")
    assert SupportGroup.objects.get(code="first-line").dispatcher_id is None
    assert t.executor_id == personas.lead.pk


def test_a_dispatcher_takes_precedence_over_the_lead(personas, dispatching):
    group = SupportGroup.objects.get(code="first-line")
    group.dispatcher = personas.agent
    group.save()
    assert create(personas, category_code="accounting").executor_id == personas.agent.pk


def test_group_with_neither_dispatcher_nor_lead_leaves_the_executor_empty(personas):
    group = SupportGroup.objects.create(code="third-line", name_ru="Третья", name_en="Third")
    GroupMembership.objects.create(group=group, user=personas.agent, is_lead=False)
    Category.objects.create(code="servers", name_ru="Серверы", name_en="Servers", default_group=group)
    t = create(personas, category_code="servers")
    assert t.group_id == group.pk
    assert t.executor_id is None


# --- priority ------------------------------------------------------------------------------


def test_default_priority_is_the_one_marked_default(personas):
    assert create(personas).priority.code == "normal"


def test_named_priority_is_used(personas):
    assert create(personas, priority_code="critical").priority.code == "critical"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"priority_code": "urgent"}, "priority"),
        ({"category_code": "nowhere"}, "category"),
    ],
)
def test_unknown_catalogue_codes_are_refused_by_name(personas, kwargs, key):
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        create(personas, **kwargs)
    assert exc.value.status == 422
    assert [e.field for e in exc.value.errors] == [key]
    assert snapshot() == before


def test_inactive_category_is_unknown(personas):
    cat = Category.objects.get(code="email")
    cat.is_active = False
    cat.save()
    with pytest.raises(Invalid) as exc:
        create(personas, category_code="email")
    assert exc.value.errors == (unknown("category", message="unknown category 'email'", value="email"),)


def test_unknown_type_is_refused(personas):
    with pytest.raises(Invalid) as exc:
        ticket_create(initiator=personas.initiator, type_code="complaint", subject="x")
    assert exc.value.errors == (unknown("type", message="unknown request type 'complaint'", value="complaint"),)


# --- scope ---------------------------------------------------------------------------------


def test_out_of_scope_category_goes_to_the_out_of_scope_point_with_the_note(personas):
    hardware = Category.objects.get(code="hardware")
    t = create(personas, category_code="hardware")
    t = Ticket.objects.get(pk=t.pk)
    assert t.point.code == "out_of_scope" and t.point.kind == "declined"
    assert t.is_open is False and t.closed_at == t.created_at
    assert t.executor_id is None
    assert t.number == "ERR-000002"
    records = list(LogRecord.objects.filter(ticket=t).order_by("id"))
    assert [(r.event, r.actor_role) for r in records] == [("created", "initiator"), ("transition", "system")]
    decline = records[1]
    assert decline.actor is None
    assert decline.reaction == ReactionKind.DECLINED_OUT_OF_SCOPE
    assert decline.point.code == "new" and decline.to_point.code == "out_of_scope"
    assert decline.body == hardware.out_of_scope_note
    assert "1234" in decline.body


def test_out_of_scope_without_an_out_of_scope_point_is_refused_and_writes_nothing(personas):
    route = Route.objects.get(code="error")
    route.out_of_scope_point = None
    route.save()
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        create(personas, category_code="hardware")
    assert exc.value.status == 422
    assert exc.value.code == "out_of_scope"
    assert exc.value.errors == (out_of_scope("category", message="out of scope", value="hardware"),)
    assert "'hardware'" in exc.value.detail and "1234" in exc.value.detail
    assert snapshot() == before
    # The other routes still have theirs.
    assert create(personas, "request", category_code="hardware").point.code == "out_of_scope"


# --- the form and the texts ----------------------------------------------------------------


def test_missing_required_type_field_is_named_and_nothing_is_written(personas):
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        create(personas, "request", fields={})
    assert exc.value.status == 422
    assert exc.value.errors == (
        required("fields.kind", message="is required", choices=["access", "new_account", "consultation", "other"]),
    )
    assert "kind" in exc.value.detail
    assert snapshot() == before


def test_bad_type_fields_are_each_named(personas):
    with pytest.raises(Invalid) as exc:
        create(personas, fields={"steps": "x", "affected_users": 0, "blocking": "maybe", "colour": "red"})
    assert exc.value.errors == (
        FieldError("fields.colour", "not_a_field", {}, "is not a field of this request type"),
        FieldError("fields.affected_users", "too_small", {"min": "1", "max": "100000"}, "must be at least 1"),
        FieldError("fields.blocking", "not_a_boolean", {}, "must be yes or no (true/false)"),
    )


def test_fields_of_another_type_are_refused(personas):
    with pytest.raises(Invalid) as exc:
        create(personas, "wish", fields={"benefit": "x", "steps": "y"})
    assert exc.value.errors == (FieldError("fields.steps", "not_a_field", {}, "is not a field of this request type"),)


def test_subject_at_the_limit_is_accepted(personas):
    assert len(create(personas, subject="я" * 200).subject) == 200


def test_oversized_subject_is_refused(personas):
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        create(personas, subject="я" * 201)
    assert exc.value.errors == (too_long("subject", 200, message="at most 200 characters"),)
    assert snapshot() == before


@pytest.mark.parametrize("subject", ["", "   ", None])
def test_empty_subject_is_refused(personas, subject):
    with pytest.raises(Invalid) as exc:
        create(personas, subject=subject)
    assert exc.value.errors == (required("subject", message="is required"),)


def test_oversized_description_is_refused(personas, settings):
    settings.MAX_TEXT_LENGTH = 50
    with pytest.raises(Invalid) as exc:
        create(personas, description="x" * 51)
    assert exc.value.errors == (too_long("description", 50, message="at most 50 characters"),)
