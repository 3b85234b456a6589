"""The report's aggregation in SQL over the facts, the next-reaction outcomes, the surveys and the
complaints, for one scope and period.

Counts are additive, so each table is read once, grouped at the finest grain the report shows
(group × executor × type × priority: a few thousand rows at most), and rolled up here into the
total, the groups, the agents, the types and the priorities. Percentiles are not additive: on
PostgreSQL they are percentile_cont over GROUPING SETS (everyone, each group, each executor) in
one statement; on SQLite the values are fetched and kpi.percentile computes the same thing. The
weeks are counted per instant column (a request is received in one week and resolved in another).

Which instant puts a figure in the period P = [start, end):
received → created_at; resolved, resolution time, resolution met → resolved_at; first-reaction
time and met → first_reaction_at; a breach → the instant its deadline passed; reopen rate →
first_resolved_at; next-reaction outcomes → their own instants; surveys → asked_at; complaints →
filed_at; the backlog → open at min(end, now).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from otklik.feedback.models import Complaint, ComplaintState, Survey

from . import kpi
from .access import Scope
from .models import Fact, NextReaction
from .period import Period

Key = tuple[str, int | None]  # ("total", None), ("group", id), ("executor", id or None)
TOTAL: Key = ("total", None)


def _empty_backlog() -> dict[str, int]:
    return {b.code: 0 for b in kpi.BACKLOG_BUCKETS}


def _empty_scores() -> dict[int, int]:
    return dict.fromkeys(kpi.SCORES, 0)


@dataclass
class Tally:
    """The additive counts of one row of the report."""

    received: int = 0
    resolved: int = 0
    fr_met: int = 0
    fr_breached: int = 0
    res_met: int = 0
    res_breached: int = 0
    nr_met: int = 0
    nr_breached: int = 0
    first_resolved: int = 0
    reopened: int = 0
    reassignments: int = 0
    reassigned: int = 0
    auto_confirmed: int = 0
    backlog: dict[str, int] = field(default_factory=_empty_backlog)
    asked: int = 0
    answered: int = 0
    scores: dict[int, int] = field(default_factory=_empty_scores)
    filed: int = 0
    upheld: int = 0

    def add(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if name.startswith("backlog_"):
                self.backlog[name[len("backlog_") :]] += value or 0
            elif name.startswith("score_"):
                self.scores[int(name[len("score_") :])] += value or 0
            else:
                setattr(self, name, getattr(self, name) + (value or 0))

    @property
    def met(self) -> int:
        return self.fr_met + self.res_met + self.nr_met

    @property
    def breached(self) -> int:
        return self.fr_breached + self.res_breached + self.nr_breached


@dataclass
class Spread:
    """A measure's distribution: how many values, their median and 90th percentile (seconds)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass
class Aggregates:
    total: Tally = field(default_factory=Tally)
    groups: dict[int, Tally] = field(default_factory=dict)
    executors: dict[int | None, Tally] = field(default_factory=dict)
    types: dict[int, Tally] = field(default_factory=dict)
    priorities: dict[int, Tally] = field(default_factory=dict)
    weeks: dict[dt.date, Tally] = field(default_factory=dict)
    first_reaction: dict[Key, Spread] = field(default_factory=dict)
    resolution: dict[Key, Spread] = field(default_factory=dict)
    backlog_at: dt.datetime | None = None

    def roll(self, keys: Mapping[str, Any], values: Mapping[str, Any], *, by_kind: bool = True) -> None:
        """Add one fine-grained row to the total and to each breakdown it belongs to."""
        self.total.add(values)
        if "group_id" in keys:
            self.groups.setdefault(keys["group_id"], Tally()).add(values)
        if "executor_id" in keys:
            self.executors.setdefault(keys["executor_id"], Tally()).add(values)
        if by_kind and "type_id" in keys:
            self.types.setdefault(keys["type_id"], Tally()).add(values)
        if by_kind and "priority_id" in keys:
            self.priorities.setdefault(keys["priority_id"], Tally()).add(values)


def within(column: str, period: Period) -> Q:
    return Q(**{f"{column}__gte": period.start, f"{column}__lt": period.end})


def open_at(moment: dt.datetime) -> Q:
    """Filed before `moment` and not closed by then."""
    return Q(created_at__lt=moment) & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))


def backlog_bucket_q(bucket: kpi.Bucket, moment: dt.datetime) -> Q:
    """Open at `moment` with an age (moment − created_at) within the bucket."""
    q = open_at(moment) & Q(created_at__lte=moment - bucket.lower)
    return q & Q(created_at__gt=moment - bucket.upper) if bucket.upper is not None else q


def scoped(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    """The rows the scope covers (the facts, outcomes, surveys and complaints name group and executor alike)."""
    if scope.group_ids is not None:
        qs = qs.filter(group_id__in=sorted(scope.group_ids))
    if scope.executor_id is not None:
        qs = qs.filter(executor_id=scope.executor_id)
    return qs


def fact_measures(period: Period, backlog_at: dt.datetime) -> dict[str, Q]:
    """Each count of the facts and the condition of a request to be counted in it."""
    measures = {
        "received": within("created_at", period),
        "resolved": within("resolved_at", period),
        "fr_met": within("first_reaction_at", period) & Q(first_reaction_met=True),
        "fr_breached": within("first_reaction_breached_at", period),
        "res_met": within("resolved_at", period) & Q(resolution_met=True),
        "res_breached": within("resolution_breached_at", period),
        "first_resolved": within("first_resolved_at", period),
        "reopened": within("first_resolved_at", period) & Q(reopens__gt=0),
        "reassigned": within("resolved_at", period) & Q(reassignments__gt=0),
        "auto_confirmed": within("resolved_at", period) & Q(auto_confirmed=True),
    }
    for bucket in kpi.BACKLOG_BUCKETS:
        measures[f"backlog_{bucket.code}"] = backlog_bucket_q(bucket, backlog_at)
    return measures


def in_report(period: Period, backlog_at: dt.datetime) -> Q:
    """The facts any count of the report may take: an instant within the period, or open at its end."""
    q = open_at(backlog_at)
    for column in (
        "created_at",
        "resolved_at",
        "first_reaction_at",
        "first_reaction_breached_at",
        "resolution_breached_at",
        "first_resolved_at",
    ):
        q |= within(column, period)
    return q


FINE = ("group_id", "executor_id", "type_id", "priority_id")


def _count_facts(agg: Aggregates, scope: Scope, period: Period, backlog_at: dt.datetime) -> None:
    measures = fact_measures(period, backlog_at)
    counts: dict[str, Any] = {name: Count("pk", filter=q) for name, q in measures.items()}
    counts["reassignments"] = Sum("reassignments", filter=within("resolved_at", period))
    rows = scoped(Fact.objects.filter(in_report(period, backlog_at)), scope).order_by().values(*FINE).annotate(**counts)
    for row in rows:
        agg.roll({k: row.pop(k) for k in FINE}, row)


def _count_next_reactions(agg: Aggregates, scope: Scope, period: Period) -> None:
    rows = (
        scoped(NextReaction.objects.filter(within("at", period)), scope)
        .order_by()
        .values(*FINE)
        .annotate(nr_met=Count("pk", filter=Q(met=True)), nr_breached=Count("pk", filter=Q(met=False)))
    )
    for row in rows:
        agg.roll({k: row.pop(k) for k in FINE}, row)


def _count_surveys(agg: Aggregates, scope: Scope, period: Period) -> None:
    answered = Q(answered_at__isnull=False, score__isnull=False)
    counts: dict[str, Any] = {"asked": Count("pk"), "answered": Count("pk", filter=answered)}
    counts.update({f"score_{s}": Count("pk", filter=answered & Q(score=s)) for s in kpi.SCORES})
    rows = (
        scoped(Survey.objects.filter(within("asked_at", period)), scope)
        .order_by()
        .values("group_id", "executor_id")
        .annotate(**counts)
    )
    for row in rows:
        agg.roll({k: row.pop(k) for k in ("group_id", "executor_id")}, row, by_kind=False)


def _count_complaints(agg: Aggregates, scope: Scope, period: Period) -> None:
    rows = (
        scoped(Complaint.objects.filter(within("filed_at", period)), scope)
        .order_by()
        .values("group_id", "executor_id")
        .annotate(filed=Count("pk"), upheld=Count("pk", filter=Q(state=ComplaintState.UPHELD)))
    )
    for row in rows:
        keys = {k: row.pop(k) for k in ("group_id", "executor_id")}
        if keys["group_id"] is None:
            keys.pop("group_id")  # about the regulation, not a request: in the total only
        if keys.get("executor_id") is None:
            keys.pop("executor_id", None)
        agg.roll(keys, row, by_kind=False)


# --- weeks -----------------------------------------------------------------------------------------

# (instant column, {count: extra condition}) of the facts, counted per week of that instant.
WEEKLY_FACTS: list[tuple[str, dict[str, Q]]] = [
    ("created_at", {"received": Q()}),
    ("resolved_at", {"resolved": Q(), "res_met": Q(resolution_met=True)}),
    ("first_reaction_at", {"fr_met": Q(first_reaction_met=True)}),
    ("first_reaction_breached_at", {"fr_breached": Q()}),
    ("resolution_breached_at", {"res_breached": Q()}),
]


def _weekly(
    agg: Aggregates, qs: QuerySet[Any], column: str, period: Period, counts: Mapping[str, Any], only: Q | None = None
) -> None:
    rows = (
        qs.filter(within(column, period) & (only or Q()))
        .order_by()
        .annotate(week=TruncWeek(column, tzinfo=period.zone))
        .values("week")
        .annotate(**counts)
    )
    for row in rows:
        week = row.pop("week")
        day = week.astimezone(period.zone).date() if isinstance(week, dt.datetime) else week
        agg.weeks.setdefault(day, Tally()).add(row)


def _count_weeks(agg: Aggregates, scope: Scope, period: Period) -> None:
    for monday in kpi.weeks(period.first, period.last):
        agg.weeks[monday] = Tally()
    facts = scoped(Fact.objects.all(), scope)
    for column, measures in WEEKLY_FACTS:
        anyof = Q()
        counts: dict[str, Any] = {}
        for name, q in measures.items():
            counts[name] = Count("pk", filter=q) if q else Count("pk")
            anyof |= q
        _weekly(agg, facts, column, period, counts, anyof if all(measures.values()) else Q())
    nr = scoped(NextReaction.objects.all(), scope)
    nr_counts = {"nr_met": Count("pk", filter=Q(met=True)), "nr_breached": Count("pk", filter=Q(met=False))}
    _weekly(agg, nr, "at", period, nr_counts)
    answered = Q(answered_at__isnull=False, score__isnull=False)
    score_counts: dict[str, Any] = {"asked": Count("pk"), "answered": Count("pk", filter=answered)}
    score_counts.update({f"score_{s}": Count("pk", filter=answered & Q(score=s)) for s in kpi.SCORES})
    _weekly(agg, scoped(Survey.objects.all(), scope), "asked_at", period, score_counts)


# --- percentiles -----------------------------------------------------------------------------------

SPREADS = (
    # (measure, instant column, seconds column)
    ("first_reaction", "first_reaction_at", "first_reaction_seconds"),
    ("resolution", "resolved_at", "resolution_seconds"),
)
_PG_SPREADS = """
SELECT GROUPING(group_id), GROUPING(executor_id), group_id, executor_id, {measures}
FROM {table}
WHERE {scope} ({anyof})
GROUP BY GROUPING SETS ((), (group_id), (executor_id))
"""


def _spreads_postgresql(agg: Aggregates, scope: Scope, period: Period) -> None:
    params: list[Any] = []
    parts, anyof = [], []
    for _name, at, seconds in SPREADS:
        cond = f"{at} >= %s AND {at} < %s AND {seconds} IS NOT NULL"
        parts.append(f"count({seconds}) FILTER (WHERE {cond})")
        parts.append(f"percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {seconds}) FILTER (WHERE {cond})")
        params += [period.start, period.end, period.start, period.end]
        anyof.append(f"({cond})")
    scope_sql, scope_params = [], []
    if scope.group_ids is not None:
        scope_sql.append("group_id = ANY(%s)")
        scope_params.append(sorted(scope.group_ids))
    if scope.executor_id is not None:
        scope_sql.append("executor_id = %s")
        scope_params.append(scope.executor_id)
    sql = _PG_SPREADS.format(
        measures=", ".join(parts),
        table=Fact._meta.db_table,
        scope="".join(f"{s} AND " for s in scope_sql),
        anyof=" OR ".join(anyof),
    )
    anyof_params = [v for _ in SPREADS for v in (period.start, period.end)]
    with connection.cursor() as cur:
        cur.execute(sql, [*params, *scope_params, *anyof_params])
        for no_group, no_executor, group_id, executor_id, *values in cur.fetchall():
            if no_group and no_executor:
                key: Key = TOTAL
            else:
                key = ("group", group_id) if no_executor else ("executor", executor_id)
            for i, (name, _at, _seconds) in enumerate(SPREADS):
                count, pcts = values[2 * i], values[2 * i + 1]
                median, p90 = pcts if pcts else (None, None)
                getattr(agg, name)[key] = Spread(count or 0, median, p90)


def _spreads_python(agg: Aggregates, scope: Scope, period: Period) -> None:
    values: dict[str, dict[Key, list[int]]] = {name: {} for name, _, _ in SPREADS}
    anyof = Q()
    for _name, at, seconds in SPREADS:
        anyof |= within(at, period) & Q(**{f"{seconds}__isnull": False})
    columns = ["group_id", "executor_id", *(c for _, at, s in SPREADS for c in (at, s))]
    for row in scoped(Fact.objects.filter(anyof), scope).order_by().values_list(*columns).iterator(5000):
        group_id, executor_id = row[0], row[1]
        for i, (name, _at, _seconds) in enumerate(SPREADS):
            at, seconds = row[2 + 2 * i], row[3 + 2 * i]
            if seconds is None or at is None or not period.start <= at < period.end:
                continue
            for key in (TOTAL, ("group", group_id), ("executor", executor_id)):
                values[name].setdefault(key, []).append(seconds)
    for name, by_key in values.items():
        target = getattr(agg, name)
        for key, found in by_key.items():
            target[key] = Spread(len(found), kpi.median(found), kpi.percentile(found, 0.9))


def aggregate(scope: Scope, period: Period, *, moment: dt.datetime) -> Aggregates:
    """Every count and spread of the report: a fixed number of queries whatever the data."""
    backlog_at = period.backlog_at(moment)
    agg = Aggregates(backlog_at=backlog_at)
    _count_facts(agg, scope, period, backlog_at)
    _count_next_reactions(agg, scope, period)
    _count_surveys(agg, scope, period)
    _count_complaints(agg, scope, period)
    _count_weeks(agg, scope, period)
    spreads: Callable[[Aggregates, Scope, Period], None] = (
        _spreads_postgresql if connection.vendor == "postgresql" else _spreads_python
    )
    spreads(agg, scope, period)
    return agg


def spread_of(spreads: Mapping[Key, Spread], key: Key) -> Spread:
    return spreads.get(key) or Spread()


def ids(values: Iterable[int | None]) -> list[int]:
    return sorted(v for v in values if v is not None)
