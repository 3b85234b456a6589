"""Writes on routes."""

from __future__ import annotations

from django.db import transaction

from otklik.core.errors import Invalid

from .models import Route, RoutePoint, Transition


@transaction.atomic
def route_copy(*, route: Route, code: str | None = None) -> Route:
    """A draft copy of a route with all its points and transitions, to be edited and activated
    while the original keeps serving; requests already filed stay on the original's points."""
    base = code or f"{route.code}-draft"
    new_code, n = base, 1
    while Route.objects.filter(code=new_code).exists():
        n += 1
        new_code = f"{base}-{n}"
    if len(new_code) > 50:
        raise Invalid(f"route code {new_code!r} is longer than 50 characters")
    copy = Route.objects.create(
        code=new_code, name_ru=f"{route.name_ru} (черновик)", name_en=f"{route.name_en} (draft)", is_active=False
    )
    points: dict[int, RoutePoint] = {}
    for p in route.points.all():
        points[p.pk] = RoutePoint.objects.create(
            route=copy,
            code=p.code,
            name_ru=p.name_ru,
            name_en=p.name_en,
            kind=p.kind,
            clock=p.clock,
            is_start=p.is_start,
            order=p.order,
        )
    transitions: dict[int, Transition] = {}
    for t in route.transitions.all():
        transitions[t.pk] = Transition.objects.create(
            route=copy,
            code=t.code,
            label_ru=t.label_ru,
            label_en=t.label_en,
            source=points[t.source_id],
            target=points[t.target_id],
            by_initiator=t.by_initiator,
            by_executor=t.by_executor,
            by_group_member=t.by_group_member,
            by_group_lead=t.by_group_lead,
            by_manager=t.by_manager,
            comment_required=t.comment_required,
            executor_on_arrival=t.executor_on_arrival,
            reaction=t.reaction,
            order=t.order,
        )
    for p in route.points.exclude(on_reply=None):
        copied = points[p.pk]
        copied.on_reply = transitions.get(p.on_reply_id or 0)
        copied.save(update_fields=["on_reply"])
    if route.out_of_scope_point_id:
        copy.out_of_scope_point = points[route.out_of_scope_point_id]
        copy.save(update_fields=["out_of_scope_point"])
    return copy
