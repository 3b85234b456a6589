"""A per-process snapshot of the SLA configuration: compiled calendars, the ordered policies with
their targets, and the escalation rules. Request creation selects a policy and computes its
deadlines from memory; the snapshot is dropped when any of these rows changes in this process
and rebuilt at most `REFERENCE_TTL` seconds after it was read (as catalog/reference.py)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from otklik.accounts.models import SupportGroup
from otklik.core.snapshot import Snapshot

from .calendar import DAYS, WorkCalendar
from .clockmath import Step
from .models import Calendar, CalendarDay, EscalationRule, Policy, Target

log = logging.getLogger("otklik.sla")

# When nothing names a calendar, targets count in round-the-clock time.
ROUND_THE_CLOCK = WorkCalendar.from_dict({"tz": "UTC", "week": {d: [["00:00", "24:00"]] for d in DAYS}})


@dataclass(frozen=True)
class TargetSpec:
    target: dt.timedelta
    warning_percent: int


@dataclass
class PolicySpec:
    id: int
    code: str
    calendar_id: int | None
    types: frozenset[int]
    priorities: frozenset[int]
    categories: frozenset[int]
    organisations: frozenset[int]
    targets: dict[tuple[int, str], TargetSpec] = field(default_factory=dict)

    def matches(
        self, *, type_id: int, priority_id: int, category_ids: tuple[int, ...], organisation_id: int | None
    ) -> bool:
        if self.types and type_id not in self.types:
            return False
        if self.priorities and priority_id not in self.priorities:
            return False
        if self.categories and not self.categories.intersection(category_ids):
            return False
        return not (self.organisations and organisation_id not in self.organisations)


@dataclass(frozen=True)
class RuleSpec:
    id: int
    policy_id: int | None
    metric: str
    trigger: str
    level: int
    delay: dt.timedelta


@dataclass
class SlaReference:
    policies: list[PolicySpec] = field(default_factory=list)  # active, in order
    policies_by_id: dict[int, PolicySpec] = field(default_factory=dict)
    default_policy: PolicySpec | None = None
    calendars: dict[int, WorkCalendar] = field(default_factory=dict)
    calendar_codes: dict[int, str] = field(default_factory=dict)
    default_calendar_id: int | None = None
    group_calendar: dict[int, int | None] = field(default_factory=dict)
    rules: list[RuleSpec] = field(default_factory=list)
    # The rules themselves with their people, so a firing level reads nothing more.
    rule_objects: dict[int, EscalationRule] = field(default_factory=dict)

    def select(
        self, *, type_id: int, priority_id: int, category_ids: tuple[int, ...], organisation_id: int | None
    ) -> PolicySpec | None:
        """The first active policy whose conditions all hold, else the default policy."""
        for policy in self.policies:
            if policy.matches(
                type_id=type_id, priority_id=priority_id, category_ids=category_ids, organisation_id=organisation_id
            ):
                return policy
        return self.default_policy

    def calendar_id_for(self, policy: PolicySpec | None, group_id: int | None) -> int | None:
        if policy is not None and policy.calendar_id in self.calendars:
            return policy.calendar_id
        group_cal = self.group_calendar.get(group_id) if group_id is not None else None
        if group_cal in self.calendars:
            return group_cal
        return self.default_calendar_id

    def calendar(self, calendar_id: int | None) -> WorkCalendar:
        if calendar_id is None:
            return ROUND_THE_CLOCK
        return self.calendars.get(calendar_id, ROUND_THE_CLOCK)

    def steps(self, policy_id: int | None, metric: str) -> list[Step]:
        return [
            Step(rule_id=r.id, trigger=r.trigger, delay=r.delay)
            for r in self.rules
            if (r.policy_id is None or r.policy_id == policy_id) and (not r.metric or r.metric == metric)
        ]


def sla_reference_build() -> SlaReference:
    ref = SlaReference()
    days: dict[int, list[CalendarDay]] = {}
    for d in CalendarDay.objects.order_by("date"):
        days.setdefault(d.calendar_id, []).append(d)
    for cal in Calendar.objects.order_by("code"):
        try:
            ref.calendars[cal.pk] = cal.engine(days.get(cal.pk, []))
        except ValueError as exc:  # edited outside the admin: skipped, never fatal, but said
            log.warning("sla: calendar %s is invalid and not used: %s", cal.code, exc)
            continue
        ref.calendar_codes[cal.pk] = cal.code
        if cal.is_default and ref.default_calendar_id is None:
            ref.default_calendar_id = cal.pk
    if ref.default_calendar_id is None and ref.calendars:
        ref.default_calendar_id = next(iter(ref.calendars))
    for g in SupportGroup.objects.only("id", "calendar_id"):
        ref.group_calendar[g.pk] = g.calendar_id
    targets: dict[int, dict[tuple[int, str], TargetSpec]] = {}
    for t in Target.objects.all():
        targets.setdefault(t.policy_id, {})[(t.priority_id, t.metric)] = TargetSpec(
            dt.timedelta(minutes=t.minutes), t.warning_percent
        )
    through: dict[str, dict[int, set[int]]] = {}
    for name, column in (
        ("request_types", "requesttype_id"),
        ("priorities", "priority_id"),
        ("categories", "category_id"),
        ("organisations", "organisation_id"),
    ):
        rows: dict[int, set[int]] = {}
        for policy_id, value in getattr(Policy, name).through.objects.values_list("policy_id", column):
            rows.setdefault(policy_id, set()).add(value)
        through[name] = rows
    for p in Policy.objects.filter(is_active=True).order_by("order", "code"):
        spec = PolicySpec(
            id=p.pk,
            code=p.code,
            calendar_id=p.calendar_id,
            types=frozenset(through["request_types"].get(p.pk, ())),
            priorities=frozenset(through["priorities"].get(p.pk, ())),
            categories=frozenset(through["categories"].get(p.pk, ())),
            organisations=frozenset(through["organisations"].get(p.pk, ())),
            targets=targets.get(p.pk, {}),
        )
        ref.policies_by_id[p.pk] = spec
        if p.is_default and ref.default_policy is None:
            ref.default_policy = spec
        else:
            ref.policies.append(spec)
    rules = (
        EscalationRule.objects.filter(is_active=True)
        .select_related("reassign_group", "reassign_user", "raise_priority_to")
        .prefetch_related("notify_users", "add_watchers")
        .order_by("trigger", "level", "id")
    )
    for r in rules:
        ref.rule_objects[r.pk] = r
        ref.rules.append(
            RuleSpec(r.pk, r.policy_id, r.metric, r.trigger, r.level, dt.timedelta(minutes=r.delay_minutes))
        )
    return ref


_snapshot: Snapshot[SlaReference] = Snapshot("sla.reference", sla_reference_build)
_snapshot.watch(
    Calendar,
    CalendarDay,
    Policy,
    Target,
    EscalationRule,
    SupportGroup,
    m2m=[
        *(getattr(EscalationRule, name).through for name in ("notify_users", "add_watchers")),
        *(getattr(Policy, name).through for name in ("request_types", "priorities", "categories", "organisations")),
    ],
)


def sla_reference() -> SlaReference:
    return _snapshot.get()


def sla_reference_fresh() -> SlaReference:
    """Read the configuration now (the timer pass, after claiming: a request marked for
    recomputation must be recomputed with the configuration that marked it, not a cached one)."""
    return _snapshot.fresh()


def invalidate() -> None:
    """Drop the snapshot now and when the transaction commits."""
    _snapshot.invalidate()
