"""The demo organisation of CONTRACT.md, loaded idempotently by `otklik demo` (and by the tests).

Everything is keyed by code or user name: a second run updates what is there and adds what is
missing, never duplicates. Passwords are set only when a user is first created.
"""

from __future__ import annotations

from django.db import transaction

from otklik.accounts.models import GroupMembership, Organisation, SupportGroup, User
from otklik.catalog.models import Category, FormField, Priority, RequestType
from otklik.regulation.reasons import DEMO
from otklik.regulation.services import regulation_publish
from otklik.routes.models import Route, RoutePoint, Transition

from .organisation import (
    CATEGORIES,
    GROUPS,
    ORGANISATION,
    PRIORITIES,
    ROUTES,
    SAMPLE_TICKETS,
    TYPES,
    USERS,
    RouteSpec,
)
from .sla import demo_sla_load


def _route(code: str, spec: RouteSpec) -> Route:
    route, _ = Route.objects.update_or_create(
        code=code, defaults={"name_ru": spec["name_ru"], "name_en": spec["name_en"]}
    )
    points: dict[str, RoutePoint] = {}
    for order, (pcode, ru, en, kind, clock, start) in enumerate(spec["points"]):
        points[pcode], _ = RoutePoint.objects.update_or_create(
            route=route,
            code=pcode,
            defaults={"name_ru": ru, "name_en": en, "kind": kind, "clock": clock, "is_start": start, "order": order},
        )
    transitions: dict[tuple[str, str], Transition] = {}
    for order, (tcode, ru, en, src, dst, actors, comment, arrival, reaction) in enumerate(spec["transitions"]):
        transitions[(src, tcode)], _ = Transition.objects.update_or_create(
            source=points[src],
            code=tcode,
            defaults={
                "route": route,
                "label_ru": ru,
                "label_en": en,
                "target": points[dst],
                "order": order,
                "by_initiator": "initiator" in actors,
                "by_executor": "executor" in actors,
                "by_group_member": "group_member" in actors,
                "by_group_lead": "group_lead" in actors,
                "by_manager": "manager" in actors,
                "comment_required": comment,
                "executor_on_arrival": arrival,
                "reaction": reaction,
            },
        )
    # Set after the transitions (a point's on-reply names one of them); a second run also brings an
    # older demo's routes up to date: new points and transitions are added, requests stay where they are.
    on_reply = spec.get("on_reply", {})
    for pcode, point in points.items():
        reply_code = on_reply.get(pcode)
        wanted = transitions[(pcode, reply_code)] if reply_code else None
        if point.on_reply_id != (wanted.pk if wanted else None):
            point.on_reply = wanted
            point.save(update_fields=["on_reply"])
    route.out_of_scope_point = points.get(spec.get("out_of_scope", ""))
    problems = route.problems()
    if problems:
        raise ValueError(f"demo route {code} is unsound: {'; '.join(problems)}")
    route.is_active = True
    route.save()
    return route


@transaction.atomic
def demo_load() -> dict[str, str]:
    """Load (or refresh) the demo organisation. Returns the logins: user name → password."""
    org, _ = Organisation.objects.update_or_create(code=ORGANISATION["code"], defaults={"name": ORGANISATION["name"]})
    users: dict[str, User] = {}
    for user_spec in USERS:
        name = user_spec["username"]
        user, created = User.objects.get_or_create(username=name)
        user.first_name, user.last_name, user.role = user_spec["first_name"], user_spec["last_name"], user_spec["role"]
        user.email = f"{name}@example.com"
        user.organisation = org
        user.is_staff = user.is_superuser = bool(user_spec.get("superuser"))
        if created:
            user.set_password(name)
        user.save()
        users[name] = user
    groups: dict[str, SupportGroup] = {}
    for group_spec in GROUPS:
        group, created = SupportGroup.objects.update_or_create(
            code=group_spec["code"], defaults={"name_ru": group_spec["name_ru"], "name_en": group_spec["name_en"]}
        )
        for username, is_lead in group_spec["members"]:
            GroupMembership.objects.update_or_create(group=group, user=users[username], defaults={"is_lead": is_lead})
        if created:
            # How the group takes its new requests is the administrator's to change: `make run`
            # loads the demo on every start and must not undo it. The demo's new requests wait in
            # their group's unassigned queue, where an agent's first view shows them.
            group.dispatcher = users.get(group_spec.get("dispatcher", ""))
            group.auto_assign = group_spec.get("auto_assign", False)
            group.save()
        groups[group.code] = group
    for code, rank, ru, en, dru, den in PRIORITIES:
        Priority.objects.update_or_create(
            code=code,
            defaults={
                "rank": rank,
                "name_ru": ru,
                "name_en": en,
                "description_ru": dru,
                "description_en": den,
                "is_default": code == "normal",
                "order": rank,
            },
        )
    cats: dict[str, Category] = {}
    for order, (code, parent, ru, en, group_code, in_scope, nru, nen) in enumerate(CATEGORIES):
        cats[code], _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "parent": cats.get(parent or ""),
                "name_ru": ru,
                "name_en": en,
                "order": order,
                "default_group": groups.get(group_code or ""),
                "in_scope": in_scope,
                "out_of_scope_note_ru": nru,
                "out_of_scope_note_en": nen,
            },
        )
    routes = {code: _route(code, spec) for code, spec in ROUTES.items()}
    for type_spec in TYPES:
        rtype, _ = RequestType.objects.update_or_create(
            code=type_spec["code"],
            defaults={
                "prefix": type_spec["prefix"],
                "route": routes[type_spec["route"]],
                "default_group": groups[type_spec["group"]],
                "order": type_spec["order"],
                "name_ru": type_spec["name_ru"],
                "name_en": type_spec["name_en"],
                "description_ru": type_spec["description_ru"],
                "description_en": type_spec["description_en"],
            },
        )
        for order, (fcode, ru, en, kind, required, choices, lo, hi) in enumerate(type_spec["fields"]):
            FormField.objects.update_or_create(
                request_type=rtype,
                code=fcode,
                defaults={
                    "label_ru": ru,
                    "label_en": en,
                    "kind": kind,
                    "required": required,
                    "choices": choices,
                    "min_value": lo,
                    "max_value": hi,
                    "order": order,
                },
            )
    demo_sla_load()
    # Published now, not at commit, so the sample requests record the version in force.
    regulation_publish(code=DEMO)
    _sample_tickets(users)
    return {u["username"]: u["username"] for u in USERS}


def _sample_tickets(users: dict[str, User]) -> None:
    from otklik.tickets.models import Ticket
    from otklik.workflow import ticket_create

    if Ticket.objects.filter(initiator__organisation__code=ORGANISATION["code"]).exists():
        return
    for username, type_code, subject, category, priority, fields in SAMPLE_TICKETS:
        ticket_create(
            initiator=users[username],
            type_code=type_code,
            subject=subject,
            description="",
            priority_code=priority,
            category_code=category,
            fields=fields,
        )
