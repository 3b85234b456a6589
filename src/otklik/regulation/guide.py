"""The regulation's sections about a request's way through the service, generated like the others
(build.py merges them in): how to prepare a request (the admin's guidance, then what every form and
each type's form asks), the stages of each route with who acts at each (read from the routes
themselves, so a point or transition added to a route appears here), and the admin's additional
information."""

from __future__ import annotations

from django.conf import settings

from otklik.catalog.formfields import parse_choices
from otklik.catalog.models import FormField, RequestType
from otklik.core.jsonvalue import JsonValue
from otklik.routes.kinds import FINAL_KINDS
from otklik.routes.models import RoutePoint, Transition

from .models import RegulationSettings
from .texts import (
    ACTOR_ORDER,
    ACTORS,
    ARRIVAL,
    COMMON_FIELDS,
    FIELD_KINDS,
    STAGE_CLOCK,
    TEXTS,
    Text,
    fmt,
    pair,
    text,
)

MB = 1024 * 1024


def _has_text(value: Text) -> bool:
    return any(v.strip() for v in value.values())


# --- how to prepare a request ------------------------------------------------------------------
def preparation_section(types: list[RequestType], conf: RegulationSettings) -> dict[str, JsonValue]:
    limits = {"limit": str(settings.MAX_SUBJECT_LENGTH), "mb": str(max(1, settings.MAX_ATTACHMENT_BYTES // MB))}
    common = [
        {
            "code": code,
            "name": words["name"],
            "required": code == "subject",
            "text": fmt(words["text"], **limits),
        }
        for code, words in COMMON_FIELDS.items()
    ]
    fields: dict[int, list[dict[str, JsonValue]]] = {}
    for f in FormField.objects.filter(request_type__in=types).order_by("order", "code"):
        fields.setdefault(f.request_type_id, []).append(
            {
                "code": f.code,
                "label": pair(f, "label"),
                "kind": f.kind,
                "kind_name": FIELD_KINDS.get(f.kind, text(f.kind, f.kind)),
                "required": f.required,
                "help": pair(f, "help"),
                "choices": [text(c.label_ru, c.label_en) for c in parse_choices(f.choices)]
                if f.kind == "choice"
                else [],
            }
        )
    guidance = pair(conf, "preparation")
    return {
        "kind": "preparation",
        "code": "preparation",
        "guidance": guidance if _has_text(guidance) else None,  # the admin's Markdown
        "body": TEXTS["preparation"],
        "common": common,
        "types_text": TEXTS["preparation_types"],
        "types": [{"code": t.code, "name": pair(t, "name"), "fields": fields.get(t.pk, [])} for t in types],
        "scope_text": TEXTS["preparation_scope"],
    }


# --- the stages of each route ------------------------------------------------------------------
def _actors(t: Transition) -> list[str]:
    given = set(t.actors())
    return [a for a in ACTOR_ORDER if a in given]


def stages_section(types: list[RequestType]) -> dict[str, JsonValue]:
    """Per route of an active type (in the types' order): its points in the route's order, each
    with what the clocks do there and its transitions: where each leads, who may take it (in words),
    whether it needs a comment, who becomes the executor."""
    route_ids: list[int] = []
    type_names: dict[int, list[Text]] = {}
    for t in types:
        if t.route_id not in type_names:
            route_ids.append(t.route_id)
        type_names.setdefault(t.route_id, []).append(pair(t, "name"))
    points: dict[int, list[RoutePoint]] = {}
    for p in RoutePoint.objects.filter(route_id__in=route_ids):
        points.setdefault(p.route_id, []).append(p)
    outgoing: dict[int, list[Transition]] = {}
    for tr in Transition.objects.filter(route_id__in=route_ids):
        outgoing.setdefault(tr.source_id, []).append(tr)
    routes_by_id = {t.route_id: t.route for t in types}

    def stage(p: RoutePoint, names: dict[int, RoutePoint]) -> dict[str, JsonValue]:
        final = p.kind in FINAL_KINDS
        clock = "final" if final else p.clock
        moves = []
        for tr in sorted(outgoing.get(p.pk, []), key=lambda x: (x.order, x.code)):
            target = names.get(tr.target_id)
            actors = _actors(tr)
            moves.append(
                {
                    "code": tr.code,
                    "label": pair(tr, "label"),
                    "target": target.code if target is not None else None,
                    "target_name": pair(target, "name") if target is not None else None,
                    "actors": actors,
                    "actor_names": [ACTORS[a]["name"] for a in actors],
                    "comment_required": tr.comment_required,
                    "executor": ARRIVAL.get(tr.executor_on_arrival),
                    # The initiator's ordinary reply at this waiting point takes it as well.
                    "on_reply": tr.pk == p.on_reply_id,
                }
            )
        return {
            "code": p.code,
            "name": pair(p, "name"),
            "kind": p.kind,
            "is_start": p.is_start,
            "clock": clock,
            "clock_text": STAGE_CLOCK[clock] if clock in STAGE_CLOCK else STAGE_CLOCK["runs"],
            "transitions": moves,
        }

    routes = []
    for route_id in route_ids:
        route = routes_by_id[route_id]
        pts = sorted(points.get(route_id, []), key=lambda p: (p.order, p.code))
        by_id = {p.pk: p for p in pts}
        routes.append(
            {
                "code": route.code,
                "name": pair(route, "name"),
                "types": type_names[route_id],
                "points": [stage(p, by_id) for p in pts],
            }
        )
    return {
        "kind": "stages",
        "code": "stages",
        "body": TEXTS["stages"],
        "actors_text": TEXTS["actors"],
        "actors": [{"code": a, **ACTORS[a]} for a in ACTOR_ORDER],
        "routes": routes,
    }


# --- additional information --------------------------------------------------------------------
def additional_section(conf: RegulationSettings) -> dict[str, JsonValue] | None:
    """The admin's closing section (Markdown), or None while it is empty in both languages."""
    body = pair(conf, "additional")
    if not _has_text(body):
        return None
    return {"kind": "additional", "code": "additional", "body": body}
