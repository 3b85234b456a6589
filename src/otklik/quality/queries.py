"""The report's aggregation in SQL, for one scope and period, in a fixed number of statements:

- the counts come from the daily counts (quality.DayCount, kept in step with the facts by the
  refresh): one statement sums the period's days per group × executor × type × priority (rolled
  up here into the total, the groups, the agents, the types and the priorities), one per day
  (rolled up into weeks: days are the service's local days, so a week is seven of them);
- the backlog at the period's end is counted over the facts of the requests open then;
- satisfaction over the surveys, complaints over the complaints, per group × executor × day;
- the percentiles of the first-reaction and resolution times: on PostgreSQL percentile_cont per
  level (everyone, groups, executors), each fed from an index in the order it sorts by (so its
  sort finds the values already in order); on SQLite the values are fetched and kpi.percentile
  computes the same thing.

Which instant puts a figure in the period P = [start, end) — whole local days:
received → filed; resolved, resolution time, resolution met → last resolved; first-reaction
time and met → the first reaction; a breach → the deadline that passed; reopen rate → first
resolved; next-reaction outcomes → their own instants; surveys → asked; complaints → filed; the
backlog → open at min(end, now).

Whose figure it is: each measure's own group and executor (quality.facts' docstring; ATTRIBUTION
below names the facts' columns per measure: a breach the holder's at its deadline, a met target the
reactor's or resolver's), so a scope filters each measure on its own columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from otklik.complaints.models import Complaint, ComplaintState
from otklik.feedback.models import Survey

from . import kpi
from .facts import DAY_MEASURES
from .models import DayCount, Fact
from .period import Period
from .scope import Scope

Key = tuple[str, int | None]  # ("total", None), ("group", id), ("executor", id or None)
TOTAL: Key = ("total", None)


def _empty_backlog() -> dict[str, int]:
    return {b.code: 0 for b in kpi.BACKLOG_BUCKETS}


def _empty_scores() -> dict[int, int]:
    return dict.fromkeys(kpi.SCORES, 0)


# The counts kept in a Tally's dictionaries, by the name a query gives them.
_NESTED: dict[str, tuple[str, Any]] = {
    **{f"backlog_{b.code}": ("backlog", b.code) for b in kpi.BACKLOG_BUCKETS},
    **{f"score_{s}": ("scores", s) for s in kpi.SCORES},
}


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
            if not value:
                continue
            nested = _NESTED.get(name)
            if nested is None:
                setattr(self, name, getattr(self, name) + value)
            elif nested[0] == "backlog":
                self.backlog[nested[1]] += value
            else:
                self.scores[nested[1]] += value

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


def age_q(bucket: kpi.Bucket, moment: dt.datetime) -> Q:
    """An age (moment − created_at) within the bucket."""
    q = Q(created_at__lte=moment - bucket.lower)
    return q & Q(created_at__gt=moment - bucket.upper) if bucket.upper is not None else q


def backlog_bucket_q(bucket: kpi.Bucket, moment: dt.datetime) -> Q:
    """Open at `moment` with an age within the bucket."""
    return open_at(moment) & age_q(bucket, moment)


# The facts' columns naming whom a measure counts for: (group, executor); None for the executor:
# the measure is a group's alone (a person's report has none of it).
Owner = tuple[str, str | None]
HOLDER: Owner = ("group_id", "executor_id")
RECEIVED: Owner = ("received_group_id", "received_executor_id")
REACTION: tuple[str, str] = ("reaction_group_id", "reaction_executor_id")
RESOLUTION: tuple[str, str] = ("resolution_group_id", "resolution_executor_id")
FIRST_RESOLUTION: Owner = ("first_resolution_group_id", "first_resolution_executor_id")
REACTION_BREACH: Owner = ("reaction_breach_group_id", "reaction_breach_executor_id")
RESOLUTION_BREACH: Owner = ("resolution_breach_group_id", "resolution_breach_executor_id")
ATTRIBUTION: dict[str, Owner] = {
    "received": RECEIVED,
    "resolved": RESOLUTION,
    "res_met": RESOLUTION,
    "res_breached": RESOLUTION_BREACH,
    "auto_confirmed": RESOLUTION,
    "resolution": RESOLUTION,
    "fr_met": REACTION,
    "fr_breached": REACTION_BREACH,
    "first_reaction": REACTION,
    "first_resolved": FIRST_RESOLUTION,
    "reopened": FIRST_RESOLUTION,
    "reassigned": (RESOLUTION[0], None),
    "backlog": HOLDER,
    **{f"backlog_{b.code}": HOLDER for b in kpi.BACKLOG_BUCKETS},
}


def scope_q(scope: Scope, owner: Owner = HOLDER) -> Q | None:
    """The condition of the scope on the owner's columns; None when the scope can hold no such row
    (a person's scope and a measure that counts for no person)."""
    group, executor = owner
    q = Q()
    if scope.group_ids is not None:
        q &= Q(**{f"{group}__in": sorted(scope.group_ids)})
    if scope.executor_id is not None:
        if executor is None:
            return None
        q &= Q(**{executor: scope.executor_id})
    return q


def scoped(qs: QuerySet[Any], scope: Scope, owner: Owner = HOLDER) -> QuerySet[Any]:
    """The rows the scope covers, by the owner's columns (the outcomes, surveys and complaints
    name their own group and executor; the facts one pair per measure)."""
    q = scope_q(scope, owner)
    return qs.none() if q is None else qs.filter(q)


def fact_measures(period: Period, backlog_at: dt.datetime) -> dict[str, Q]:
    """Each count of the facts and the condition of a request to be counted in it (its owner's
    columns: ATTRIBUTION)."""
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


FINE = ("group_id", "executor_id", "type_id", "priority_id")


def _executor(value: int | None) -> int | None:
    return value or None  # the daily counts write nobody as 0


def _count_days(agg: Aggregates, scope: Scope, period: Period, *, weeks_only: bool = False) -> None:
    days = scoped(DayCount.objects.filter(day__gte=period.first, day__lte=period.last), scope).order_by()
    sums = {m: Sum(m) for m in DAY_MEASURES}
    for row in () if weeks_only else days.values(*FINE).annotate(**sums):
        keys = {k: row.pop(k) for k in FINE}
        keys["executor_id"] = _executor(keys["executor_id"])
        agg.roll(keys, row)
    for row in days.values("day").annotate(**sums):
        day = row.pop("day")
        agg.weeks.setdefault(kpi.week_start(day), Tally()).add(row)


def _count_backlog(agg: Aggregates, scope: Scope, moment: dt.datetime) -> None:
    """Open at `moment`: not closed at all, or closed after it. Two statements rather than one with
    OR, so each reads one covering index alone (an OR of two indexes would visit the table)."""
    # Counting a column the covering index holds (never null) rather than the id it does not.
    # (The statements' own conditions say "open"; the counts need only the age, from the index.)
    counts = {f"backlog_{b.code}": Count("created_at", filter=age_q(b, moment)) for b in kpi.BACKLOG_BUCKETS}
    for part in (Q(closed_at__isnull=True), Q(closed_at__gte=moment)):
        rows = scoped(Fact.objects.filter(part, created_at__lt=moment), scope).order_by()
        for row in rows.values("group_id", "executor_id").annotate(**counts):
            agg.roll({k: row.pop(k) for k in ("group_id", "executor_id")}, row, by_kind=False)


def _survey_counts() -> dict[str, Any]:
    # Counting asked_at (never null), not the id: the covering indexes hold no id.
    answered = Q(answered_at__isnull=False, score__isnull=False)
    counts: dict[str, Any] = {"asked": Count("asked_at"), "answered": Count("asked_at", filter=answered)}
    counts.update({f"score_{s}": Count("asked_at", filter=answered & Q(score=s)) for s in kpi.SCORES})
    return counts


def _count_surveys(agg: Aggregates, scope: Scope, period: Period, *, weeks_only: bool = False) -> None:
    """Per group × executor, and per week of asking."""
    surveys = scoped(Survey.objects.filter(within("asked_at", period)), scope).order_by()
    for row in () if weeks_only else surveys.values("group_id", "executor_id").annotate(**_survey_counts()):
        agg.roll({k: row.pop(k) for k in ("group_id", "executor_id")}, row, by_kind=False)
    if connection.vendor == "postgresql":
        _survey_weeks_postgresql(agg, scope, period)
        return
    for row in (
        surveys.annotate(day=TruncDate("asked_at", tzinfo=period.zone)).values("day").annotate(**_survey_counts())
    ):
        agg.weeks.setdefault(kpi.week_start(row.pop("day")), Tally()).add(row)


_PG_SURVEY_WEEKS = """
SELECT w.monday, s.*
FROM unnest(%s::date[], %s::timestamptz[], %s::timestamptz[]) AS w(monday, low, high)
CROSS JOIN LATERAL (
    SELECT count(*) AS asked,
           count(*) FILTER (WHERE answered_at IS NOT NULL AND score IS NOT NULL) AS answered,
           {scores}
    FROM {table} WHERE asked_at >= w.low AND asked_at < w.high {scope}
) AS s
"""


def _survey_weeks_postgresql(agg: Aggregates, scope: Scope, period: Period) -> None:
    """One index range per week (the surveys' covering indexes, quality migration 0002): counting a
    week's surveys reads that week's index entries, not every survey's date in the local zone."""
    mondays = kpi.weeks(period.first, period.last)
    lows = [max(period.start, dt.datetime.combine(m, dt.time(), period.zone)) for m in mondays]
    highs = [min(period.end, dt.datetime.combine(m + dt.timedelta(days=7), dt.time(), period.zone)) for m in mondays]
    scope_sql = ""
    params: list[list[int] | int] = []
    if scope.group_ids is not None:
        scope_sql += " AND group_id = ANY(%s)"
        params.append(sorted(scope.group_ids))
    if scope.executor_id is not None:
        scope_sql += " AND executor_id = %s"
        params.append(scope.executor_id)
    scores = ", ".join(
        f"count(*) FILTER (WHERE answered_at IS NOT NULL AND score = {s}) AS score_{s}" for s in kpi.SCORES
    )
    sql = _PG_SURVEY_WEEKS.format(scores=scores, table=Survey._meta.db_table, scope=scope_sql)
    with connection.cursor() as cur:
        cur.execute(sql, [mondays, lows, highs, *params])
        names = [c.name for c in cur.description][1:]
        for monday, *values in cur.fetchall():
            agg.weeks.setdefault(monday, Tally()).add(dict(zip(names, values, strict=True)))


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


# --- percentiles -----------------------------------------------------------------------------------

SPREADS = (
    # (measure, instant column, seconds column, owner columns)
    ("first_reaction", "first_reaction_at", "first_reaction_seconds", REACTION),
    ("resolution", "resolved_at", "resolution_seconds", RESOLUTION),
)
# One level of one measure. The inner ORDER BY is what an index of the facts gives (see Fact's
# indexes: seconds, group + seconds, executor + seconds, each covering the instant and the scope):
# read in that order, each group's values reach percentile_cont already sorted, and its sort is a
# single pass instead of a million-row sort per level.
_PG_LEVEL = """
SELECT {key} AS key, count(*), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY v)
FROM (
    SELECT {select_key} AS key, {seconds} AS v FROM {table}
    WHERE {at} >= %s AND {at} < %s AND {seconds} IS NOT NULL {scope}
    ORDER BY {order}
) AS sorted
{group_by}
"""


def _pg_level(level: str, at: str, seconds: str, owner: Owner, scope_sql: str) -> str:
    key = {"total": "NULL::bigint", "group": owner[0], "executor": owner[1]}[level]
    return _PG_LEVEL.format(
        key="NULL::bigint" if level == "total" else "key",
        select_key=key,
        seconds=seconds,
        table=Fact._meta.db_table,
        at=at,
        scope=scope_sql,
        order=seconds if level == "total" else f"{key}, {seconds}",
        group_by="" if level == "total" else "GROUP BY key",
    )


def _level_parts(
    cur: CursorWrapper, level: str, at: str, seconds: str, owner: Owner, scope: Scope, period: Period
) -> list[tuple[str, list[Any]]]:
    """The statements of one level, as extra conditions (and their parameters) on the scope's.

    A group's people (the executor level of a group scope) are read from their own ranges of the
    executor index, already in the order percentile_cont sorts by, rather than by sorting the group's
    values by person: the people are exactly those with a value in the period (one index-only pass
    over the group's entries), so the keys stay Python's; nobody (NULL) has a statement of its own
    (its own index range: an OR of the two would lose the order)."""
    if level != "executor" or scope.group_ids is None or scope.executor_id is not None:
        return [("", [])]
    scope_sql, scope_params = f" AND {owner[0]} = ANY(%s)", [sorted(scope.group_ids)]
    cur.execute(
        f"SELECT DISTINCT {owner[1]} FROM {Fact._meta.db_table} "  # noqa: S608 (our own names)
        f"WHERE {at} >= %s AND {at} < %s AND {seconds} IS NOT NULL {scope_sql}",
        [period.start, period.end, *scope_params],
    )
    people = [row[0] for row in cur.fetchall()]
    parts: list[tuple[str, list[Any]]] = []
    if any(p is not None for p in people):
        parts.append((f" AND {owner[1]} = ANY(%s)", [sorted(p for p in people if p is not None)]))
    if None in people:
        parts.append((f" AND {owner[1]} IS NULL", []))
    return parts


def _spreads_postgresql(agg: Aggregates, scope: Scope, period: Period) -> None:
    """Three statements per measure (everyone, per group, per executor), each over the index that
    keeps its order, narrowed by the scope on the measure's own columns. The same keys and values as
    _spreads_python (tests/test_quality_percentiles.py): a key for every group and executor (nobody
    included) with a value in the period, whatever the counts found."""
    # One group's or one person's total is that group's or person's row: not computed twice.
    same: Key | None = None
    if scope.executor_id is not None:
        same = ("executor", scope.executor_id)
    elif scope.group_ids is not None and len(scope.group_ids) == 1:
        same = ("group", next(iter(scope.group_ids)))
    with connection.cursor() as cur:
        for name, at, seconds, owner in SPREADS:
            scope_sql = ""
            scope_params: list[list[int] | int] = []
            if scope.group_ids is not None:
                scope_sql += f" AND {owner[0]} = ANY(%s)"
                scope_params.append(sorted(scope.group_ids))
            if scope.executor_id is not None:
                scope_sql += f" AND {owner[1]} = %s"
                scope_params.append(scope.executor_id)
            target = getattr(agg, name)
            for level in ("group", "executor") if same else ("total", "group", "executor"):
                for level_sql, level_params in _level_parts(cur, level, at, seconds, owner, scope, period):
                    cur.execute(
                        _pg_level(level, at, seconds, owner, scope_sql + level_sql),
                        [period.start, period.end, *scope_params, *level_params],
                    )
                    for key_value, count, pcts in cur.fetchall():
                        if not count:
                            continue  # the total over nothing: no key, as in Python
                        key: Key = TOTAL if level == "total" else (level, key_value)
                        median, p90 = pcts if pcts else (None, None)
                        target[key] = Spread(count, median, p90)
            if same is not None and same in target:
                target[TOTAL] = target[same]


def _spreads_python(agg: Aggregates, scope: Scope, period: Period) -> None:
    """The same spreads computed here (kpi.percentile: percentile_cont's arithmetic), one statement."""
    values: dict[str, dict[Key, list[int]]] = {name: {} for name, _, _, _ in SPREADS}
    anyof = Q()
    for _name, at, seconds, owner in SPREADS:
        q = scope_q(scope, owner)
        if q is not None:
            anyof |= within(at, period) & Q(**{f"{seconds}__isnull": False}) & q
    columns = [c for _, at, s, (g, e) in SPREADS for c in (at, s, g, e)]
    for row in Fact.objects.filter(anyof).order_by().values_list(*columns).iterator(5000):
        for i, (name, _at, _seconds, _owner) in enumerate(SPREADS):
            at, seconds, group_id, executor_id = row[4 * i : 4 * i + 4]
            if seconds is None or at is None or not period.start <= at < period.end:
                continue
            if scope.group_ids is not None and group_id not in scope.group_ids:
                continue
            if scope.executor_id is not None and executor_id != scope.executor_id:
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
    for monday in kpi.weeks(period.first, period.last):
        agg.weeks[monday] = Tally()
    _count_days(agg, scope, period)
    _count_backlog(agg, scope, backlog_at)
    _count_surveys(agg, scope, period)
    _count_complaints(agg, scope, period)
    spreads: Callable[[Aggregates, Scope, Period], None] = (
        _spreads_postgresql if connection.vendor == "postgresql" else _spreads_python
    )
    spreads(agg, scope, period)
    return agg


def aggregate_weeks(scope: Scope, period: Period, *, moment: dt.datetime) -> Aggregates:
    """The report's weekly figures alone (its trend charts): two queries, the daily counts and the
    surveys, by week."""
    agg = Aggregates(backlog_at=period.backlog_at(moment))
    for monday in kpi.weeks(period.first, period.last):
        agg.weeks[monday] = Tally()
    _count_days(agg, scope, period, weeks_only=True)
    _count_surveys(agg, scope, period, weeks_only=True)
    return agg


def spread_of(spreads: Mapping[Key, Spread], key: Key) -> Spread:
    return spreads.get(key) or Spread()
