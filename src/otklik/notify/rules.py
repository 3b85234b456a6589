"""Who hears of an event and through which channels: the admin's rules (event × conditions →
recipients → channels), read from an in-process snapshot, resolved against what the event is
about (a `Subject`). What each event is and whom it names itself is the domain's: a request's in
tickets/notices.py, a deadline's in sla/notices.py, a survey's in feedback/surveys.py, a
complaint's in complaints/notices.py.

Every enabled rule of the event whose conditions hold applies; a person gets the union of the
channels the rules offer, and a channel is mandatory when a mandatory rule offers it. Nobody hears
of their own action. The people's own choices and addresses are applied after this (preferences.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.core.jsonvalue import JsonValue
from otklik.core.snapshot import Snapshot

from .models import Channel, Rule
from .subject import Subject

# Fields whose change can be announced (the `ticket_changed` event).
CHANGE_FIELDS = ("priority", "category", "group")
CHANGE_FIELD_LABELS = {"priority": _("priority"), "category": _("category"), "group": _("support group")}
RECIPIENT_FLAGS = (
    "to_addressed",
    "to_initiator",
    "to_executor",
    "to_group_members",
    "to_group_lead",
    "to_group_dispatcher",
    "to_watchers",
)


@dataclass(frozen=True)
class RuleSpec:
    id: int
    name: str
    event: str
    type_ids: frozenset[int]
    priority_ids: frozenset[int]
    group_ids: frozenset[int]
    fields: frozenset[str]
    flags: frozenset[str]
    roles: tuple[str, ...]
    user_ids: tuple[int, ...]
    channels: tuple[str, ...]
    mandatory: bool
    staff_only: bool
    importance: str

    def matches(self, subject: Subject | None, changed: Iterable[str] = ()) -> bool:
        if subject is None:  # events about nothing (login, other systems) match rules without conditions
            return not (self.type_ids or self.priority_ids or self.group_ids)
        if self.type_ids and subject.type_id not in self.type_ids:
            return False
        if self.priority_ids and subject.priority_id not in self.priority_ids:
            return False
        if self.group_ids and subject.group_id not in self.group_ids:
            return False
        return not (self.fields and not self.fields & set(changed))


# The source's defaults (also written as rules by the migration, where an administrator changes
# them): (name, event, recipients, channels, other fields). They apply while no rule exists at all,
# so an emptied rule table cannot silence the help desk; disabling rules does.
DEFAULT_RULES: list[tuple[str, str, list[str], list[str], dict[str, JsonValue]]] = [
    ("Новое обращение → исполнитель и диспетчер группы", "ticket_created",
     ["to_executor", "to_group_dispatcher"], ["inapp", "email"], {}),
    ("Движение по маршруту → инициатор и исполнитель", "ticket_moved",
     ["to_initiator", "to_executor"], ["inapp", "email"], {}),
    ("Назначение → новый исполнитель", "ticket_assigned", ["to_addressed"], ["inapp", "email"], {}),
    ("Комментарий → другая сторона и наблюдатели", "ticket_comment",
     ["to_initiator", "to_executor", "to_watchers"], ["inapp", "email"], {}),
    ("Служебная заметка → исполнитель и наблюдатели из поддержки", "ticket_note",
     ["to_executor", "to_watchers"], ["inapp"], {"staff_only": True}),
    ("Срок подходит → исполнитель", "sla_warned", ["to_executor"], ["inapp"], {}),
    ("Эскалация → кому велит правило эскалации", "sla_escalated", ["to_addressed"], ["inapp", "email"],
     {"mandatory": True}),
    ("Изменение приоритета, категории, группы → исполнитель и инициатор", "ticket_changed",
     ["to_executor", "to_initiator"], ["inapp"], {"importance": "low"}),
    ("Вход в систему → что ждёт реакции", "login_summary", ["to_addressed"], ["inapp"], {}),
    # Feedback and quality (issue 6)
    ("Просьба оценить решение → инициатор", "survey_requested", ["to_addressed"], ["inapp", "email"], {}),
    ("Напоминание об оценке → инициатор", "survey_reminded", ["to_addressed"], ["inapp", "email"], {}),
    ("Низкая оценка → руководитель группы", "survey_low_score", ["to_group_lead"], ["inapp", "email"],
     {"importance": "high"}),
    ("Новая рекламация → руководители службы поддержки и руководитель группы", "complaint_filed",
     ["to_group_lead"], ["inapp", "email"], {"roles": ["manager"], "importance": "high"}),
    ("Рекламация принята к рассмотрению → автор рекламации", "complaint_review", ["to_addressed"], ["inapp"], {}),
    ("Ответ на рекламацию → автор рекламации", "complaint_answered", ["to_addressed"], ["inapp", "email"], {}),
    ("Срок по рекламации нарушен → руководители службы поддержки", "complaint_overdue", ["to_addressed"],
     ["inapp", "email"], {"roles": ["manager"], "mandatory": True, "importance": "critical"}),
    ("Ежемесячный отчёт о качестве → руководители групп и службы поддержки", "quality_monthly", ["to_addressed"],
     ["inapp", "email"], {}),
    # The regulation's versions, announced ahead and in force (each one, at once or at its moment): everyone.
    ("Новая редакция регламента назначена → все пользователи", "regulation_scheduled", [], ["inapp", "email"],
     {"roles": ["initiator", "agent", "lead", "manager", "admin"]}),
    ("Новая редакция регламента вступила в силу → все пользователи", "regulation_in_force", [], ["inapp"],
     {"roles": ["initiator", "agent", "lead", "manager", "admin"]}),
]  # fmt: skip


# The help desk's own events, which only rules decide (the rest fall back to defaults).
RULED_EVENTS = frozenset(event for _, event, _, _, _ in DEFAULT_RULES)


def _defaults() -> dict[str, list[RuleSpec]]:
    out: dict[str, list[RuleSpec]] = {}
    for i, (name, event, flags, channels, extra) in enumerate(DEFAULT_RULES, start=1):
        out.setdefault(event, []).append(
            RuleSpec(
                id=-i,
                name=name,
                event=event,
                type_ids=frozenset(),
                priority_ids=frozenset(),
                group_ids=frozenset(),
                fields=frozenset(),
                flags=frozenset(flags),
                roles=tuple(extra.get("roles", ())),
                user_ids=(),
                channels=tuple(channels),
                mandatory=bool(extra.get("mandatory")),
                staff_only=bool(extra.get("staff_only")),
                importance=str(extra.get("importance", "")),
            )
        )
    return out


def restore_default_rules() -> int:
    """Write the default rules that are missing (by name); returns how many were written."""
    existing = set(Rule.objects.values_list("name", flat=True))
    written = 0
    for name, event, flags, channels, extra in DEFAULT_RULES:
        if name not in existing:
            Rule.objects.create(name=name, event=event, channels=channels, **{f: True for f in flags}, **extra)
            written += 1
    return written


def _build() -> dict[str, list[RuleSpec]]:
    if not Rule.objects.exists():
        return _defaults()
    out: dict[str, list[RuleSpec]] = {}
    rules = Rule.objects.filter(enabled=True).prefetch_related("request_types", "priorities", "groups", "users")
    for r in rules.order_by("id"):
        out.setdefault(r.event, []).append(
            RuleSpec(
                id=r.pk,
                name=r.name,
                event=r.event,
                type_ids=frozenset(t.pk for t in r.request_types.all()),
                priority_ids=frozenset(p.pk for p in r.priorities.all()),
                group_ids=frozenset(g.pk for g in r.groups.all()),
                fields=frozenset(r.fields or ()),
                flags=frozenset(f for f in RECIPIENT_FLAGS if getattr(r, f)),
                roles=tuple(r.roles or ()),
                user_ids=tuple(u.pk for u in r.users.all()),
                channels=tuple(c for c in Channel.values if c in (r.channels or ())),
                mandatory=r.mandatory,
                staff_only=r.staff_only,
                importance=r.importance,
            )
        )
    return out


_snapshot: Snapshot[dict[str, list[RuleSpec]]] = Snapshot("notify.rules", _build)
_snapshot.watch(Rule, m2m=[getattr(Rule, name).through for name in ("request_types", "priorities", "groups", "users")])


def rules_for(event: str) -> list[RuleSpec]:
    return _snapshot.get().get(event, [])


@dataclass
class Offer:
    """What the rules offer one person: channels, and which of them they cannot switch off."""

    channels: set[str] = field(default_factory=set)
    mandatory: set[str] = field(default_factory=set)


@dataclass
class Plan:
    offers: dict[int, Offer]
    webhook: bool  # a rule asks for the event to go to the webhook carriers (once per event)
    importance: str  # a rule's own importance, else ""


def _group_people(group_id: int | None, *, members: bool, lead: bool, dispatcher: bool) -> set[int]:
    """From the directory snapshot (no query): an active group's members or leads, and whoever is
    told of its new requests (its dispatcher, else its first active lead)."""
    if group_id is None:
        return set()
    d = directory()
    out: set[int] = set()
    if members:
        out.update(d.members({group_id}))
    elif lead:
        out.update(d.leads(group_id))
    if dispatcher and (uid := d.dispatchers.get(group_id)) is not None:
        out.add(uid)
    return out


def plan(
    event: str,
    *,
    subject: Subject | None = None,
    actor_id: int | None = None,
    addressed: Iterable[int] = (),
    watcher_ids: Iterable[int] | None = None,
    changed: Iterable[str] = (),
    skip: Iterable[int] = (),
) -> Plan:
    """The people each matching rule names, with the channels it offers them. `addressed` are the
    people the event itself names (the new executor, an escalation's people, the named recipients
    of another system, the user logging in); `skip` are left out (the actor always is)."""
    changed = set(changed)
    offers: dict[int, Offer] = {}
    webhook = False
    importance = ""
    left_out = {*skip, actor_id} - {None}
    role_cache: dict[str, set[int]] = {}
    watchers: set[int] | None = set(watcher_ids) if watcher_ids is not None else None
    for rule in rules_for(event):
        if not rule.matches(subject, changed):
            continue
        importance = importance or rule.importance
        if Channel.WEBHOOK in rule.channels:
            webhook = True
        people: set[int] = set(rule.user_ids)
        if "to_addressed" in rule.flags:
            people |= set(addressed)
        if subject is not None:
            if "to_initiator" in rule.flags and subject.initiator_id:
                people.add(subject.initiator_id)
            if "to_executor" in rule.flags and subject.executor_id:
                people.add(subject.executor_id)
            people |= _group_people(
                subject.group_id,
                members="to_group_members" in rule.flags,
                lead="to_group_lead" in rule.flags,
                dispatcher="to_group_dispatcher" in rule.flags,
            )
            if "to_watchers" in rule.flags:
                if watchers is None:
                    watchers = subject.watchers()
                people |= watchers
        for role in rule.roles:
            if role not in role_cache:
                role_cache[role] = set(User.objects.filter(role=role, is_active=True).values_list("pk", flat=True))
            people |= role_cache[role]
        channels = {c for c in rule.channels if c != Channel.WEBHOOK}
        if not channels:
            continue
        if rule.staff_only:
            from otklik.accounts.people import people as lookup

            found = lookup(people)
            people = {uid for uid in people if uid in found and found[uid].is_support_staff}
        for uid in people - left_out:
            offer = offers.setdefault(uid, Offer())
            offer.channels |= channels
            if rule.mandatory:
                offer.mandatory |= channels
    return Plan(offers, webhook, importance)


def offered_channels(event: str) -> set[str]:
    """The channels any enabled rule offers for the event (a person's defaults in the preferences)."""
    return {c for rule in rules_for(event) for c in rule.channels if c != Channel.WEBHOOK}


def mandatory_channels(event: str) -> set[str]:
    return {c for rule in rules_for(event) if rule.mandatory for c in rule.channels if c != Channel.WEBHOOK}
