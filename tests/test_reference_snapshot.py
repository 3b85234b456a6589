"""The in-process reference snapshot follows changes to the catalogue, routes, groups and people."""

from otklik.catalog.models import Priority
from otklik.catalog.reference import reference
from otklik.workflow import ticket_create


def test_a_new_priority_is_usable_at_once(personas):
    reference()  # built
    Priority.objects.create(code="urgent-x", name_ru="Срочно", name_en="Urgent", rank=9)
    ticket = ticket_create(
        initiator=personas.initiator, type_code="error", subject="s", priority_code="urgent-x", fields={"steps": "1"}
    )
    assert ticket.priority.code == "urgent-x"


def test_a_deactivated_dispatcher_receives_no_new_requests(personas, dispatching):
    # second-line's dispatcher is agent2; without an active dispatcher or lead, requests stay unassigned.
    ticket = ticket_create(initiator=personas.initiator, type_code="wish", subject="s", fields={"benefit": "b"})
    assert ticket.executor_id == personas.agent2.pk
    personas.agent2.is_active = False
    personas.agent2.save()
    ticket = ticket_create(initiator=personas.initiator, type_code="wish", subject="s", fields={"benefit": "b"})
    assert ticket.executor_id is None


def test_a_deactivated_lead_is_skipped_for_first_line(personas):
    personas.lead.is_active = False
    personas.lead.save()
    ticket = ticket_create(initiator=personas.initiator, type_code="error", subject="s", fields={"steps": "1"})
    assert ticket.executor_id is None


def test_a_changed_reference_ttl_holds_at_once(settings) -> None:
    """REFERENCE_TTL is read once per process (every snapshot read asks for it), and again when
    the setting changes."""
    from otklik.core.snapshot import reference_ttl

    settings.REFERENCE_TTL = 3600
    assert reference_ttl() == 3600.0
    settings.REFERENCE_TTL = 0.5
    assert reference_ttl() == 0.5
