"""Who may see whose quality figures: support managers and administrators everyone's; a group lead
their groups' and their groups' members' (within those groups) and their own; an agent their own
only. Initiators have no reports (403). A group or person one may not see is answered as unknown
(404), like one that does not exist.

A group's members are its members now, and also those the facts list in the group during the
period asked for (daily counts, surveys, complaints, requests they hold): someone who has left the
group since still has their figures there, which its lead and the managers may see."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Q

from otklik.accounts.directory import directory
from otklik.accounts.models import SupportGroup, User
from otklik.accounts.people import Person, people
from otklik.accounts.selectors import memberships_of
from otklik.complaints.models import Complaint
from otklik.core.clock import now
from otklik.core.errors import Forbidden, NotFound
from otklik.feedback.models import Survey

from .models import DayCount, Fact
from .period import Period
from .queries import open_at, within
from .scope import Scope


def may_see_reports(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_support_staff)


def _group(code: str) -> SupportGroup:
    found = directory().groups_by_code.get(code)
    if found is None:
        raise NotFound(f"support group {code!r} not found")
    return found


def listed_in_facts(person_id: int, group_ids: Collection[int] | None, period: Period | None) -> bool:
    """Whether the facts name the person in these groups (None: any) within the period (None: ever):
    a figure of theirs in the daily counts, a survey or complaint naming them, or a request they
    hold open at the period's end (the backlog). A few index lookups."""

    if period is not None:
        days = Q(day__gte=period.first, day__lte=period.last)
        asked, filed = within("asked_at", period), within("filed_at", period)
        held = open_at(period.backlog_at(now()))
    else:
        days = asked = filed = held = Q()
    groups = Q(group_id__in=sorted(group_ids)) if group_ids is not None else Q()
    return (
        DayCount.objects.filter(days, groups, executor_id=person_id).exists()
        or Survey.objects.filter(asked, groups, executor_id=person_id).exists()
        or Complaint.objects.filter(filed, groups, executor_id=person_id).exists()
        or Fact.objects.filter(held, groups, executor_id=person_id).exists()
    )


def _agent(username: str, period: Period | None) -> Person:
    """The person asked for: in support now, or someone the facts name in the period."""
    user = User.objects.filter(username=username).only("pk").first()
    person = people([user.pk]).get(user.pk) if user is not None else None
    if person is None or not (person.is_support_staff or listed_in_facts(person.pk, None, period)):
        raise NotFound(f"agent {username!r} not found")
    return person


def visible_groups(user: User) -> list[SupportGroup] | None:
    """The groups whose figures the user may choose: None for every group (a manager)."""
    if user.is_manager:
        return None
    mem = memberships_of(user)
    ids = mem.led or mem.groups
    return sorted((directory().groups[g] for g in ids if g in directory().groups), key=lambda g: g.code)


def visible_agents(user: User) -> list[Person]:
    """The people whose figures the user may choose: everyone in support for a manager, the members
    of their groups for a lead, themselves for an agent."""
    if user.is_manager:
        ids = list(directory().memberships)
    else:
        led = memberships_of(user).led
        ids = [uid for uid, mem in directory().memberships.items() if mem.groups & led] if led else []
    found = people([user.pk, *ids])
    return sorted((p for p in found.values() if p.is_support_staff and p.is_active), key=lambda p: p.display_name)


def access_quality(
    user: User, *, group: str | None = None, agent: str | None = None, period: Period | None = None
) -> Scope:
    """The scope of the report `user` asks for, or Forbidden / NotFound. `period`: the report's (the
    people the facts name in a group then are its members for it; None: at any time)."""
    if not may_see_reports(user):
        raise Forbidden("quality reports are for the support staff")
    group_code, username = (group or "").strip(), (agent or "").strip()
    chosen = _group(group_code) if group_code else None
    person = _agent(username, period) if username else None
    if user.is_manager:
        return Scope(
            group_ids=frozenset({chosen.pk}) if chosen else None,
            executor_id=person.pk if person else None,
            group=chosen,
            agent=person,
        )
    mem = memberships_of(user)
    if person is None or person.pk == user.pk:
        if person is None and mem.led:
            # A lead without a person named: their groups (or the one of them asked for).
            if chosen is not None and chosen.pk not in mem.led:
                raise NotFound(f"support group {group_code!r} not found")
            return Scope(group_ids=frozenset({chosen.pk}) if chosen else mem.led, group=chosen)
        # One's own figures, in any of one's groups.
        if chosen is not None and chosen.pk not in mem.groups:
            raise NotFound(f"support group {group_code!r} not found")
        me = people([user.pk])[user.pk]
        return Scope(group_ids=frozenset({chosen.pk}) if chosen else None, executor_id=user.pk, group=chosen, agent=me)
    # Someone else: a lead's group member (now, or as the facts of the period name them), within the
    # lead's groups.
    if chosen is not None and chosen.pk not in mem.led:
        raise NotFound(f"support group {group_code!r} not found")
    theirs = directory().memberships.get(person.pk)
    member_now = theirs is not None and bool(theirs.groups & mem.led)
    if not member_now and not listed_in_facts(person.pk, {chosen.pk} if chosen else mem.led, period):
        raise NotFound(f"agent {username!r} not found")
    return Scope(
        group_ids=frozenset({chosen.pk}) if chosen else mem.led, executor_id=person.pk, group=chosen, agent=person
    )
