"""The requests behind a figure of the report: the same conditions as the count (queries.py), the
same scope, optionally one week, type or priority, newest first in keyset pages, and only the
requests the viewer may open (a figure may count requests the viewer cannot open: an agent's
figures include a request since moved to another group; the list says so)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from otklik.accounts.models import User
from otklik.catalog.reference import reference
from otklik.complaints.models import Complaint, ComplaintState
from otklik.core.errors import Invalid, not_a_date, not_allowed, out_of_range, unknown
from otklik.core.paging import decode_cursor, encode_cursor
from otklik.feedback.models import Survey
from otklik.tickets.access import visible_tickets_q
from otklik.tickets.models import Ticket

from . import kpi
from .models import Fact, NextReaction
from .period import EARLIEST, LATEST, Period
from .queries import ATTRIBUTION, fact_measures, open_at, scope_q, scoped, within
from .scope import Scope

PAGE = 50
# Measures whose requests come from the next-reaction outcomes, the surveys, the complaints.
OTHER_MEASURES = ("nr_met", "nr_breached", "asked", "answered", "filed", "upheld", *(f"score_{s}" for s in kpi.SCORES))
FACT_ONLY = (
    "received",
    "resolved",
    "fr_met",
    "fr_breached",
    "res_met",
    "res_breached",
    "first_resolved",
    "reopened",
    "reassigned",
    "auto_confirmed",
    "first_reaction",
    "resolution",
    "breaches",
    "backlog",
    *(f"backlog_{b.code}" for b in kpi.BACKLOG_BUCKETS),
)
MEASURES = FACT_ONLY + OTHER_MEASURES
# Measures a week, type or priority may narrow (the backlog is one instant; surveys and
# complaints have no type or priority of their own).
WEEKLY = frozenset(MEASURES) - {"backlog", *(f"backlog_{b.code}" for b in kpi.BACKLOG_BUCKETS), "filed", "upheld"}
BY_KIND = frozenset(FACT_ONLY) | {"nr_met", "nr_breached"}


@dataclass(frozen=True)
class Drill:
    measure: str
    week: dt.date | None = None
    type_code: str = ""
    priority_code: str = ""


def parse_drill(measure: str | None, week: str | None, type_code: str | None, priority_code: str | None) -> Drill:
    name = (measure or "").strip()
    if name not in MEASURES:
        raise Invalid(f"unknown figure {name!r}", errors=[unknown("measure", value=name)])
    monday = None
    if week:
        try:
            monday = dt.date.fromisoformat(week.strip())
        except ValueError:
            raise Invalid(f"week: {week!r} is not a date", errors=[not_a_date("week", message="not a date")]) from None
        if monday.weekday() != 0:
            error = not_a_date("week", message="not a Monday", weekday="monday")
            raise Invalid(f"week: {monday} is not a Monday", errors=[error])
        # A week that meets the years a period may have (9999-12-27's Sunday is past the calendar).
        if not EARLIEST - dt.timedelta(days=6) <= monday <= LATEST:
            raise Invalid(
                f"week: {monday} is outside {EARLIEST.year}–{LATEST.year}",
                errors=[out_of_range("week", min=EARLIEST.year, max=LATEST.year)],
            )
        if name not in WEEKLY:
            raise Invalid(f"{name} has no weeks", errors=[not_allowed("week", message="not for this figure")])
    ref = reference()
    if (type_code or priority_code) and name not in BY_KIND:
        raise Invalid(f"{name} has no types or priorities", errors=[not_allowed("type", message="not for this figure")])
    if type_code and type_code not in ref.types_by_code:
        raise Invalid(f"unknown type {type_code!r}", errors=[unknown("type", value=type_code)])
    if priority_code and priority_code not in ref.priorities_by_code:
        raise Invalid(f"unknown priority {priority_code!r}", errors=[unknown("priority", value=priority_code)])
    return Drill(name, monday, type_code or "", priority_code or "")


def _narrowed(period: Period, week: dt.date | None) -> Period:
    """The period, or the part of one week that lies within it."""
    if week is None:
        return period
    first, last = max(period.first, week), min(period.last, week + dt.timedelta(days=6))
    if last < first:
        return Period(period.first, period.first - dt.timedelta(days=1), period.tz)  # empty
    return Period(first, last, period.tz)


def _owned(q: Q, scope: Scope, measure: str) -> Q | None:
    """The measure's condition within the scope, on the measure's own columns (None: nothing)."""
    owner = scope_q(scope, ATTRIBUTION[measure])
    return None if owner is None else q & owner


def _fact_q(measure: str, scope: Scope, period: Period, backlog_at: dt.datetime) -> Q | None:
    """The facts counted in the measure for the scope (None: none can be)."""
    measures = fact_measures(period, backlog_at)
    if measure in measures:
        return _owned(measures[measure], scope, measure)
    if measure == "first_reaction":
        return _owned(within("first_reaction_at", period) & Q(first_reaction_seconds__isnull=False), scope, measure)
    if measure == "resolution":
        return _owned(within("resolved_at", period) & Q(resolution_seconds__isnull=False), scope, measure)
    if measure == "backlog":
        return _owned(open_at(backlog_at), scope, measure)
    # breaches: of any of the three targets, each its owner's
    breached_nr = scoped(NextReaction.objects.filter(within("at", period), met=False), scope).values("ticket_id")
    found = Q(ticket_id__in=breached_nr)
    for column, measure in (("first_reaction_breached_at", "fr_breached"), ("resolution_breached_at", "res_breached")):
        mine = scope_q(scope, ATTRIBUTION[measure])
        if mine is not None:
            found |= within(column, period) & mine
    return found


def _ticket_ids(measure: str, scope: Scope, period: Period) -> QuerySet[Any]:
    """The requests of a next-reaction, survey or complaint figure."""
    if measure in ("nr_met", "nr_breached"):
        rows = scoped(NextReaction.objects.filter(within("at", period), met=measure == "nr_met"), scope)
    elif measure in ("filed", "upheld"):
        rows = scoped(Complaint.objects.filter(within("filed_at", period), ticket__isnull=False), scope)
        if measure == "upheld":
            rows = rows.filter(state=ComplaintState.UPHELD)
    else:
        rows = scoped(Survey.objects.filter(within("asked_at", period)), scope)
        if measure != "asked":
            rows = rows.filter(answered_at__isnull=False, score__isnull=False)
        if measure.startswith("score_"):
            rows = rows.filter(score=int(measure[len("score_") :]))
    return rows.values("ticket_id")


def drill_queryset(
    user: User, scope: Scope, period: Period, drill: Drill, *, backlog_at: dt.datetime
) -> QuerySet[Fact]:
    span = _narrowed(period, drill.week)
    if drill.measure in OTHER_MEASURES:
        # Attributed by their own row (a survey to the executor at resolution), not the facts'.
        facts = Fact.objects.filter(ticket_id__in=_ticket_ids(drill.measure, scope, span))
    else:
        q = _fact_q(drill.measure, scope, span, backlog_at)
        facts = Fact.objects.none() if q is None else Fact.objects.filter(q)
    ref = reference()
    if drill.type_code:
        facts = facts.filter(type_id=ref.types_by_code[drill.type_code].pk)
    if drill.priority_code:
        facts = facts.filter(priority_id=ref.priorities_by_code[drill.priority_code].pk)
    visible = visible_tickets_q(user)
    if visible is not None:
        facts = facts.filter(ticket_id__in=Ticket.objects.filter(visible).values("pk"))
    return facts


ROW_COLUMNS = (
    "ticket_id",
    "ticket__number",
    "ticket__subject",
    "type_id",
    "priority_id",
    "group_id",
    "executor_id",
    "created_at",
    "first_reaction_at",
    "first_reaction_seconds",
    "first_reaction_met",
    "resolved_at",
    "resolution_seconds",
    "resolution_met",
    "reopens",
    "reassignments",
    "next_met",
    "next_breached",
    "auto_confirmed",
    "closed_at",
)


@dataclass
class DrillPage:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def drill_page(
    user: User,
    scope: Scope,
    period: Period,
    drill: Drill,
    *,
    backlog_at: dt.datetime,
    cursor: str | None = None,
    limit: int = PAGE,
) -> DrillPage:
    """One page of the requests behind a figure, newest first: one query."""
    qs = drill_queryset(user, scope, period, drill, backlog_at=backlog_at)
    if cursor:
        qs = qs.filter(ticket_id__lt=decode_cursor(cursor))
    found = qs.order_by("-ticket_id").values_list(*ROW_COLUMNS)[: limit + 1]
    rows = [dict(zip(ROW_COLUMNS, values, strict=True)) for values in found]
    next_cursor = encode_cursor(rows[limit - 1]["ticket_id"]) if len(rows) > limit else None
    return DrillPage(rows[:limit], next_cursor)
