"""What a request's page shows, computed for its templates: the header and details, the SLA
badges, the fields, the timeline's lines, the files, the watchers, the actions and dialogs.

Everything a template would otherwise work out per variable is written here once: the forms'
addresses, the moments (ISO and the reader's form), the names (from the people cache), the
stages and transitions (from the catalogue's snapshot). The reads are the tickets selectors'
compiled ones (tickets.reads), a fixed handful of statements whatever the history's length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otklik.accounts.directory import directory
from otklik.accounts.http import AuthedRequest
from otklik.accounts.models import User
from otklik.accounts.people import Person, people
from otklik.catalog.formfields import parse_choices
from otklik.catalog.reference import Reference, reference
from otklik.complaints.selectors import open_complaint_of, visible_complaint_ids
from otklik.core import dates
from otklik.core.i18n import inner_quotes, localized
from otklik.core.jsonvalue import JsonValue
from otklik.feedback.notices import score_labels
from otklik.routes.models import Actor, ReactionKind
from otklik.sla.models import ClockState, Metric
from otklik.sla.selectors import sla_targets, ticket_clocks
from otklik.tickets.access import actor_capacities, sees_unwatched
from otklik.tickets.live import page_mark
from otklik.tickets.models import Event, LogRecord, SlaEvent, Ticket
from otklik.tickets.reads import ticket_files, ticket_log, watcher_ids
from otklik.web.badges import duration  # the queue's wording of working time, one set of texts
from otklik.web.views.survey import survey_page_context
from otklik.web.views.ticket_actions import page_actions
from otklik.workflow.transitions import auto_confirm_text, reply_transition

# Who may reassign at all; the service still decides (a member may not move it to another group).
ASSIGNERS = {Actor.EXECUTOR, Actor.GROUP_MEMBER, Actor.GROUP_LEAD, Actor.MANAGER}
MOVERS = {Actor.GROUP_LEAD, Actor.MANAGER}
# A complaint's steps in the timeline (the log record keeps the state it reached).
COMPLAINT_STEPS = {
    "filed": gettext_lazy("Filed complaint %(number)s"),
    "review": gettext_lazy("Took complaint %(number)s under review"),
    "upheld": gettext_lazy("Upheld complaint %(number)s"),
    "rejected": gettext_lazy("Rejected complaint %(number)s"),
}


# The page's and its forms' addresses, reversed once per page rather than by each form.
_URLS = {
    "page": "web:ticket",
    "transition": "web:ticket-transition",
    "comment": "web:ticket-comment",
    "assign": "web:ticket-assign",
    "rate": "web:ticket-rate",
    "watchers": "web:ticket-watchers",
    "attach": "web:ticket-attach",
    "complain": "web:ticket-complain",
}


def _urls(ticket: Ticket) -> dict[str, str]:
    return {key: reverse(name, args=[ticket.number]) for key, name in _URLS.items()}


def _name(person: Person | User | None) -> str:
    return person.display_name if person is not None else "—"


def _sla(ticket: Ticket) -> list[dict[str, Any]]:
    """The targets as the API computes them, with a badge: ok below the policy's warning share,
    warn from it, bad once breached. One query: the clocks, read here for their warning share."""
    clocks = ticket_clocks(ticket)
    warn = {c.metric: c.warning_percent for c in clocks}
    states = dict(ClockState.choices)
    rows = []
    for target in sla_targets(ticket, clocks=clocks):
        total = target["target_seconds"] or 1
        percent = max(0, round(100 * target["used_seconds"] / total))
        state = target["state"]
        threshold = warn.get(target["metric"]) or 0
        if state == ClockState.BREACHED or target["left_seconds"] < 0:
            colour = "bad"
        elif state in (ClockState.RUNNING, ClockState.PAUSED) and threshold and percent >= threshold:
            colour = "warn"
        elif state == ClockState.CANCELLED:
            colour = ""
        else:
            colour = "ok"
        left = target["left_seconds"]
        if state in (ClockState.MET, ClockState.CANCELLED):
            left_text = ""
        elif left < 0:
            left_text = _("Overdue %(time)s") % {"time": duration(left)}
        else:
            left_text = _("%(time)s left") % {"time": duration(left)}
        due_at = target["due_at"]
        rows.append(
            {
                "name": target["name"],
                "due": _moment(due_at) if isinstance(due_at, dt.datetime) else None,
                "state": states.get(state, state),
                "percent": percent,
                "colour": colour,
                "left": left_text,
            }
        )
    return rows


def _field_value(kind: str, value: JsonValue, choices: str) -> str:
    if value in (None, ""):
        return "—"
    if kind == "bool":
        return _("Yes") if value else _("No")
    if kind == "choice":
        for choice in parse_choices(choices):
            if choice.value == value:
                return localized(choice, "label")
    return str(value)


def _fields(ticket: Ticket, ref: Reference) -> list[tuple[str, str]]:
    """The type's formal fields in their order, then any the type no longer defines."""
    specs = ref.fields_by_type.get(ticket.request_type_id, [])
    values = ticket.fields or {}
    out = [(f.label, _field_value(f.kind, values.get(f.code), f.choices)) for f in specs]
    known = {f.code for f in specs}
    out += [(code, str(value)) for code, value in values.items() if code not in known]
    return out


def _iso(value: dt.datetime) -> str:
    """As the `date:'c'` filter writes it: the moment in the active zone, ISO 8601."""
    return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()


@dataclass(frozen=True)
class Moment:
    """A moment as a <time> element shows it: ISO for machines, the reader's form for people
    (the `date:'c'` and `local` filters' texts, written once here)."""

    iso: str
    text: str


def _moment(value: dt.datetime | None) -> Moment | None:
    return Moment(_iso(value), dates.moment(value)) if value is not None else None


@dataclass
class Entry:
    """One line of the timeline, ready to show (its moments written here: a filter per line costs
    the template several times as much)."""

    at: dt.datetime
    who: str
    title: str
    body: str = ""
    internal: bool = False
    sla: bool = False
    tag: str = ""
    due: dt.datetime | None = None
    link: str = ""  # a complaint's page, for those who may open it

    @property
    def at_iso(self) -> str:
        return _iso(self.at)

    @property
    def at_text(self) -> str:
        return dates.moment(self.at)

    @property
    def due_iso(self) -> str:
        return _iso(self.due) if self.due is not None else ""

    @property
    def due_text(self) -> str:
        return dates.moment(self.due)


Shown = Callable[[JsonValue], str]  # a log record's old or new value as people read it


def _change_names(ref: Reference, who: Mapping[int, Person]) -> dict[str, Shown]:
    def user(value: JsonValue) -> str:
        return _name(who.get(value)) if isinstance(value, int) else "—"

    def group(value: JsonValue) -> str:
        g = directory().groups.get(value) if isinstance(value, int) else None
        return localized(g, "name") if g is not None else "—"

    def priority(value: JsonValue) -> str:
        p = ref.priorities_by_code.get(value) if value else None
        return localized(p, "name") if p is not None else str(value or "—")

    def category(value: JsonValue) -> str:
        c = ref.categories_by_code.get(value) if value else None
        return localized(c, "name") if c is not None else str(value or "—")

    return {"executor": user, "group": group, "priority": priority, "category": category}


def _entry(
    r: LogRecord,
    ticket: Ticket,
    ref: Reference,
    names: Mapping[str, Shown],
    people_by_id: Mapping[int, Person],
    complaint_links: set[int] | None = None,
) -> Entry:
    complaint_links = complaint_links or set()
    who = _name(people_by_id.get(r.actor_id)) if r.actor_id else _("System")
    entry = Entry(at=r.created_at, who=who, title="", body=r.body, internal=r.internal)
    if r.event == Event.CREATED:
        entry.title = _("Filed the request")
    elif r.event == Event.TRANSITION:
        on_reply = isinstance(r.new_value, dict) and r.new_value.get("on_reply")  # the initiator's reply moved it
        stage = r.to_point.name if r.to_point is not None else ""
        moved = {"from": r.point.name, "to": stage}
        if r.reaction == ReactionKind.AUTO_CONFIRMED:
            entry.title = _("%(action)s: %(from)s → %(to)s") % {
                "action": capfirst(ReactionKind(r.reaction).label),
                **moved,
            }
            days = r.new_value.get("working_days") if isinstance(r.new_value, dict) else None
            if isinstance(days, int):
                entry.body = auto_confirm_text(days)  # in the reader's language, not the log's
        elif on_reply or r.transition is None:  # what happened, already said in the past tense
            label = _("Replied") if on_reply else capfirst(ReactionKind(r.reaction).label)
            entry.title = _("%(action)s: %(from)s → %(to)s") % {"action": label, **moved}
        else:
            # The transition's label is the button's verb («Принять»): a history names it, in quotes,
            # as the transition taken, not as an order (nothing has to agree with the label).
            action = inner_quotes(r.transition.label)
            entry.title = _("Transition “%(action)s”: %(from)s → %(to)s") % {"action": action, **moved}
    elif r.event == Event.FEEDBACK:
        score = r.new_value if isinstance(r.new_value, int) else 0
        values = {"score": score, "meaning": score_labels().get(score, "")}
        if isinstance(r.old_value, int):
            values["old"] = r.old_value
            entry.title = _("Changed the rating from %(old)s to %(score)s of 5 (%(meaning)s)") % values
        else:
            entry.title = _("Rated the handling %(score)s of 5 (%(meaning)s)") % values
    elif r.event == Event.COMMENT:
        entry.title = _("Replied")
    elif r.event == Event.NOTE:
        entry.title = _("Wrote a note")
        entry.tag = _("Internal note")
    elif r.event == Event.ASSIGNMENT:
        show = names.get(r.field, str)
        what = _("Support group") if r.field == "group" else _("Executor")
        entry.title = f"{what}: {show(r.old_value)} → {show(r.new_value)}"
    elif r.event == Event.FIELD_CHANGE:
        entry.title = _("Changed %(field)s") % {"field": _field_label(r.field, ticket, ref)}
        show = names.get(r.field, lambda v: "—" if v in (None, "") else str(v))
        entry.body = f"{show(r.old_value)} → {show(r.new_value)}"
    elif r.event == Event.WATCHER:
        if r.new_value:
            entry.title = _("Added %(user)s to the watchers") % {"user": r.new_value}
        else:
            entry.title = _("Removed %(user)s from the watchers") % {"user": r.old_value}
    elif r.event == Event.ATTACHMENT:
        entry.title = _("Attached a file")
    elif r.event == Event.COMPLAINT:
        info = r.new_value if isinstance(r.new_value, dict) else {}
        entry.title = str(COMPLAINT_STEPS.get(info.get("state", ""), _("Complaint %(number)s"))) % {
            "number": info.get("number", "")
        }
        if info.get("complaint") in complaint_links:
            entry.link = reverse("web:complaint", args=[info["complaint"]])
    elif r.event == Event.SLA:
        entry.sla = True
        entry.who = _("System")  # the service itself, as everywhere a record has no author
        metric = dict(Metric.choices).get(r.field, r.field)
        happened = dict(SlaEvent.choices).get(r.sla_event, r.sla_event)
        entry.title = _("%(target)s: %(event)s") % {"target": capfirst(metric), "event": happened}
        info = r.new_value if isinstance(r.new_value, dict) else {}
        if info.get("due_at"):
            try:
                entry.due = dt.datetime.fromisoformat(info["due_at"])
            except (TypeError, ValueError):
                entry.due = None
    else:
        entry.title = str(r.get_event_display())
    if r.internal and not entry.tag:
        entry.tag = _("Internal")
    return entry


def _field_label(code: str, ticket: Ticket, ref: Reference) -> str:
    if code.startswith("fields."):
        key = code.removeprefix("fields.")
        spec = next((f for f in ref.fields_by_type.get(ticket.request_type_id, []) if f.code == key), None)
        return spec.label if spec is not None else key
    return {"subject": _("the subject"), "priority": _("the priority"), "category": _("the category")}.get(code, code)


def _assigned_ids(records: Iterable[LogRecord]) -> set[int]:
    ids: set[int] = set()
    for r in records:
        if r.event == Event.ASSIGNMENT and r.field == "executor":
            ids.update(v for v in (r.old_value, r.new_value) if isinstance(v, int))
    return ids


def _group_staff(ref: Reference) -> dict[int, list[Person]]:
    """Each active group's active support staff, by name (memberships from the snapshot)."""
    who = people(directory().memberships)
    out: dict[int, list[Person]] = {}
    for user_id, mem in directory().memberships.items():
        person = who.get(user_id)
        if person is None or not person.is_active or not person.is_support_staff:
            continue
        for group_id in mem.groups:
            out.setdefault(group_id, []).append(person)
    for members in out.values():
        members.sort(key=lambda p: p.display_name)
    return out


def page_context(request: AuthedRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    """The page's context for this person; `extra` (a refused form's values, errors, the dialog to
    open again) goes on top."""
    user = request.user
    ref = reference()
    staff = user.is_support_staff
    watchers_ids = watcher_ids(ticket)
    attachments = ticket_files(ticket, internal=staff)
    records = ticket_log(user, ticket)
    live = page_mark(user, records)  # what the live stream's marks are compared with (tickets.live)
    if not staff:
        records = [r for r in records if r.event != Event.SLA]  # the SLA ledger is support's business
    # Everyone the page names, the log's authors too, in one read of the people cache.
    authors = {r.actor_id for r in records if r.actor_id}
    who = people([ticket.initiator_id, ticket.executor_id, *watchers_ids, *authors, *_assigned_ids(records)])
    names = _change_names(ref, who)
    # One query, only when the log holds complaints: which of them this person may open.
    links = visible_complaint_ids(user, ticket) if any(r.event == Event.COMPLAINT for r in records) else set()
    timeline = [_entry(r, ticket, ref, names, who, links) for r in records]

    actions, refused = page_actions(user, ticket, extra.pop("failed", None) or {})
    if refused:
        extra.setdefault("errors", {})["transition"] = refused

    caps = actor_capacities(user, ticket)
    may_assign = staff and ticket.is_open and bool(caps & ASSIGNERS)
    needs_staff = may_assign or any(a.choose_executor for a in actions)
    staff_by_group = _group_staff(ref) if needs_staff else {}
    groups = sorted((g for g in directory().groups.values() if g.is_active), key=lambda g: localized(g, "name"))
    watchers = [who[i] for i in watchers_ids if i in who]
    context = {
        "ticket": ticket,
        "type_name": localized(ticket.request_type, "name"),
        "priority_name": localized(ticket.priority, "name"),
        "category_name": localized(ticket.category, "name") if ticket.category else "",
        "group_name": localized(ticket.group, "name"),
        "initiator": who.get(ticket.initiator_id),
        "executor": who.get(ticket.executor_id) if ticket.executor_id else None,
        "watchers": watchers,
        "watching": user.pk in watchers_ids,
        # Leaving takes the request out of their sight: the page asks first.
        "watching_only": user.pk in watchers_ids and not sees_unwatched(user, ticket),
        # Each file with its address.
        "attachments": [
            (a, reverse("web:ticket-download", args=[ticket.number, a.pk]), _moment(a.created_at)) for a in attachments
        ],
        "filed": _moment(ticket.created_at),
        "updated": _moment(ticket.updated_at),
        "closed": _moment(ticket.closed_at),
        "urls": _urls(ticket),
        "sla": _sla(ticket),
        "fields": _fields(ticket, ref),
        "timeline": timeline,
        "live_mark": f"{live[0]}:{live[1]}",
        "actions": actions,
        "staff": staff,
        "participant": bool(caps) or user.pk in watchers_ids,  # may_participate, the watchers read above
        "on_reply": reply_transition(ticket.point_id) if ticket.initiator_id == user.pk else None,  # _reply.html
        "may_assign": may_assign,
        "may_move": may_assign and bool(caps & MOVERS),
        "groups": [(g.code, localized(g, "name"), staff_by_group.get(g.pk, [])) for g in groups],
        "group_staff": staff_by_group.get(ticket.group_id, []),
        "max_mb": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "errors": {},
        "values": {},
        "alert": "",
        "open_dialog": "",
        **survey_page_context(user, ticket, **extra),
        # The initiator complains about how the request was handled (staff file no complaints).
        "may_complain": ticket.initiator_id == user.pk and not staff,
        "complaint_open": open_complaint_of(user, ticket) if ticket.initiator_id == user.pk and not staff else None,
    }
    context.update(extra)
    return context
