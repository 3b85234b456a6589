"""The service regulation as structured content, generated from the configuration in force.

Every text is a pair {"ru": …, "en": …}: a version holds both languages whatever the language of
whoever published it. The content is canonical (lists in a fixed order, codes instead of ids, no
timestamps), so an unchanged configuration gives an unchanged digest, and services.py publishes a
new version only when something a reader would see has changed.

The admin's text sections (regulation.Section) and the generated sections are merged by `order`:
the generated ones sit at the slots in SLOTS (100 working hours … 900 quality), so a text section
with order 10 comes first and one with order 950 comes last. On equal order the text comes first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from otklik.accounts.models import Organisation, SupportGroup, User
from otklik.catalog.formfields import parse_choices
from otklik.catalog.models import Category, FormField, Priority, RequestType
from otklik.complaints.services import complaint_calendar_id
from otklik.core import dates
from otklik.core.clock import now
from otklik.core.jsonvalue import JsonValue
from otklik.feedback.models import FeedbackSettings
from otklik.quality import definitions
from otklik.quality.models import QualityWeights
from otklik.routes.kinds import FINAL_KINDS
from otklik.routes.models import ClockBehaviour, PointKind, ReactionKind, Route, RoutePoint, Transition
from otklik.sla.models import Calendar, EscalationRule, Policy, Target
from otklik.sla.reference import SlaReference, sla_reference_build

from .calendars import calendar_entry, period, period_of
from .guide import additional_section, preparation_section, stages_section
from .models import RegulationSettings, Section
from .texts import (
    COMPLAINT_STATES,
    COMPLAINT_TARGETS,
    HEADINGS,
    LANGS,
    METRIC_MEANINGS,
    METRIC_ORDER,
    METRICS,
    NOTIFY,
    SLOTS,
    TEXTS,
    TRIGGER_ORDER,
    TRIGGERS,
    Text,
    days_text,
    fmt,
    pair,
    same,
    text,
)

# Bump when the shape changes, so a reader can tell old versions apart. 2: the sections on preparing
# a request, the stages and additional information; special dates over a period of months.
SCHEMA = 2


def _zone(name: str) -> Text:
    """A time zone as each language's reader knows it (МСК, UTC+5), not its IANA name."""
    return {lang: dates.zone(name, lang=lang) for lang in LANGS}


def regulation_content() -> dict[str, JsonValue]:
    """The regulation as the configuration now stands, both languages; JSON-ready and canonical."""
    moment = now()
    # The policy and calendar each request would get are the SLA configuration's to say (read
    # now, not from this process's snapshot): the regulation shows what it would choose.
    sref = sla_reference_build()
    calendars = {c.pk: c for c in Calendar.objects.all()}
    default_cal = calendars.get(sref.default_calendar_id) if sref.default_calendar_id else None
    types = list(RequestType.objects.filter(is_active=True).select_related("route", "default_group"))
    types.sort(key=lambda t: (t.order, t.code))
    priorities = list(Priority.objects.filter(is_active=True))
    priorities.sort(key=lambda p: (p.rank, p.code))
    conf = RegulationSettings.current()
    targets = _targets_section(types, priorities, sref, calendars)
    escalation = _escalation_section()
    generated = [
        preparation_section(types, conf),
        _hours_section(default_cal, moment),
        _types_section(types),
        _scope_section(types),
        _priorities_section(priorities, targets["rows"], escalation["rules"]),
        targets,
        stages_section(types),
        _pauses_section(types),
        escalation,
        _handling_section(types),
        _complaints_section(default_cal, moment, sref, calendars),
        _quality_section(),
    ]
    additional = additional_section(conf)
    if additional is not None:
        generated.append(additional)
    keyed: list[tuple[tuple[int, int, str], dict[str, JsonValue]]] = []
    for section in generated:
        section["title"] = HEADINGS[section["kind"]]
        keyed.append(((SLOTS[section["kind"]], 1, section["code"]), section))
    for s in Section.objects.filter(is_active=True):
        block = {"kind": "text", "code": s.code, "title": pair(s, "title"), "body": pair(s, "body")}
        keyed.append(((s.order, 0, s.code), block))
    keyed.sort(key=lambda item: item[0])
    return {"schema": SCHEMA, "title": HEADINGS["document"], "sections": [s for _, s in keyed]}


# --- working hours -----------------------------------------------------------------------------
def _hours_section(default_cal: Calendar | None, moment: dt.datetime) -> dict[str, JsonValue]:
    first, last = period_of(moment, default_cal.time_zone if default_cal is not None else None)
    used_by: dict[int, dict[str, list[tuple[str, Text]]]] = {}
    for g in SupportGroup.objects.filter(is_active=True, calendar__isnull=False):
        if g.calendar_id is None:  # not after that filter: for the type checker
            continue
        used_by.setdefault(g.calendar_id, {"groups": [], "policies": []})["groups"].append((g.code, pair(g, "name")))
    for p in Policy.objects.filter(is_active=True, calendar__isnull=False):
        if p.calendar_id is None:  # as above
            continue
        used_by.setdefault(p.calendar_id, {"groups": [], "policies": []})["policies"].append((p.code, pair(p, "name")))
    others = []
    for cal in Calendar.objects.filter(pk__in=used_by).order_by("code"):
        if default_cal is not None and cal.pk == default_cal.pk:
            continue
        entry = calendar_entry(cal, first, last)
        entry["used_by"] = {k: [name for _, name in sorted(v)] for k, v in used_by[cal.pk].items()}
        others.append(entry)
    return {
        "kind": "hours",
        "code": "hours",
        "body": TEXTS["hours"] if default_cal is not None else TEXTS["no_calendar"],
        "year": first.year,  # schema 1 listed the dates of this year only; kept for API readers
        "period": period(first, last),
        "calendar": calendar_entry(default_cal, first, last) if default_cal is not None else None,
        "other_calendars": others,
    }


# --- types, scope, priorities ------------------------------------------------------------------
def _types_section(types: list[RequestType]) -> dict[str, JsonValue]:
    kinds: dict[int, list[dict[str, JsonValue]]] = {}
    choice_fields = FormField.objects.filter(request_type__in=types, kind="choice").order_by("order", "code")
    for f in choice_fields:
        kinds.setdefault(f.request_type_id, []).append(
            {
                "code": f.code,
                "label": pair(f, "label"),
                "choices": [
                    {"value": c.value, "label": text(c.label_ru, c.label_en)} for c in parse_choices(f.choices)
                ],
            }
        )
    return {
        "kind": "types",
        "code": "types",
        "body": TEXTS["types"],
        "types": [
            {
                "code": t.code,
                "prefix": t.prefix,
                "name": pair(t, "name"),
                "description": pair(t, "description"),
                "kinds": kinds.get(t.pk, []),
            }
            for t in types
        ],
    }


def _scope_section(types: list[RequestType]) -> dict[str, JsonValue]:
    cats = sorted(Category.objects.filter(is_active=True), key=lambda c: (c.order, c.code))
    by_id = {c.pk: c for c in cats}
    children: dict[int | None, list[Category]] = {}
    for c in cats:
        # A child of an inactive parent is still offered (ticket_create checks the node itself): show it at the top.
        parent = c.parent_id if c.parent_id in by_id else None
        children.setdefault(parent, []).append(c)

    def path(c: Category) -> Text:
        names, node, seen = [pair(c, "name")], c, {c.pk}
        while node.parent_id in by_id and node.parent_id not in seen:
            node = by_id[node.parent_id]
            seen.add(node.pk)
            names.insert(0, pair(node, "name"))
        return {lang: " / ".join(n[lang] for n in names) for lang in LANGS}

    def tree(parent: int | None, seen: frozenset[int]) -> list[dict[str, JsonValue]]:
        nodes = []
        for c in children.get(parent, []):
            if c.pk in seen:
                continue  # a cycle written around the admin's check: show each node once
            node: dict[str, JsonValue] = {
                "code": c.code,
                "name": pair(c, "name"),
                "description": pair(c, "description"),
                "in_scope": c.in_scope,
                "children": tree(c.pk, seen | {c.pk}),
            }
            if not c.in_scope:
                node["note"] = pair(c, "out_of_scope_note")
            nodes.append(node)
        return nodes

    points = {p.pk: p for p in RoutePoint.objects.filter(route_id__in={t.route_id for t in types})}
    handling = []
    for t in types:
        point = points.get(t.route.out_of_scope_point_id) if t.route.out_of_scope_point_id else None
        name = pair(t, "name")
        handling.append(
            {
                "type": t.code,
                "type_name": name,
                "point": pair(point, "name") if point is not None else None,
                "text": (
                    fmt(TEXTS["out_of_scope_closed"], type=name, point=pair(point, "name"))
                    if point is not None
                    else fmt(TEXTS["out_of_scope_refused"], type=name)
                ),
            }
        )
    return {
        "kind": "scope",
        "code": "scope",
        "body": TEXTS["scope"],
        "categories": tree(None, frozenset()),
        "out_of_scope": [
            {"code": c.code, "name": path(c), "note": pair(c, "out_of_scope_note")} for c in cats if not c.in_scope
        ],
        "out_of_scope_text": TEXTS["out_of_scope"],
        "out_of_scope_handling": handling,
    }


def _priorities_section(
    priorities: list[Priority], rows: list[dict[str, JsonValue]], rules: list[dict[str, JsonValue]]
) -> dict[str, JsonValue]:
    """Per priority the kind of response it gets: each target's shortest and longest figure over
    the request types, and the escalation steps that apply to it (the rules of every policy, and
    those of the policies that serve this priority)."""
    default = next((p for p in priorities if p.is_default), None)
    out = []
    for p in priorities:
        response: dict[str, dict[str, int] | None] = {}
        for metric in METRIC_ORDER:
            values = [r["targets"][metric] for r in rows if r["priority"] == p.code and r["targets"][metric]]
            response[str(metric)] = {"min": min(values), "max": max(values)} if values else None
        policies = {r["policy"] for r in rows if r["priority"] == p.code and r["policy"]}
        steps = [
            {
                "trigger": r["trigger"],
                "trigger_name": r["trigger_name"],
                "level": r["level"],
                "delay_minutes": r["delay_minutes"],
                "notify": r["notify"],
            }
            for r in rules
            if r["policy"] is None or r["policy"] in policies
        ]
        out.append(
            {
                "code": p.code,
                "rank": p.rank,
                "name": pair(p, "name"),
                "description": pair(p, "description"),
                "is_default": p.pk == (default.pk if default else None),
                "response": response,
                "escalation": steps,
            }
        )
    body = fmt(TEXTS["priorities"], default=pair(default, "name")) if default else TEXTS["priorities_no_default"]
    return {
        "kind": "priorities",
        "code": "priorities",
        "body": body,
        "response_text": TEXTS["response"],
        "priorities": out,
    }


# --- targets -----------------------------------------------------------------------------------
def _conditions() -> dict[int, dict[str, set[int]]]:
    """Per policy, its M2M condition sets (one query per relation)."""
    out: dict[int, dict[str, set[int]]] = {}
    for name, column in (
        ("request_types", "requesttype_id"),
        ("priorities", "priority_id"),
        ("categories", "category_id"),
        ("organisations", "organisation_id"),
    ):
        for policy_id, value in getattr(Policy, name).through.objects.values_list("policy_id", column):
            out.setdefault(policy_id, {}).setdefault(name, set()).add(value)
    return out


def _targets_section(
    types: list[RequestType], priorities: list[Priority], sref: SlaReference, calendars: dict[int, Calendar]
) -> dict[str, JsonValue]:
    policies = sorted(Policy.objects.filter(is_active=True).select_related("calendar"), key=lambda p: (p.order, p.code))
    conds = _conditions()
    figures: dict[int, dict[tuple[int, str], int]] = {}
    for target in Target.objects.filter(policy__in=policies):
        figures.setdefault(target.policy_id, {})[(target.priority_id, target.metric)] = target.minutes
    by_id = {p.pk: p for p in policies}
    # Policies that only some requests of a type and priority get (a category, an organisation):
    # listed apart, under the table of what the others get.
    fallback = sref.default_policy.id if sref.default_policy is not None else None
    special = [
        p
        for p in policies
        if p.pk != fallback and (conds.get(p.pk, {}).get("categories") or conds.get(p.pk, {}).get("organisations"))
    ]

    def minutes(p: Policy | None, priority_id: int) -> dict[str, int | None]:
        own = figures.get(p.pk, {}) if p is not None else {}
        return {str(m): own.get((priority_id, m)) for m in METRIC_ORDER}

    rows = []
    for t in types:
        for prio in priorities:
            # A request of this type and priority, of no particular category or organisation.
            spec = sref.select(type_id=t.pk, priority_id=prio.pk, category_ids=(), organisation_id=None)
            policy = by_id.get(spec.id) if spec is not None else None
            cal_id = sref.calendar_id_for(spec, t.default_group_id)
            cal = calendars.get(cal_id) if cal_id else None
            rows.append(
                {
                    "type": t.code,
                    "type_name": pair(t, "name"),
                    "priority": prio.code,
                    "priority_name": pair(prio, "name"),
                    "policy": policy.code if policy else None,
                    "policy_name": pair(policy, "name") if policy else None,
                    "calendar": cal.code if cal else None,
                    "calendar_name": pair(cal, "name") if cal else None,
                    "targets": minutes(policy, prio.pk),
                }
            )

    names = _names_for(conds, special)
    return {
        "kind": "targets",
        "code": "targets",
        "body": TEXTS["targets"],
        "metrics": [{"code": str(m), "name": METRICS[m], "meaning": METRIC_MEANINGS[m]} for m in METRIC_ORDER],
        "rows": rows,
        "no_targets": TEXTS["no_targets"],
        "special_text": TEXTS["special"] if special else None,
        "special": [
            {
                "code": p.code,
                "order": p.order,
                "name": pair(p, "name"),
                "description": pair(p, "description"),
                "calendar": p.calendar.code if p.calendar is not None else None,
                "conditions": {
                    rel: sorted(
                        (names[rel][i] for i in conds.get(p.pk, {}).get(rel, ()) if i in names[rel]),
                        key=lambda n: (n["en"], n["ru"]),
                    )
                    for rel in ("request_types", "priorities", "categories", "organisations")
                },
                "targets": [
                    {"priority": prio.code, "priority_name": pair(prio, "name"), "targets": minutes(p, prio.pk)}
                    for prio in priorities
                    if any(minutes(p, prio.pk).values())
                ],
            }
            for p in special
        ],
    }


def _names_for(conds: dict[int, dict[str, set[int]]], policies: Iterable[Policy]) -> dict[str, dict[int, Text]]:
    """The names of the types, priorities, categories and organisations the special policies name."""
    models: dict[str, JsonValue] = {
        "request_types": RequestType,
        "priorities": Priority,
        "categories": Category,
        "organisations": Organisation,
    }
    wanted: dict[str, set[int]] = {rel: set() for rel in models}
    for p in policies:
        for rel, ids in conds.get(p.pk, {}).items():
            wanted[rel] |= ids
    names: dict[str, dict[int, Text]] = {rel: {} for rel in models}
    for rel, model in models.items():
        if wanted[rel]:
            for o in model.objects.filter(pk__in=wanted[rel]):
                # Organisations have one name, the others a pair.
                names[rel][o.pk] = same(o.name) if model is Organisation else pair(o, "name")
    return names


# --- clocks and escalation ---------------------------------------------------------------------
def _pauses_section(types: list[RequestType]) -> dict[str, JsonValue]:
    type_names: dict[int, list[tuple[int, str, Text]]] = {}
    for t in types:
        type_names.setdefault(t.route_id, []).append((t.order, t.code, pair(t, "name")))
    points: dict[int, list[RoutePoint]] = {}
    for p in RoutePoint.objects.filter(route__is_active=True):
        points.setdefault(p.route_id, []).append(p)

    def final(p: RoutePoint) -> bool:
        # A final point stops every clock whatever its setting (sla.services.sla_on_transition).
        return p.kind in FINAL_KINDS

    routes = []
    for r in Route.objects.filter(is_active=True).order_by("code"):
        pts = sorted(points.get(r.pk, []), key=lambda p: (p.order, p.code))
        routes.append(
            {
                "code": r.code,
                "name": pair(r, "name"),
                "types": [name for _, _, name in sorted(type_names.get(r.pk, []), key=lambda x: x[:2])],
                "paused": [pair(p, "name") for p in pts if p.clock == ClockBehaviour.PAUSED and not final(p)],
                "stopped": [pair(p, "name") for p in pts if p.clock == ClockBehaviour.STOPPED or final(p)],
            }
        )
    return {"kind": "pauses", "code": "pauses", "body": TEXTS["pauses"], "routes": routes}


def _escalation_section() -> dict[str, JsonValue]:
    rules = list(
        EscalationRule.objects.filter(is_active=True)
        .select_related("policy", "reassign_group", "reassign_user", "raise_priority_to")
        .prefetch_related("notify_users", "add_watchers")
    )
    # A rule of an inactive policy never fires: leave it out.
    rules = [r for r in rules if r.policy is None or r.policy.is_active]
    rules.sort(key=lambda r: (TRIGGER_ORDER.get(r.trigger, 9), r.level, r.delay_minutes, r.pk))

    def people(users: Iterable[User]) -> list[Text]:
        return [same(n) for n in sorted(u.display_name for u in users)]

    out = []
    for r in rules:
        flags = (
            ("executor", r.notify_executor),
            ("group_lead", r.notify_group_lead),
            ("dispatcher", r.notify_dispatcher),
            ("managers", r.notify_managers),
            ("watchers", r.notify_watchers),
        )
        out.append(
            {
                "trigger": r.trigger,
                "trigger_name": TRIGGERS.get(r.trigger, same(r.trigger)),
                "level": r.level,
                "policy": r.policy.code if r.policy is not None else None,
                "policy_name": pair(r.policy, "name") if r.policy_id else None,
                "metric": r.metric or None,
                "metric_name": METRICS.get(r.metric),
                "delay_minutes": r.delay_minutes,
                "notify": [NOTIFY[key] for key, on in flags if on] + people(r.notify_users.all()),
                "reassign_group": pair(r.reassign_group, "name") if r.reassign_group_id else None,
                "reassign_user": same(r.reassign_user.display_name) if r.reassign_user is not None else None,
                "raise_priority_to": pair(r.raise_priority_to, "name") if r.raise_priority_to_id else None,
                "add_watchers": people(r.add_watchers.all()),
            }
        )
    return {
        "kind": "escalation",
        "code": "escalation",
        "body": TEXTS["escalation"] if out else TEXTS["no_escalation"],
        "rules": out,
    }


# --- confirmation and satisfaction -------------------------------------------------------------
def _handling_section(types: list[RequestType]) -> dict[str, JsonValue]:
    """Per type, how long a resolution waits for the initiator's confirmation; then how the
    satisfaction survey works (feedback.surveys, workflow.transitions)."""
    # Routes whose resolved points the initiator confirms: there the period applies.
    confirming = set(
        Transition.objects.filter(
            source__kind=PointKind.RESOLVED, reaction=ReactionKind.INITIATOR_CONFIRMED
        ).values_list("route_id", flat=True)
    )
    rows = []
    for t in types:
        name = pair(t, "name")
        if t.route_id not in confirming:
            days, line = None, fmt(TEXTS["confirm_none"], type=name)
        elif t.auto_confirm_days is None:
            days, line = None, fmt(TEXTS["confirm_never"], type=name)
        else:
            days = t.auto_confirm_days
            line = fmt(TEXTS["confirm_days"], type=name, days=days_text(days, working=True))
        rows.append(
            {"type": t.code, "type_name": name, "confirms": t.route_id in confirming, "days": days, "text": line}
        )
    conf = FeedbackSettings.current()
    survey: dict[str, JsonValue] = {"enabled": conf.survey_enabled}
    if conf.survey_enabled:
        parts = [fmt(TEXTS["survey"], valid=days_text(conf.survey_valid_days))]
        if conf.survey_reminder_days and conf.survey_reminder_days < conf.survey_valid_days:
            parts.append(fmt(TEXTS["survey_reminder"], days=days_text(conf.survey_reminder_days)))
        if conf.low_score_threshold >= 1:
            parts.append(fmt(TEXTS["survey_low"], score=str(min(conf.low_score_threshold, 5))))
        survey.update(
            valid_days=conf.survey_valid_days,
            reminder_days=conf.survey_reminder_days,
            low_score=conf.low_score_threshold,
            text={lang: " ".join(p[lang] for p in parts) for lang in LANGS},
        )
    else:
        survey["text"] = TEXTS["no_survey"]
    return {"kind": "handling", "code": "handling", "body": TEXTS["handling"], "types": rows, "survey": survey}


# --- complaints --------------------------------------------------------------------------------
def _complaints_section(
    default_cal: Calendar | None, moment: dt.datetime, sref: SlaReference, calendars: dict[int, Calendar]
) -> dict[str, JsonValue]:
    """How to file a complaint, its route, and its two targets in working time with the calendar
    they count in (the one complaints.services.complaint_calendar counts in). A calendar of their
    own, not the one the working-hours section shows, is shown here whole."""
    fs = FeedbackSettings.current()
    cal_id = complaint_calendar_id(fs, sref)
    cal = calendars.get(cal_id) if cal_id else None
    minutes = {"reaction": fs.complaint_reaction_minutes, "answer": fs.complaint_answer_minutes}
    own = None
    if cal is not None and (default_cal is None or cal.pk != default_cal.pk):
        first, last = period_of(moment, cal.time_zone)
        own = {"year": first.year, "period": period(first, last), **calendar_entry(cal, first, last)}
    return {
        "kind": "complaints",
        "code": "complaints",
        "body": TEXTS["complaints"],
        "route_text": TEXTS["complaints_route"],
        "route": [{"state": state, **COMPLAINT_STATES[state]} for state in ("filed", "review", "upheld", "rejected")],
        "targets_text": TEXTS["complaints_targets"],
        "targets": [{"code": code, "name": COMPLAINT_TARGETS[code], "minutes": minutes[code]} for code in minutes],
        "calendar": {"code": cal.code, "name": pair(cal, "name"), "time_zone": cal.time_zone} if cal else None,
        "calendar_text": (
            fmt(TEXTS["complaints_calendar"], name=pair(cal, "name"), tz=_zone(cal.time_zone))
            if cal is not None
            else TEXTS["no_calendar"]
        ),
        "own_calendar": own,
        "overdue_text": TEXTS["complaints_overdue"],
    }


# --- quality criteria --------------------------------------------------------------------------
def _quality_section() -> dict[str, JsonValue]:
    """The quantitative criteria of quality: the KPIs and their definitions, the composite score's
    components, their published weights and the formula (quality.definitions, quality.kpi)."""
    weights = QualityWeights.current().as_dict()
    return {
        "kind": "quality",
        "code": "quality",
        "body": TEXTS["quality"],
        "intro": definitions.INTRO,
        "kpis": [{"code": code, "name": name, "definition": text} for code, name, text in definitions.KPIS],
        "score": definitions.SCORE,
        "components": [
            {"code": code, "name": name, "normalised": text, "weight": weights[code]}
            for code, name, text in definitions.COMPONENTS
        ],
        "weights_total": sum(weights.values()),
        "monthly": definitions.MONTHLY,
    }
