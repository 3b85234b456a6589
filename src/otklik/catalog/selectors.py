"""The catalogue as one JSON-ready structure, read in a fixed number of queries."""

from __future__ import annotations

from otklik.core.i18n import current_language, localized
from otklik.core.jsonvalue import JsonValue
from otklik.routes.models import RoutePoint, Transition

from .formfields import parse_choices
from .models import Category, FormField, Priority, RequestType


def _field(f: FormField) -> dict[str, JsonValue]:
    out: dict[str, JsonValue] = {
        "code": f.code,
        "label": f.label,
        "help": localized(f, "help"),
        "kind": f.kind,
        "required": f.required,
    }
    if f.kind == "choice":
        ru = current_language() == "ru"
        out["choices"] = [
            {"value": c.value, "label": c.label_ru if ru else c.label_en} for c in parse_choices(f.choices)
        ]
    if f.kind == "text":
        out["max_length"] = f.max_length or 2000
    if f.kind == "number":
        out["min"] = float(f.min_value) if f.min_value is not None else None
        out["max"] = float(f.max_value) if f.max_value is not None else None
    return out


def route_dict(route_id: int, points: list[RoutePoint], transitions: list[Transition]) -> dict[str, JsonValue]:
    codes = {p.pk: p.code for p in points}
    transition_codes = {t.pk: t.code for t in transitions}
    return {
        "points": [
            {
                "code": p.code,
                "name": p.name,
                "kind": p.kind,
                "clock": p.clock,
                "is_start": p.is_start,
                "is_final": p.is_final,
                # The transition the initiator's public reply takes here (a waiting point), or null.
                "on_reply": transition_codes.get(p.on_reply_id) if p.on_reply_id else None,
            }
            for p in points
            if p.route_id == route_id
        ],
        "transitions": [
            {
                "code": t.code,
                "label": t.label,
                "from": codes[t.source_id],
                "to": codes[t.target_id],
                "actors": list(t.actors()),
                "comment_required": t.comment_required,
                "executor_on_arrival": t.executor_on_arrival,
                "reaction": t.reaction,
            }
            for t in transitions
            if t.route_id == route_id
        ],
    }


def catalog_snapshot() -> dict[str, JsonValue]:
    types = list(RequestType.objects.filter(is_active=True).select_related("route", "default_group"))
    route_ids = {t.route_id for t in types}
    points = list(RoutePoint.objects.filter(route_id__in=route_ids))
    transitions = list(Transition.objects.filter(route_id__in=route_ids))
    fields = list(FormField.objects.filter(request_type__in=types))
    out_types: list[dict[str, JsonValue]] = []
    for t in types:
        route = route_dict(t.route_id, points, transitions)
        oos = next((p.code for p in points if p.pk == t.route.out_of_scope_point_id), None)
        out_types.append(
            {
                "code": t.code,
                "name": t.name,
                "description": t.description,
                "prefix": t.prefix,
                "default_group": t.default_group.code,
                "fields": [_field(f) for f in fields if f.request_type_id == t.pk],
                "route": {"code": t.route.code, "name": str(t.route), "out_of_scope_point": oos, **route},
            }
        )
    categories = list(Category.objects.filter(is_active=True).select_related("parent", "default_group"))
    return {
        "types": out_types,
        "priorities": [
            {"code": p.code, "name": p.name, "description": p.description, "rank": p.rank, "is_default": p.is_default}
            for p in Priority.objects.filter(is_active=True)
        ],
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "description": c.description,
                "parent": c.parent.code if c.parent is not None else None,
                "in_scope": c.in_scope,
                "out_of_scope_note": c.out_of_scope_note or None,
                "group": c.default_group.code if c.default_group is not None else None,
            }
            for c in categories
        ],
    }
