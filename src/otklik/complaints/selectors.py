"""Reads of complaints: the keyset-paginated list (the page and the API alike), one complaint's
history, and what the request page shows of them, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from otklik.accounts.directory import directory
from otklik.accounts.models import SupportGroup, User
from otklik.accounts.people import Person, people
from otklik.core.clock import now
from otklik.core.errors import FieldError, Invalid, not_a_choice, out_of_range
from otklik.core.paging import after, page
from otklik.core.refs import as_id
from otklik.tickets.access import visible_tickets
from otklik.tickets.models import Ticket

from .access import may_see_whole, visible_complaints
from .clock import ANSWER, REACTION, Calendar, Status, status
from .models import Complaint, ComplaintEvent, ComplaintKind, ComplaintState

OPEN = (ComplaintState.FILED, ComplaintState.REVIEW)
STATES = ("open", *ComplaintState.values)


@dataclass(frozen=True)
class ComplaintFilters:
    state: str | None = None  # open, filed, review, upheld, rejected
    kind: str | None = None  # request, regulation
    group: str | None = None  # a support group's code
    agent: str | None = None  # the executor at filing: a user name, an id or "me"
    filed_from: dt.date | None = None  # local dates in the viewer's time zone, both included
    filed_to: dt.date | None = None
    overdue: bool | None = None  # a target missed (recorded, or its deadline passed)
    mine: bool = False  # filed by the viewer


def overdue_q(moment: dt.datetime) -> Q:
    """A target missed at `moment`: recorded, or its deadline passed with the target still unmet
    (the worker may not have recorded it yet)."""
    return (
        Q(reaction_breached_at__isnull=False)
        | Q(answer_breached_at__isnull=False)
        | Q(state=ComplaintState.FILED, reaction_due_at__lte=moment)
        | Q(state__in=OPEN, answer_due_at__lte=moment)
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


# The years a filing date filter may name: beyond them a day's bounds overflow (9999-12-31 + 1 day)
# or fall before any zone's rules (0001-01-01), and no complaint was ever filed there.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def date_in_range(day: dt.date | None) -> bool:
    return day is None or FIRST_YEAR <= day.year <= LAST_YEAR


def _filtered(user: User, f: ComplaintFilters, moment: dt.datetime) -> QuerySet[Complaint]:
    for name in ("filed_from", "filed_to"):
        if not date_in_range(getattr(f, name)):
            raise Invalid(
                f"{name} must be a date in the years {FIRST_YEAR}–{LAST_YEAR}",
                errors=[
                    out_of_range(name, message=f"a date in {FIRST_YEAR}–{LAST_YEAR}", min=FIRST_YEAR, max=LAST_YEAR)
                ],
            )
    qs = visible_complaints(user)
    if f.state:
        if f.state not in STATES:
            raise Invalid(f"unknown state {f.state!r}", errors=[not_a_choice("state", STATES)])
        qs = qs.filter(state__in=OPEN) if f.state == "open" else qs.filter(state=f.state)
    if f.kind:
        if f.kind not in ComplaintKind.values:
            raise Invalid(f"unknown kind {f.kind!r}", errors=[not_a_choice("kind", ComplaintKind.values)])
        qs = qs.filter(kind=f.kind)
    if f.group:
        group = directory().groups_by_code.get(f.group.strip())
        qs = qs.filter(group_id=group.pk if group is not None else 0)
    if f.agent:
        text = f.agent.strip()
        agent_id = user.pk if text == "me" else as_id(text)
        if agent_id is None:
            qs = qs.filter(executor_id__in=User.objects.filter(username=text).values("pk"))
        else:
            qs = qs.filter(executor_id=agent_id)
    if f.filed_from and f.filed_to and f.filed_from > f.filed_to:
        error = FieldError("filed_to", "before_start", {"start": "filed_from"}, "before filed_from")
        raise Invalid("the period ends before it starts", errors=[error])
    if f.filed_from:
        qs = qs.filter(filed_at__gte=_day_start(f.filed_from))
    if f.filed_to:
        qs = qs.filter(filed_at__lt=_day_start(f.filed_to + dt.timedelta(days=1)))
    if f.overdue is not None:
        late = overdue_q(moment)
        qs = qs.filter(late) if f.overdue else qs.exclude(late)
    if f.mine:
        qs = qs.filter(author_id=user.pk)
    return qs


COLUMNS = (
    "id",
    "kind",
    "state",
    "ticket_id",
    "ticket__number",
    "author_id",
    "group_id",
    "executor_id",
    "reviewer_id",
    "filed_at",
    "review_at",
    "answered_at",
    "reaction_due_at",
    "answer_due_at",
    "reaction_breached_at",
    "answer_breached_at",
    "version",
)


@dataclass
class ComplaintRow:
    """A list row: the complaint's own columns and its request's number (one query, no models)."""

    pk: int
    kind: str
    state: str
    ticket_id: int | None
    ticket_number: str | None
    author_id: int
    group_id: int | None
    executor_id: int | None
    reviewer_id: int | None
    filed_at: dt.datetime
    review_at: dt.datetime | None
    answered_at: dt.datetime | None
    reaction_due_at: dt.datetime | None
    answer_due_at: dt.datetime | None
    reaction_breached_at: dt.datetime | None
    answer_breached_at: dt.datetime | None
    version: int

    @property
    def number(self) -> str:
        return f"CMP-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN


@dataclass
class ListedComplaint:
    row: ComplaintRow
    author: Person | None
    executor: Person | None
    group: SupportGroup | None
    reaction: Status
    answer: Status
    ticket_number: str | None = None  # the request's number, only for whoever may see the request


def complaint_list_for(
    user: User,
    filters: ComplaintFilters,
    *,
    cal: Calendar,
    cursor: str | None = None,
    limit: int = 25,
    moment: dt.datetime | None = None,
) -> tuple[list[ListedComplaint], str | None]:
    """Newest first; `next_cursor` is None on the last page. One query for the page, at most one
    for the people's names (cached); each row's targets from `cal` in memory."""
    moment = moment or now()
    qs = after(_filtered(user, filters, moment), cursor)
    rows = [ComplaintRow(*values) for values in qs.values_list(*COLUMNS)[: limit + 1]]
    rows, next_cursor = page(rows, limit)
    names = people(i for r in rows for i in (r.author_id, r.executor_id))
    groups = directory().groups
    shown = visible_ticket_ids(user, {r.ticket_id for r in rows if r.ticket_id})
    return [
        ListedComplaint(
            row=r,
            author=names.get(r.author_id),
            executor=names.get(r.executor_id) if r.executor_id else None,
            group=groups.get(r.group_id) if r.group_id else None,
            reaction=status(r, REACTION, cal, moment),
            answer=status(r, ANSWER, cal, moment),
            ticket_number=r.ticket_number if r.ticket_id in shown else None,
        )
        for r in rows
    ], next_cursor


def complaint_history(user: User, complaint: Complaint) -> list[ComplaintEvent]:
    """The history in order; the internal records (notes, missed targets) only for those who see
    the complaint whole."""
    qs = ComplaintEvent.objects.filter(complaint_id=complaint.pk)
    if not may_see_whole(user, complaint):
        qs = qs.filter(internal=False)
    return list(qs.order_by("id"))


def visible_ticket_ids(user: User, ticket_ids: set[int]) -> set[int]:
    """Which of these requests the viewer may see (one query, none for a manager): only those are
    named on a complaint. Filing a complaint about a request gives no sight of it later (a watcher
    removed, a lead whose group no longer has it)."""
    if not ticket_ids or user.is_manager:  # a manager sees every request
        return set(ticket_ids)
    return set(visible_tickets(user, Ticket.objects.filter(pk__in=ticket_ids)).values_list("pk", flat=True))


def open_complaint_of(user: User, ticket: Ticket) -> Complaint | None:
    """The person's open complaint about this request, if any (the request page offers no second)."""
    return Complaint.objects.filter(ticket_id=ticket.pk, author_id=user.pk, state__in=OPEN).order_by("-id").first()


def visible_complaint_ids(user: User, ticket: Ticket) -> set[int]:
    """The complaints about this request the viewer may open (the timeline links to them)."""
    return set(visible_complaints(user, Complaint.objects.filter(ticket_id=ticket.pk)).values_list("pk", flat=True))
