"""One request's page, for everyone who may see it: the header with the SLA, the fields and files,
the per-stage log, and the actions the viewer may take.

Reads go through the tickets selectors and the access gate, writes through the workflow's actions
(and the complaints' and surveys' services), so the page allows exactly what the API allows. A
refusal is shown next to the form that caused it (the page re-rendered with 400/403/409), a success
redirects back to the page with a message (PRG).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from otklik.accounts.directory import directory
from otklik.accounts.http import AuthedRequest
from otklik.accounts.models import User
from otklik.accounts.people import Person, people
from otklik.catalog.formfields import parse_choices
from otklik.catalog.reference import Reference, reference
from otklik.complaints.selectors import open_complaint_of, visible_complaint_ids
from otklik.complaints.services import complaint_file
from otklik.core import dates
from otklik.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooMany
from otklik.core.i18n import inner_quotes, localized
from otklik.core.jsonvalue import JsonValue
from otklik.feedback.models import AnswerChannel
from otklik.feedback.notices import score_labels
from otklik.feedback.surveys import survey_answer
from otklik.routes.models import Actor, ReactionKind
from otklik.sla.models import ClockState, Metric
from otklik.sla.selectors import sla_targets, ticket_clocks
from otklik.tickets.access import access_ticket, actor_capacities, may_see, sees_unwatched
from otklik.tickets.attachments import access_attachment, attachment_add
from otklik.tickets.live import page_mark
from otklik.tickets.models import Event, LogRecord, SlaEvent, Ticket
from otklik.tickets.reads import ticket_files, ticket_log, watcher_ids
from otklik.tickets.watchers import ticket_watch
from otklik.web.badges import duration  # the queue's wording of working time, one set of texts
from otklik.web.refusals import field_messages, refusal_message
from otklik.web.views.complaints import too_many_complaints
from otklik.web.views.survey import survey_page_context, survey_score
from otklik.web.views.ticket_actions import page_actions
from otklik.workflow import ticket_assign, ticket_comment, ticket_transition
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


# --- reading --------------------------------------------------------------------------------


def _ticket(request: AuthedRequest, number: str) -> Ticket:
    """The request if this person may see it; the product's 404 page otherwise (as the API)."""
    try:
        return access_ticket(request.user, number)
    except NotFound:
        raise Http404 from None


def _url(ticket: Ticket) -> str:
    return reverse("web:ticket", args=[ticket.number])


# The forms' addresses on the page, reversed once per page rather than by each form.
_FORM_URLS = {
    "transition": "web:ticket-transition",
    "comment": "web:ticket-comment",
    "assign": "web:ticket-assign",
    "rate": "web:ticket-rate",
    "watchers": "web:ticket-watchers",
    "attach": "web:ticket-attach",
    "complain": "web:ticket-complain",
}


def _urls(ticket: Ticket) -> dict[str, str]:
    urls = {key: reverse(name, args=[ticket.number]) for key, name in _FORM_URLS.items()}
    urls["page"] = _url(ticket)
    return urls


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
        rows.append(
            {
                "name": target["name"],
                "due_at": target["due_at"],
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


def _context(request: AuthedRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
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
        "attachments": [(a, reverse("web:ticket-download", args=[ticket.number, a.pk])) for a in attachments],
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


@login_required
@require_GET
def page(request: AuthedRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    if number != ticket.number:  # an id or a lower-case number: one address per request
        return HttpResponseRedirect(_url(ticket))
    return render(request, "web/ticket/page.html", _context(request, ticket))


# --- writing ----------------------------------------------------------------------------------


def _refused(request: AuthedRequest, number: str, exc: DomainError, **extra: Any) -> HttpResponse:
    """The page as it is now (read again: the refusal may be because it moved on), with the
    refusal next to the form that caused it."""
    ticket = _ticket(request, number)
    status = 400
    if isinstance(exc, Conflict):
        # Nothing to correct in the form: the person must look at the request as it is now.
        status = 409
        extra["alert"] = _("The request changed meanwhile: reload it and try again.")
        extra.pop("failed", None)
        extra.pop("open_dialog", None)
    elif isinstance(exc, Forbidden):
        status = 403
    return render(request, "web/ticket/page.html", _context(request, ticket, **extra), status=status)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # never a version: refused as stale


def _done(request: HttpRequest, ticket: Ticket, text: str) -> HttpResponseRedirect:
    messages.success(request, text)
    return HttpResponseRedirect(_url(ticket))


def _done_maybe_gone(request: AuthedRequest, ticket: Ticket, text: str) -> HttpResponseRedirect:
    """After a change the person was allowed to make that took the request out of their sight
    (moved to another group, stopped watching): say it worked and go to their start page."""
    fresh = Ticket.objects.filter(pk=ticket.pk).first()
    if fresh is not None and may_see(request.user, fresh):
        return _done(request, ticket, text)
    messages.success(request, text + " " + _("You no longer see this request."))
    return HttpResponseRedirect(reverse("web:home"))


@login_required
@require_POST
def transition(request: AuthedRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    code = request.POST.get("transition", "")
    comment = request.POST.get("comment", "")
    executor = request.POST.get("executor", "")
    label = next((t.label for t in reference().outgoing.get(ticket.point_id, []) if t.code == code), code)
    try:
        ticket = ticket_transition(
            ticket=ticket,
            actor=request.user,
            transition_code=code,
            version=_version(request),
            comment=comment,
            executor=executor or None,
        )
    except (Invalid, Forbidden, Conflict) as exc:
        errors = field_messages(exc, form="ticket", fallback="transition")
        failed = {"code": code, "errors": errors, "comment": comment, "executor": executor}
        return _refused(request, number, exc, failed=failed)
    # Named as the history names it (the label is the button's verb: nothing agrees with it).
    done = _("Transition “%(action)s” done: the request is now “%(state)s”.") % {
        "action": inner_quotes(label),
        "state": inner_quotes(ticket.point.name),
    }
    return _done_maybe_gone(request, ticket, done)


@login_required
@require_POST
def comment(request: AuthedRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    body = request.POST.get("body", "")
    internal = bool(request.POST.get("internal"))
    try:
        record = ticket_comment(ticket=ticket, actor=request.user, body=body, internal=internal)
    except (Invalid, Forbidden) as exc:
        errors = field_messages(exc, form="ticket", fallback="body")
        return _refused(request, number, exc, errors=errors, values={"body": body, "internal": internal})
    done = _("The internal note was added.") if internal else _("Your reply was added.")
    if record.event == Event.TRANSITION:  # the initiator's reply ended the wait (the route's on-reply)
        done = _("Your reply was added. The request is now: %(state)s.") % {"state": ticket.point.name}
    return _done(request, ticket, done)


@login_required
@require_POST
def rate(request: AuthedRequest, number: str) -> HttpResponse:
    """The initiator's satisfaction rating (or a change of it while the survey is open)."""
    ticket = _ticket(request, number)
    score, comment = request.POST.get("score", ""), request.POST.get("comment", "")
    try:
        survey_answer(ticket=ticket, actor=request.user, score=score, comment=comment, via=AnswerChannel.PORTAL)
    except DomainError as exc:
        values = {"score": survey_score(score), "comment": comment}
        if isinstance(exc, Invalid):  # beside the form, with what was written
            errors = field_messages(exc, form="survey", fallback="score", fields=("score", "comment"))
            page = _context(request, ticket, feedback_errors=errors, feedback_values=values)
            return render(request, "web/ticket/page.html", page, status=400)
        # Not theirs to rate, not asked yet, or too late: said at the top of the page.
        page = _context(request, ticket, alert=refusal_message(exc, form="survey"))
        return render(request, "web/ticket/page.html", page, status=403 if isinstance(exc, Forbidden) else 409)
    messages.success(request, _("Thank you: your rating has been recorded."))
    return HttpResponseRedirect(_url(ticket) + "#feedback")


@login_required
@require_POST
def assign(request: AuthedRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    group = request.POST.get("group", "") or None
    executor = request.POST.get("executor", "") or None
    try:
        ticket = ticket_assign(
            ticket=ticket, actor=request.user, version=_version(request), executor=executor, group_code=group
        )
    except (Invalid, Forbidden, Conflict) as exc:
        # Prefixed: the transition dialogs have an executor field of their own.
        messages_ = field_messages(exc, form="ticket", fallback="")
        errors = {f"assign_{k}" if k in ("group", "executor") else "assign": v for k, v in messages_.items()}
        values = {"group": group or "", "executor": executor or ""}
        return _refused(request, number, exc, errors=errors, values=values, open_dialog="reassign")
    return _done_maybe_gone(request, ticket, _("The request was reassigned."))


@login_required
@require_POST
def watchers(request: AuthedRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    add = request.POST.get("action", "add") != "remove"
    user_ref = request.POST.get("user", "").strip() or None
    try:
        changed = ticket_watch(ticket=ticket, actor=request.user, user_ref=user_ref, add=add)
    except (Invalid, Forbidden) as exc:
        errors = field_messages(exc, form="ticket", fallback="user")
        return _refused(request, number, exc, errors=errors, values={"user": user_ref or ""})
    myself = user_ref in (None, request.user.username)
    if not changed:
        text = _("Nothing changed.")
    elif myself:
        text = _("You now watch the request.") if add else _("You no longer watch the request.")
    elif add:
        text = _("%(user)s now watches the request.") % {"user": user_ref}
    else:
        text = _("%(user)s no longer watches the request.") % {"user": user_ref}
    return _done_maybe_gone(request, ticket, text)


@login_required
@require_POST
def attach(request: AuthedRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    upload = request.FILES.get("file")
    internal = bool(request.POST.get("internal"))
    if upload is None:
        return _refused(request, number, Invalid("no file"), errors={"file": _("Choose a file to attach.")})
    try:
        att = attachment_add(ticket=ticket, actor=request.user, upload=upload, internal=internal)
    except (Invalid, Forbidden) as exc:
        return _refused(request, number, exc, errors=field_messages(exc, form="ticket", fallback="file"))
    return _done(request, ticket, _("The file %(name)s was attached.") % {"name": att.name})


@login_required
@require_GET
def download(request: AuthedRequest, number: str, attachment_id: int) -> FileResponse:
    """The file itself, to those who may see it (internal files to support only), never rendered
    by the browser in the site's origin."""
    ticket = _ticket(request, number)
    try:
        att = access_attachment(request.user, ticket, attachment_id)
        handle = att.file.open("rb")
    except (NotFound, FileNotFoundError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=att.name)
    response["Content-Type"] = "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def complain(request: AuthedRequest, number: str) -> HttpResponse:
    """The initiator's complaint about how the request was handled (the dialog on the page)."""
    ticket = _ticket(request, number)
    body = request.POST.get("body", "")
    try:
        complaint = complaint_file(author=request.user, body=body, ticket=ticket)
    except TooMany:  # the daily cap: said next to the form, what was written kept
        errors = {"complaint": too_many_complaints()}
        page = _context(request, ticket, errors=errors, values={"complaint": body}, open_dialog="complaint")
        return render(request, "web/ticket/page.html", page, status=429)
    except Conflict:  # one open complaint per request: the page shows it
        alert = _("You have an open complaint about this request already; it is answered first.")
        return render(request, "web/ticket/page.html", _context(request, ticket, alert=alert), status=409)
    except (Invalid, Forbidden) as exc:
        said = field_messages(exc, form="ticket_complaint", fallback="body", fields=("body",))
        errors = {"complaint": said["body"]}
        return _refused(request, number, exc, errors=errors, values={"complaint": body}, open_dialog="complaint")
    messages.success(
        request,
        _("Your complaint %(number)s is filed; the support managers will answer it.") % {"number": complaint.number},
    )
    return HttpResponseRedirect(reverse("web:complaint", args=[complaint.pk]))
