"""A person's own choices: which channels they receive an event on, their quiet hours and digest.

The rules (rules.py) offer channels per event; a person may switch an offered channel off (not a
mandatory one) and switch on a channel the rules do not offer. An event without rules (calendar
tasks, or before any rule exists) offers `DEFAULTS`; events other systems queue offer
`EXTERNAL_DEFAULT`. Channels that need an address are used only for people who have one (e-mail
and tasks an e-mail address, SMS a phone, messengers a messenger address).

Choices and schedules are cached in-process like the people cache (dropped at once in this
process on a change, else within PREFERENCES_TTL seconds), so addressing a notification costs no
query on the request's path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.accounts.people import Person
from otklik.accounts.selectors import memberships_of
from otklik.core.errors import FieldError, Invalid, not_a_choice, not_allowed, unknown
from otklik.core.jsonvalue import JsonValue
from otklik.core.snapshot import KeyedCache

from .models import Channel, Digest, Event, Preference, Schedule, TaskForm
from .rules import RULED_EVENTS, Offer, RuleSpec, mandatory_channels, offered_channels, rules_for

# The channels a person can choose from.
CHOOSABLE = (Channel.INAPP, Channel.EMAIL, Channel.TASK, Channel.SMS, Channel.MESSENGER)
DEFAULTS: dict[str, frozenset[str]] = {
    Event.TICKET_CREATED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_MOVED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_ASSIGNED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_COMMENT: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_NOTE: frozenset({Channel.INAPP}),
    Event.SLA_WARNED: frozenset({Channel.INAPP}),
    Event.SLA_ESCALATED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.TICKET_CHANGED: frozenset({Channel.INAPP}),
    Event.LOGIN_SUMMARY: frozenset({Channel.INAPP}),
    Event.TASK: frozenset({Channel.TASK}),
    Event.SURVEY_REQUESTED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.SURVEY_REMINDED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.SURVEY_LOW_SCORE: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.COMPLAINT_FILED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.COMPLAINT_REVIEW: frozenset({Channel.INAPP}),
    Event.COMPLAINT_ANSWERED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.COMPLAINT_OVERDUE: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.QUALITY_MONTHLY: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.REGULATION_SCHEDULED: frozenset({Channel.INAPP, Channel.EMAIL}),
    Event.REGULATION_IN_FORCE: frozenset({Channel.INAPP}),
}
# Events other systems queue (`POST /notifications/enqueue`) without a rule of their own.
EXTERNAL_DEFAULT = frozenset({Channel.INAPP, Channel.EMAIL})


@dataclass(frozen=True)
class Quiet:
    start: dt.time | None
    end: dt.time | None
    digest: str
    digest_time: dt.time
    task_form: str = TaskForm.TODO


NO_SCHEDULE = Quiet(None, None, Digest.OFF, dt.time(9, 0))

PREFERENCES_TTL = 30.0


def _read(user_ids: list[int]) -> dict[int, tuple[dict[tuple[str, str], bool], Quiet]]:
    choices: dict[int, dict[tuple[str, str], bool]] = {uid: {} for uid in user_ids}
    for uid, event, channel, enabled in Preference.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "event", "channel", "enabled"
    ):
        choices[uid][(event, channel)] = enabled
    quiet = {
        s.user_id: Quiet(s.quiet_start, s.quiet_end, s.digest, s.digest_time, s.task_form or TaskForm.TODO)
        for s in Schedule.objects.filter(user_id__in=user_ids)
    }
    return {uid: (choices[uid], quiet.get(uid, NO_SCHEDULE)) for uid in user_ids}


_cache: KeyedCache[int, tuple[dict[tuple[str, str], bool], Quiet]] = KeyedCache(
    "notify.preferences", ttl=lambda: PREFERENCES_TTL
)
_cache.watch(Preference, Schedule)


def _load(user_ids: Iterable[int]) -> dict[int, tuple[dict[tuple[str, str], bool], Quiet]]:
    return _cache.get_many(user_ids, _read)


def default_offer(event: str) -> Offer:
    """What an event offers everyone it reaches: for the events rules govern, what their enabled
    rules offer (nothing when all are disabled); for the others (calendar tasks, other systems'
    events without a rule of their own) the defaults."""
    offered = offered_channels(event)
    if offered or event in RULED_EVENTS:
        return Offer(offered, mandatory_channels(event))
    return Offer(set(DEFAULTS.get(event, EXTERNAL_DEFAULT)), set())


def _reachable(person: Person, channels: set[str]) -> set[str]:
    if not person.email:
        channels -= {Channel.EMAIL, Channel.TASK}
    if not person.phone:
        channels.discard(Channel.SMS)
    if not person.messenger:
        channels.discard(Channel.MESSENGER)
    return channels


def choose(people: list[Person], event: str, offers: dict[int, Offer]) -> dict[int, list[str]]:
    """Each person's channels for `event` given what the rules offer them, in a stable order."""
    loaded = _load(p.pk for p in people)
    out: dict[int, list[str]] = {}
    for person in people:
        offer = offers.get(person.pk)
        if offer is None:
            continue
        mine = loaded.get(person.pk, ({}, NO_SCHEDULE))[0]
        chosen = {c for c in offer.channels if mine.get((event, c), True)}
        chosen |= {c for c in CHOOSABLE if mine.get((event, c)) is True}  # switched on by the person
        chosen |= offer.mandatory
        if event != Event.TASK:  # a calendar task is its own event: other messages carry no task
            chosen.discard(Channel.TASK)
        out[person.pk] = [c for c in Channel.values if c in _reachable(person, chosen)]
    return out


def channels_for(people: list[Person], event: str) -> dict[int, list[str]]:
    """Each person's channels for `event` when the event reaches them (the rules' offer for it)."""
    offer = default_offer(event)
    return choose(people, event, {p.pk: offer for p in people})


def schedules(user_ids: Iterable[int]) -> dict[int, Quiet]:
    return {uid: entry[1] for uid, entry in _load(user_ids).items()}


# Whom an event names itself when a rule sends it "to the addressed": anyone (the person logging
# in, a survey's or a complaint's author), group leads and managers (the monthly report), managers
# (a complaint's reviewer), else support staff (a new executor, an escalation's people, …).
ADDRESSED_ANYONE = frozenset(
    {
        Event.LOGIN_SUMMARY,
        Event.SURVEY_REQUESTED,
        Event.SURVEY_REMINDED,
        Event.COMPLAINT_REVIEW,
        Event.COMPLAINT_ANSWERED,
    }
)
ADDRESSED_LEADS = frozenset({Event.QUALITY_MONTHLY})
ADDRESSED_MANAGERS = frozenset({Event.COMPLAINT_OVERDUE})  # a complaint's reviewer: a support manager


@dataclass(frozen=True)
class Standing:
    """What a person is in the help desk, as far as the rules' recipients go."""

    user_id: int
    role: str
    staff: bool
    manager: bool
    member: bool  # of a support group
    lead: bool  # of a support group
    dispatcher: bool  # told of an active group's new requests (its dispatcher, or its first lead without one)


def standing_of(user: User) -> Standing:
    """The person's standing, from the directory snapshot (no query). A dispatcher is whoever the
    directory tells of a group's new requests: its dispatcher, or its first lead when it has none."""
    member = lead = dispatcher = False
    if user.is_support_staff:
        mine = memberships_of(user)
        member, lead = bool(mine.groups), bool(mine.led)
        d = directory()
        dispatcher = any(uid == user.pk and d.groups[gid].is_active for gid, uid in d.dispatchers.items())
    return Standing(
        user_id=user.pk,
        role=user.role,
        staff=user.is_support_staff,
        manager=user.is_manager,
        member=member,
        lead=lead,
        dispatcher=dispatcher,
    )


def _reaches(rule: RuleSpec, event: str, who: Standing) -> bool:
    """Whether the rule can ever name this person."""
    if rule.staff_only and not who.staff:
        return False
    if who.user_id in rule.user_ids or who.role in rule.roles:
        return True
    flags = rule.flags
    if flags & {"to_initiator", "to_watchers"}:  # anyone files requests and may watch one
        return True
    if who.staff and (
        "to_executor" in flags
        or ("to_group_members" in flags and who.member)
        or ("to_group_lead" in flags and who.lead)
        or ("to_group_dispatcher" in flags and who.dispatcher)
    ):
        return True
    if "to_addressed" in flags:
        if event in ADDRESSED_ANYONE:
            return True
        if event in ADDRESSED_LEADS:
            return who.lead or who.manager
        if event in ADDRESSED_MANAGERS:
            return who.manager
        return who.staff
    return False


def receivable(event: str, who: Standing) -> bool:
    """Whether the event can reach this person at all: some enabled rule may name them (calendar
    tasks, which no rule governs, reach executors: support staff)."""
    if event == Event.TASK:
        return who.staff
    rules = [r for r in rules_for(event) if set(r.channels) - {Channel.WEBHOOK}]
    if not rules and event not in RULED_EVENTS:
        return True  # an event no rule governs yet: its defaults reach whom it names
    return any(_reaches(rule, event, who) for rule in rules)


def preferences_of(user_id: int, *, standing: Standing | None = None) -> list[dict[str, JsonValue]]:
    """Every event with every choosable channel: on or off, and whether it can be switched off.
    Given the person's `standing`, only the events that can reach them (the settings page)."""
    mine = _load([user_id])[user_id][0]
    out = []
    for event in Event:
        if standing is not None and not receivable(event, standing):
            continue
        offer = default_offer(event)
        out.append(
            {
                "event": str(event),
                "name": str(event.label),
                "channels": [
                    {
                        "channel": str(channel),
                        "enabled": mine.get((event, channel), channel in offer.channels) or channel in offer.mandatory,
                        "mandatory": channel in offer.mandatory,
                    }
                    for channel in CHOOSABLE
                    if (channel == Channel.TASK) == (event == Event.TASK)
                ],
            }
        )
    return out


def preferences_set(*, user_id: int, choices: list[tuple[str, str, bool]]) -> None:
    """Set some of a user's choices; a mandatory channel cannot be switched off."""
    for event, channel, enabled in choices:
        if event not in Event.values:
            raise Invalid(
                f"unknown event {event!r}", errors=[unknown("event", message=f"unknown event {event!r}", value=event)]
            )
        if channel not in CHOOSABLE:
            message = f"unknown channel {channel!r}"
            raise Invalid(message, errors=[unknown("channel", message=message, value=channel)])
        if (channel == Channel.TASK) != (event == Event.TASK):
            raise Invalid(
                f"calendar tasks are the {Event.TASK.value!r} event's only channel",
                errors=[not_allowed("channel", message="the task channel goes with the task event only")],
            )
        if not enabled and channel in default_offer(event).mandatory:
            raise Invalid(
                f"{event} on {channel} cannot be switched off",
                errors=[not_allowed("enabled", message="this notification is mandatory")],
            )
    latest = {(event, channel): enabled for event, channel, enabled in choices}  # the last one given wins
    with transaction.atomic():
        Preference.objects.bulk_create(
            [Preference(user_id=user_id, event=e, channel=c, enabled=on) for (e, c), on in latest.items()],
            update_conflicts=True,
            unique_fields=["user", "event", "channel"],
            update_fields=["enabled"],
        )
    forget_preferences()  # a bulk write sends no post_save


def schedule_of(user_id: int) -> dict[str, str | None]:
    q = _load([user_id])[user_id][1]
    return {
        "quiet_start": q.start.strftime("%H:%M") if q.start else None,
        "quiet_end": q.end.strftime("%H:%M") if q.end else None,
        "digest": q.digest,
        "digest_time": q.digest_time.strftime("%H:%M"),
        "task_form": q.task_form,
    }


def _time(value: str | None, name: str) -> dt.time | None:
    if value in (None, ""):
        return None
    try:
        parsed: dt.time | None = dt.time.fromisoformat(str(value))
    except ValueError:
        parsed = None
    # Local wall-clock times only: "22:00+03:00" cannot be stored (a 500 on SQLite) and the person's
    # time zone already says where the hours are.
    if parsed is None or parsed.tzinfo is not None:
        raise Invalid(
            f"{name} {value!r} is not a time like 22:00", errors=[FieldError(name, "not_a_time", {}, "HH:MM")]
        )
    return parsed


def schedule_set(
    *,
    user_id: int,
    quiet_start: str | None,
    quiet_end: str | None,
    digest: str,
    digest_time: str | None,
    task_form: str | None = None,
) -> None:
    """Quiet hours (both ends or neither), the digest period and (when given) the calendar task's form."""
    start, end = _time(quiet_start, "quiet_start"), _time(quiet_end, "quiet_end")
    if (start is None) != (end is None):
        error = FieldError("quiet_end", "both_or_neither", {"other": "quiet_start"}, "both or neither")
        raise Invalid("quiet hours need both quiet_start and quiet_end", errors=[error])
    if start is not None and start == end:
        error = FieldError("quiet_end", "same_as_start", {"start": "quiet_start"}, "same as start")
        raise Invalid("quiet hours cannot start and end at the same time", errors=[error])
    if digest not in Digest.values:
        error = not_a_choice("digest", Digest.values, message="unknown")
        raise Invalid(f"unknown digest {digest!r}: use '', 'hourly' or 'daily'", errors=[error])
    if task_form is not None and task_form not in TaskForm.values:
        error = not_a_choice("task_form", TaskForm.values, message="unknown")
        raise Invalid(f"unknown task_form {task_form!r}: use 'todo' or 'event'", errors=[error])
    at = _time(digest_time, "digest_time") or dt.time(9, 0)
    defaults: dict[str, object] = {"quiet_start": start, "quiet_end": end, "digest": digest, "digest_time": at}
    if task_form is not None:
        defaults["task_form"] = task_form
    Schedule.objects.update_or_create(user_id=user_id, defaults=defaults)
    forget_preferences()


def forget_preferences() -> None:
    """Drop the cached choices now and on commit (after a bulk write, which sends no signal)."""
    _cache.invalidate()
