"""Who may see a request and who may act on it. `access_ticket` is the one gate for objects."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q, QuerySet

from otklik.accounts.models import User
from otklik.accounts.selectors import memberships_of
from otklik.catalog.reference import reference
from otklik.core.errors import NotFound
from otklik.core.prepared import Prepared
from otklik.core.refs import as_id
from otklik.routes.models import Actor, Transition

from .models import ActorRole, Ticket, Watcher


def visible_tickets_q(user: User) -> Q | None:
    """A filter for the requests `user` may see; None means everything."""
    if user.is_manager:
        return None
    q = Q(initiator_id=user.pk) | Q(pk__in=Watcher.objects.filter(user_id=user.pk).values("ticket_id"))
    if user.is_support_staff:
        groups = memberships_of(user).groups
        q |= Q(executor_id=user.pk)
        if groups:
            q |= Q(group_id__in=sorted(groups))
    elif user.sees_organisation_requests and user.organisation_id:
        q |= Q(organisation_id=user.organisation_id)
    return q


def sees_what_they_execute(user: User) -> bool:
    """Whether every request `user` is the executor of is among those they may see (visible_tickets_q
    says so for support staff and managers): a list already limited to them needs no other filter."""
    return user.is_manager or user.is_support_staff


def visible_tickets(user: User, qs: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    qs = Ticket.objects.all() if qs is None else qs
    q = visible_tickets_q(user)
    return qs if q is None else qs.filter(q)


def may_see(user: User, ticket: Ticket) -> bool:
    return sees_unwatched(user, ticket) or Watcher.objects.filter(ticket_id=ticket.pk, user_id=user.pk).exists()


def may_see_each(pairs: Collection[tuple[User, Ticket]]) -> list[bool]:
    """`may_see` for many (person, request) pairs, in one query for the watchers of all of them."""
    pairs = list(pairs)
    seen = [sees_unwatched(user, ticket) for user, ticket in pairs]
    asked = [(user.pk, ticket.pk) for (user, ticket), ok in zip(pairs, seen, strict=True) if not ok]
    if not asked:
        return seen
    watching = set(
        Watcher.objects.filter(ticket_id__in={t for _, t in asked}, user_id__in={u for u, _ in asked}).values_list(
            "user_id", "ticket_id"
        )
    )
    return [ok or (user.pk, ticket.pk) in watching for (user, ticket), ok in zip(pairs, seen, strict=True)]


def sees_unwatched(user: User, ticket: Ticket) -> bool:
    """Sees the request without being one of its watchers (one who does not loses it on leaving)."""
    if user.is_manager or ticket.initiator_id == user.pk:
        return True
    if user.is_support_staff:
        return ticket.executor_id == user.pk or ticket.group_id in memberships_of(user).groups
    return bool(
        user.sees_organisation_requests and user.organisation_id and ticket.organisation_id == user.organisation_id
    )


def ticket_lookup(ref: str | int) -> Q:
    """A request is addressed by its id or by its number (ERR-000123)."""
    text = str(ref).strip()
    if text.isascii() and text.isdigit():
        value = as_id(text)
        # Beyond a bigint no row can exist; PostgreSQL would refuse the comparison itself.
        return Q(pk=value) if value is not None else Q(pk__in=[])
    return Q(number=text.upper())


# The request's row by id or by number: the two statements every page and detail of one request
# starts with, compiled once (core.prepared). As `.first()` would read it.
_BY_ID: Prepared[Ticket] = Prepared(lambda pk: Ticket.objects.filter(pk=pk).order_by("pk")[:1], int)
_BY_NUMBER: Prepared[Ticket] = Prepared(lambda number: Ticket.objects.filter(number=number).order_by("pk")[:1], str)


def _ticket_row(ref: str | int) -> Ticket | None:
    """`Ticket.objects.filter(ticket_lookup(ref)).first()`, without compiling it each time."""
    text = str(ref).strip()
    if text.isascii() and text.isdigit():
        value = as_id(text)
        rows = _BY_ID.models(value) if value is not None else []
    else:
        rows = _BY_NUMBER.models(text.upper())
    return rows[0] if rows else None


def access_ticket(user: User, ref: str | int, *, qs: QuerySet[Ticket] | None = None) -> Ticket:
    """Fetch a request the user may see, or 404 as if it did not exist."""
    # The ticket row alone: reference rows come from the snapshot, people from their cache.
    ticket = qs.filter(ticket_lookup(ref)).first() if qs is not None else _ticket_row(ref)
    if ticket is None or not may_see(user, ticket):
        raise NotFound(f"request {ref} not found")
    return reference().attach(ticket)


def actor_role(user: User | None, ticket: Ticket) -> str:
    if user is None:
        return ActorRole.SYSTEM
    if ticket.initiator_id == user.pk:
        return ActorRole.INITIATOR
    if ticket.executor_id == user.pk:
        return ActorRole.EXECUTOR
    if user.is_support_staff:
        return ActorRole.STAFF
    return ActorRole.OTHER


def actor_capacities(user: User, ticket: Ticket) -> set[str]:
    """The route actors this user counts as on this request."""
    caps: set[str] = set()
    if ticket.initiator_id == user.pk:
        caps.add(Actor.INITIATOR)
    if not user.is_support_staff:
        return caps
    if ticket.executor_id == user.pk:
        caps.add(Actor.EXECUTOR)
    mem = memberships_of(user)
    if ticket.group_id in mem.groups:
        caps.add(Actor.GROUP_MEMBER)
    if ticket.group_id in mem.led:
        caps.add(Actor.GROUP_LEAD)
    if user.is_manager:
        caps.update({Actor.MANAGER, Actor.GROUP_LEAD, Actor.GROUP_MEMBER})
    return caps


def may_see_rating(user: User, ticket: Ticket) -> bool:
    """The satisfaction rating (score and comment) is between the initiator and the support staff
    in charge of the request (its executor, its group, leads, managers): watchers and readers of
    the request see neither."""
    if ticket.initiator_id == user.pk:
        return True
    return bool(actor_capacities(user, ticket) - {Actor.INITIATOR})


def may_participate(user: User, ticket: Ticket) -> bool:
    """May reply and add files: a route actor on the request (initiator, executor, group, lead,
    manager) or a watcher. Seeing a request (an organisation reader) is not enough."""
    if actor_capacities(user, ticket):
        return True
    return Watcher.objects.filter(ticket_id=ticket.pk, user_id=user.pk).exists()


def may_take(user: User, ticket: Ticket, transition: Transition) -> bool:
    return bool(actor_capacities(user, ticket) & set(transition.actors()))


def available_transitions(user: User, ticket: Ticket) -> list[Transition]:
    transitions = reference().outgoing.get(ticket.point_id, [])
    caps = actor_capacities(user, ticket)
    return [t for t in transitions if caps & set(t.actors())]
