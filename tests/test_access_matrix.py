"""Who sees which request: may_see, access_ticket and the lists must agree for every persona."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from otklik.accounts.models import SupportGroup
from otklik.core.errors import NotFound
from otklik.tickets.access import access_ticket, may_see, visible_tickets
from otklik.tickets.models import Ticket, Watcher
from otklik.tickets.selectors import TicketFilters, ticket_list_for
from otklik.workflow import ticket_create

PERSONAS = ("initiator", "initiator2", "agent", "agent2", "lead", "manager", "admin", "outsider")


@dataclass
class World:
    own: Ticket  # initiator's, first line
    colleague: Ticket  # initiator2's, first line
    second: Ticket  # initiator's, second line (executor agent2)

    def by_name(self, name: str) -> Ticket:
        return getattr(self, name)


@pytest.fixture
def world(personas):
    def create(who, type_code, category, fields):
        t = ticket_create(
            initiator=getattr(personas, who),
            type_code=type_code,
            subject=f"{who} {category}",
            category_code=category,
            fields=fields,
        )
        return Ticket.objects.get(pk=t.pk)

    return World(
        own=create("initiator", "error", "accounting", {"steps": "x"}),
        colleague=create("initiator2", "request", "access", {"kind": "access"}),
        second=create("initiator", "error", "accounting-payroll", {"steps": "y"}),
    )


# Which of the three each persona sees.
EXPECTED = {
    "initiator": {"own", "second"},
    "initiator2": {"colleague"},
    "agent": {"own", "colleague"},  # first line: the group's requests
    "agent2": {"second"},  # second line: a member
    "lead": {"own", "colleague"},
    "manager": {"own", "colleague", "second"},
    "admin": {"own", "colleague", "second"},
    "outsider": set(),
}
# Everything each persona sees, counting the demo's three sample requests
# (ERR-000001 and WSH-000001 by initiator, REQ-000001 by initiator2, all first line).
TOTAL = {"initiator": 4, "initiator2": 2, "agent": 5, "agent2": 1, "lead": 5, "manager": 6, "admin": 6, "outsider": 0}


def visible_names(user, world) -> set[str]:
    ids = {t.pk: n for n in ("own", "colleague", "second") if (t := world.by_name(n))}
    return {ids[pk] for pk in visible_tickets(user).filter(pk__in=ids).values_list("pk", flat=True)}


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("which", ["own", "colleague", "second"])
def test_access_ticket_and_can_see(personas, world, who, which):
    user, ticket = getattr(personas, who), world.by_name(which)
    allowed = which in EXPECTED[who]
    assert may_see(user, ticket) is allowed
    if allowed:
        assert access_ticket(user, ticket.pk).pk == ticket.pk
        assert access_ticket(user, ticket.number.lower()).pk == ticket.pk
        assert access_ticket(user, str(ticket.pk)).number == ticket.number
    else:
        with pytest.raises(NotFound) as exc:
            access_ticket(user, ticket.number)
        assert exc.value.status == 404 and exc.value.detail == f"request {ticket.number} not found"
        with pytest.raises(NotFound):
            access_ticket(user, ticket.pk)


@pytest.mark.parametrize("who", PERSONAS)
def test_lists_show_exactly_what_may_be_seen(personas, world, who):
    user = getattr(personas, who)
    assert visible_names(user, world) == EXPECTED[who]
    assert visible_tickets(user).count() == TOTAL[who]
    rows, cursor = ticket_list_for(user, TicketFilters(), limit=50)
    assert cursor is None
    assert len(rows) == TOTAL[who]
    assert {t.pk for t in rows} == set(visible_tickets(user).values_list("pk", flat=True))


def test_outsider_sees_nothing_at_all(personas, world):
    assert visible_tickets(personas.outsider).exists() is False
    assert ticket_list_for(personas.outsider, TicketFilters()) == ([], None)
    for t in Ticket.objects.all():
        with pytest.raises(NotFound):
            access_ticket(personas.outsider, t.number)


def test_unknown_reference_is_not_found_even_for_the_admin(personas, world):
    for ref in ("ERR-999999", 999999, "not-a-number"):
        with pytest.raises(NotFound):
            access_ticket(personas.admin, ref)


def test_initiator_with_the_organisation_right_sees_the_organisations_requests(personas, world):
    theirs = ticket_create(initiator=personas.outsider, type_code="error", subject="Elsewhere", fields={"steps": "z"})
    personas.initiator2.sees_organisation_requests = True
    personas.initiator2.save()
    assert visible_names(personas.initiator2, world) == {"own", "colleague", "second"}
    assert may_see(personas.initiator2, world.own) is True
    assert access_ticket(personas.initiator2, world.second.number).pk == world.second.pk
    assert may_see(personas.initiator2, theirs) is False
    assert visible_tickets(personas.initiator2).filter(pk=theirs.pk).exists() is False
    assert visible_tickets(personas.initiator2).count() == 6  # the demo's three and these three


def test_the_organisation_right_does_not_reach_across_organisations(personas, world):
    personas.outsider.sees_organisation_requests = True
    personas.outsider.save()
    assert visible_tickets(personas.outsider).count() == 0
    assert may_see(personas.outsider, world.own) is False


@pytest.mark.parametrize(
    ("who", "which"),
    [("initiator2", "own"), ("agent", "second"), ("agent2", "own"), ("outsider", "colleague")],
)
def test_watchers_see_what_they_watch_and_nothing_more(personas, world, who, which):
    user = getattr(personas, who)
    Watcher.objects.create(ticket=world.by_name(which), user=user)
    assert may_see(user, world.by_name(which)) is True
    assert access_ticket(user, world.by_name(which).number).pk == world.by_name(which).pk
    assert visible_names(user, world) == EXPECTED[who] | {which}


def test_the_executor_sees_a_request_outside_their_groups(personas, world):
    Ticket.objects.filter(pk=world.second.pk).update(executor=personas.agent)
    second = Ticket.objects.get(pk=world.second.pk)
    assert may_see(personas.agent, second) is True
    assert visible_names(personas.agent, world) == {"own", "colleague", "second"}
    # agent2 is still a member of the second line, so keeps seeing it.
    assert may_see(personas.agent2, second) is True


def test_an_inactive_group_gives_its_members_no_sight(personas, world):
    group = SupportGroup.objects.get(code="first-line")
    group.is_active = False
    group.save()
    # Nobody executes the first line's requests (they wait in its queue): the lead loses them too,
    # unless they are the executor, who keeps sight of what they hold.
    assert visible_names(personas.lead, world) == set()
    Ticket.objects.filter(pk__in=[world.own.pk, world.colleague.pk]).update(executor=personas.lead)
    assert visible_names(personas.lead, world) == {"own", "colleague"}
    assert visible_tickets(personas.agent).count() == 0
    assert visible_names(personas.agent, world) == set()
    assert may_see(personas.agent, world.colleague) is False


def test_a_lead_sees_like_a_member_of_their_own_group_only(personas, world):
    assert may_see(personas.lead, world.second) is False
    with pytest.raises(NotFound):
        access_ticket(personas.lead, world.second.number)
