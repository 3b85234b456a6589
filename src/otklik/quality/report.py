"""The quality report: the aggregates of queries.py turned into the figures of the API, the page,
the exports and the monthly e-mail (one shape for all of them, in the active language).

Every figure (docs: README "Quality KPIs and reports", and the regulation's quality section):

- received: requests filed in the period; resolved: requests standing resolved or closed whose
  last resolution fell in the period;
- first reaction / resolution time: working seconds as the request's SLA clock measured them
  (its calendar, pauses excluded), median and 90th percentile (percentile_cont) over the requests
  reacted to / resolved in the period;
- SLA compliance per target, in per cent: targets met in the period / (met + breached in the
  period); a target met counts at the reaction or resolution, a breach at its deadline; overall =
  all three targets together; breaches = the breaches of all three;
- satisfaction over the surveys asked in the period: average score, distribution 1–5, response
  rate = answered / asked;
- reopen rate: of the requests first resolved in the period, the share reopened since;
- complaints filed in the period and, of those, upheld;
- reassignments of the requests resolved in the period (total; how many were reassigned): the
  group's figure (an agent's row has none);
- confirmed automatically: resolved in the period and closed without the initiator's reaction;
- backlog at the period's end (or now, while it lasts): filed before and not closed by then, by age;
- quality score: kpi.quality_score over the published weights.

How fresh: `facts_complete` is false when the report left part of the log to the worker (more than
REFRESH_MOST new records, or the worker's pass holding the facts' lock); `facts_as_of` is then when
the newest record the facts have read was written (else the report's own moment).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.accounts.people import Person, people
from otklik.catalog.reference import reference
from otklik.core.clock import now
from otklik.core.errors import Invalid
from otklik.core.i18n import localized
from otklik.core.jsonvalue import JsonValue

from . import kpi
from .access import access_quality
from .models import QualityWeights
from .period import Period, PeriodError, parse_period
from .queries import TOTAL, Aggregates, Key, Spread, Tally, aggregate, aggregate_weeks, spread_of
from .refresh import REPORT_MOST, facts_as_of, facts_refresh_all
from .scope import Scope

# Before a report, the facts are brought up to date with at most this many log records, without
# waiting for the worker's pass (refresh.REPORT_MOST); a longer backlog (an install's first fill,
# the rebuild after an upgrade) is the worker's, and the report says how fresh its facts are.
REFRESH_MOST = REPORT_MOST


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _target(met: int, breached: int) -> dict[str, JsonValue]:
    return {"met": met, "breached": breached, "compliance_percent": _round(kpi.compliance(met, breached))}


def _spread(s: Spread) -> dict[str, JsonValue]:
    return {"count": s.count, "median_seconds": _round(s.median, 1), "p90_seconds": _round(s.p90, 1)}


def figures(t: Tally, fr: Spread, res: Spread, weights: kpi.Weights) -> dict[str, JsonValue]:
    """The figures of one row (the total, a group, an agent)."""
    average = kpi.score_average(t.scores)
    components = kpi.Components.from_counts(
        met=t.met,
        breached=t.breached,
        score_avg=average,
        first_resolved=t.first_resolved,
        reopened=t.reopened,
        resolved=t.resolved,
        upheld=t.upheld,
    )
    score = kpi.quality_score(components, weights)
    return {
        "received": t.received,
        "resolved": t.resolved,
        "first_reaction": _spread(fr),
        "resolution": _spread(res),
        "sla": _sla_row(t),
        "breaches": t.breached,
        "satisfaction": {
            "asked": t.asked,
            "answered": t.answered,
            "response_rate_percent": _round(kpi.percent(t.answered, t.asked)),
            "average": _round(average),
            "distribution": {str(s): t.scores[s] for s in kpi.SCORES},
        },
        "reopens": {
            "first_resolved": t.first_resolved,
            "reopened": t.reopened,
            "rate_percent": _round(kpi.percent(t.reopened, t.first_resolved)),
        },
        "complaints": {"filed": t.filed, "upheld": t.upheld},
        "reassignments": {"total": t.reassignments, "requests": t.reassigned},
        "auto_confirmed": {
            "count": t.auto_confirmed,
            "percent_of_resolved": _round(kpi.percent(t.auto_confirmed, t.resolved)),
        },
        "backlog": {"total": sum(t.backlog.values()), "by_age": dict(t.backlog)},
        "quality_score": {
            "score": _round(score, 1),
            "components": {k: _round(v, 4) for k, v in components.as_dict().items()},
        },
    }


def _sla_row(t: Tally) -> dict[str, JsonValue]:
    return {
        "first_reaction": _target(t.fr_met, t.fr_breached),
        "resolution": _target(t.res_met, t.res_breached),
        "next_reaction": _target(t.nr_met, t.nr_breached),
        "overall": _target(t.met, t.breached),
    }


@dataclass
class Report:
    """The report's data (as the API returns it) and what the page needs besides."""

    data: dict[str, JsonValue]
    period: Period
    scope: Scope
    aggregates: Aggregates


def _listed_groups(scope: Scope, agg: Aggregates) -> list[int]:
    known = directory().groups
    ids = {g for g in agg.groups if g is not None}
    if scope.executor_id is None:
        if scope.group_ids is None:
            ids |= {g.pk for g in known.values() if g.is_active}
        else:
            ids |= set(scope.group_ids)
    return sorted((g for g in ids if g in known), key=lambda g: known[g].code)


def _listed_agents(scope: Scope, agg: Aggregates) -> list[Person]:
    d = directory()
    ids = {e for e in agg.executors if e is not None}
    if scope.executor_id is not None:
        ids = {scope.executor_id}
    else:
        groups = scope.group_ids if scope.group_ids is not None else {g.pk for g in d.groups.values() if g.is_active}
        ids |= {uid for uid, mem in d.memberships.items() if mem.groups & groups}
    found = people(ids)
    return sorted(
        (p for uid, p in found.items() if p.is_support_staff or uid in agg.executors), key=lambda p: p.display_name
    )


def _week_row(monday: dt.date, t: Tally) -> dict[str, JsonValue]:
    return {
        "week": monday.isoformat(),
        "received": t.received,
        "resolved": t.resolved,
        "breaches": t.breached,
        "sla_compliance_percent": _round(kpi.compliance(t.met, t.breached)),
        "satisfaction_average": _round(kpi.score_average(t.scores)),
        "answered": t.answered,
    }


def report_build(scope: Scope, period: Period, *, refresh: bool = True) -> Report:
    """The report for the scope and period, its facts first brought up to date."""
    complete = facts_refresh_all(most=REFRESH_MOST, nowait=True) if refresh else True
    moment = now()
    as_of = moment if complete else facts_as_of()
    agg = aggregate(scope, period, moment=moment)
    weights = QualityWeights.current()
    ref = reference()

    def row(key: Key, tally: Tally | None) -> dict[str, JsonValue]:
        spread = (spread_of(agg.first_reaction, key), spread_of(agg.resolution, key))
        return figures(tally or Tally(), *spread, weights)

    known = directory().groups
    groups = [
        {"group": known[g].code, "name": str(known[g]), **row(("group", g), agg.groups.get(g))}
        for g in _listed_groups(scope, agg)
    ]
    agents = [
        {"agent": p.username, "name": p.display_name, **row(("executor", p.pk), agg.executors.get(p.pk))}
        for p in _listed_agents(scope, agg)
    ]
    types = sorted((ref.types[t] for t in agg.types if t in ref.types), key=lambda t: (t.order, t.code))
    priorities = sorted(
        (ref.priorities[p] for p in agg.priorities if p in ref.priorities), key=lambda p: (p.rank, p.code)
    )
    tz = timezone.get_default_timezone()
    data = {
        "period": {
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "time_zone": period.tz,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "scope": {
            "group": scope.group.code if scope.group else None,
            "agent": scope.agent.username if scope.agent else None,
            "groups": sorted(directory().groups[g].code for g in scope.group_ids if g in directory().groups)
            if scope.group_ids is not None
            else None,
        },
        "generated_at": timezone.localtime(moment, tz).isoformat(),
        "facts_complete": complete,
        "facts_as_of": timezone.localtime(as_of, tz).isoformat() if as_of else None,
        "backlog_at": timezone.localtime(agg.backlog_at, tz).isoformat() if agg.backlog_at else None,
        "figures": row(TOTAL, agg.total),
        "groups": groups,
        "agents": agents,
        "weeks": [_week_row(w, agg.weeks[w]) for w in sorted(agg.weeks)],
        "by_type": [{"type": t.code, "name": localized(t, "name"), **_sla_row(agg.types[t.pk])} for t in types],
        "by_priority": [
            {"priority": p.code, "name": localized(p, "name"), **_sla_row(agg.priorities[p.pk])} for p in priorities
        ],
        "weights": weights.as_dict(),
        "formula": kpi.FORMULA,
    }
    return Report(data, period, scope, agg)


def weeks_build(scope: Scope, period: Period) -> list[dict[str, JsonValue]]:
    """The report's `weeks` alone (the dashboard's trends), its facts first brought up to date as
    the report's are."""
    facts_refresh_all(most=REFRESH_MOST, nowait=True)
    agg = aggregate_weeks(scope, period, moment=now())
    return [_week_row(w, agg.weeks[w]) for w in sorted(agg.weeks)]


def service_zone() -> str:
    return str(settings.TIME_ZONE)


class PeriodInvalid(Invalid):
    """Bad dates, as the API says them (422): the detail and the field error's message are the same
    sentence; its code and params are what a page says in its language."""

    def __init__(self, exc: PeriodError) -> None:
        super().__init__(str(exc), errors=[exc.error])


def period_for(from_text: str | None, to_text: str | None) -> Period:
    """The period asked for, in the service's time zone; bad dates are a 422 naming the parameter."""
    tz = service_zone()
    today = timezone.localtime(now(), timezone.get_default_timezone()).date()
    try:
        return parse_period(from_text, to_text, today=today, tz=tz)
    except PeriodError as exc:
        raise PeriodInvalid(exc) from None


def report_for(
    user: User, *, from_text: str | None, to_text: str | None, group: str | None, agent: str | None
) -> Report:
    """The report as `user` may see it: the gate first (403 / 404), then the dates (422). The gate
    reads the period (its members include those the facts name then), so bad dates are held back
    until it has answered; with them it asks about any time."""
    scope, period = scope_and_period(user, from_text=from_text, to_text=to_text, group=group, agent=agent)
    return report_build(scope, period)


def scope_and_period(
    user: User, *, from_text: str | None, to_text: str | None, group: str | None, agent: str | None
) -> tuple[Scope, Period]:
    """The gate (Forbidden / NotFound) over the period asked for, then the period (PeriodInvalid)."""
    try:
        period: Period | None = period_for(from_text, to_text)
        bad = None
    except PeriodInvalid as exc:
        period, bad = None, exc
    scope = access_quality(user, group=group, agent=agent, period=period)
    if bad is not None:
        raise bad
    assert period is not None
    return scope, period
