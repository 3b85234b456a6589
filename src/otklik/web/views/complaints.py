"""The complaints' pages for support: the list (`/complaints`: the managers see every complaint, a
group lead their groups'), filtered and keyset-paginated, each row with its two targets; and one
complaint's page (`/complaints/<id>`), which its author sees too (without the internal part), with
the managers' actions: take it under review, answer it (upheld or rejected), write a note.

Reads go through the access gate and the selectors, writes through the complaints' services, so the
pages allow exactly what the API allows. Anyone else gets the 404 page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from otklik.accounts.directory import directory
from otklik.accounts.http import AuthedRequest
from otklik.accounts.models import SupportGroup, User
from otklik.accounts.people import Person, people
from otklik.accounts.selectors import may_supervise, memberships_of
from otklik.complaints.access import access_complaint, complaint_actions, may_see_whole
from otklik.complaints.clock import ANSWER, REACTION, Status, status
from otklik.complaints.models import Complaint, ComplaintEvent, ComplaintEventKind, ComplaintKind, ComplaintState
from otklik.complaints.selectors import (
    FIRST_YEAR,
    LAST_YEAR,
    ComplaintFilters,
    complaint_history,
    complaint_list_for,
    date_in_range,
)
from otklik.complaints.services import complaint_answer, complaint_calendar, complaint_note, complaint_take
from otklik.core.clock import now
from otklik.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from otklik.core.forms import form_field
from otklik.core.paging import BadCursor
from otklik.tickets.access import may_see
from otklik.web.badges import duration
from otklik.web.fragments import fragment_login_required
from otklik.web.refusals import field_messages

PAGE_SIZE = 25
ROWS_ID = "complaint-rows"
FILTERS = ("state", "kind", "group", "agent", "filed_from", "filed_to", "overdue")


# --- wording shared with the author's pages -------------------------------------------------------


def target_text(s: Status) -> dict[str, str]:
    """A target as the pages show it: a tone (never the only sign) and the words."""
    if s.state == "running":
        return {"tone": "ok", "text": _("%(time)s left") % {"time": duration(s.seconds)}}
    if s.state == "met":
        return {"tone": "ok", "text": _("Met in time")}
    if s.state == "late":
        return {"tone": "bad", "text": _("Met late, by %(time)s") % {"time": duration(s.seconds)}}
    if s.state == "overdue":
        return {"tone": "bad", "text": _("Overdue by %(time)s") % {"time": duration(s.seconds)}}
    return {"tone": "", "text": _("No target")}


def state_name(state: str) -> str:
    return str(ComplaintState(state).label) if state in ComplaintState.values else state


def kind_name(kind: str) -> str:
    return str(ComplaintKind(kind).label) if kind in ComplaintKind.values else kind


# --- the list -------------------------------------------------------------------------------------


def _require_supervisor(user: User) -> None:
    if not may_supervise(user):  # the complaints list: the managers and the group leads
        raise Http404  # as for a complaint one may not see: the list is not theirs to know of


def _my_groups(user: User) -> list[SupportGroup]:
    groups = directory().groups
    ids = {g.pk for g in groups.values() if g.is_active} if user.is_manager else set(memberships_of(user).led)
    return sorted((groups[i] for i in ids if i in groups), key=lambda g: g.code)


class ComplaintFilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("About"), required=False)
    group = forms.ChoiceField(label=gettext_lazy("Group"), required=False)
    agent = forms.CharField(label=gettext_lazy("Executor"), max_length=150, required=False, widget=forms.Select)
    filed_from = forms.DateField(
        label=gettext_lazy("Filed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    filed_to = forms.DateField(
        label=gettext_lazy("Filed to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=gettext_lazy("Only with a target missed"), required=False)

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data, label_suffix="")
        form_field(self, "state", forms.ChoiceField).choices = [
            ("", _("Any state")),
            ("open", _("Open (filed or under review)")),
            *((s.value, s.label) for s in ComplaintState),
        ]
        form_field(self, "kind", forms.ChoiceField).choices = [
            ("", _("Anything")),
            *((k.value, k.label) for k in ComplaintKind),
        ]
        groups = _my_groups(user)
        form_field(self, "group", forms.ChoiceField).choices = [
            ("", _("Any group")),
            *((g.code, str(g)) for g in groups),
        ]
        self.fields["agent"].widget.choices = _agent_choices(groups, data.get("agent", ""))

    def _in_range(self, name: str) -> dt.date | None:
        day = self.cleaned_data.get(name)
        if not date_in_range(day):
            raise forms.ValidationError(
                _("Choose a date in the years %(first)s–%(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return day

    def clean_filed_from(self) -> dt.date | None:
        return self._in_range("filed_from")

    def clean_filed_to(self) -> dt.date | None:
        return self._in_range("filed_to")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("filed_from"), data.get("filed_to")
        if start and end and start > end:
            self.add_error("filed_to", _("The period ends before it starts."))
        return data

    def mark_errors(self) -> None:
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}-error"})


def _agent_choices(groups: list[SupportGroup], current: str) -> list[tuple[str, str]]:
    """Anyone, and the support staff of the groups the viewer answers for, by name."""
    ids = {g.pk for g in groups}
    members = [pk for pk, mem in directory().memberships.items() if mem.groups & ids]
    names = people(members)
    staff = sorted((p for p in names.values() if p.is_support_staff), key=lambda p: p.display_name)
    choices = [("", _("Anyone")), *((p.username, p.display_name) for p in staff)]
    if current and current not in {value for value, _label in choices}:
        choices.append((current, current))  # someone who has left the groups since
    return choices


def _read(request: AuthedRequest) -> tuple[ComplaintFilters, ComplaintFilterForm, str | None, dict[str, str]]:
    """The filters from the GET parameters; a wrong one is said next to its field and ignored."""
    form = ComplaintFilterForm(request.GET, user=request.user)
    form.is_valid()
    form.mark_errors()
    clean = {name: form.cleaned_data.get(name) for name in FILTERS if name not in form.errors}
    filters = ComplaintFilters(
        state=clean.get("state") or None,
        kind=clean.get("kind") or None,
        group=clean.get("group") or None,
        agent=(clean.get("agent") or "").strip() or None,
        filed_from=clean.get("filed_from") if "filed_to" not in form.errors else None,
        filed_to=clean.get("filed_to"),
        overdue=True if clean.get("overdue") else None,
    )
    params = {name: request.GET.get(name, "") for name in FILTERS}
    return filters, form, request.GET.get("cursor") or None, {k: v for k, v in params.items() if v}


def _list_context(request: AuthedRequest) -> dict[str, Any]:
    filters, form, cursor, params = _read(request)
    cal, moment = complaint_calendar(), now()
    try:
        items, next_cursor = complaint_list_for(
            request.user, filters, cal=cal, cursor=cursor, limit=PAGE_SIZE, moment=moment
        )
    except BadCursor:
        cursor = None  # a stale or edited link: the first page rather than an error
        items, next_cursor = complaint_list_for(request.user, filters, cal=cal, limit=PAGE_SIZE, moment=moment)
    page_url, rows_url = reverse("web:complaints"), reverse("web:complaint-rows")
    here = urlencode({**params, **({"cursor": cursor} if cursor else {})})
    rows = [
        {
            "item": item,
            "kind": kind_name(item.row.kind),
            "state": state_name(item.row.state),
            "reaction": target_text(item.reaction),
            "answer": target_text(item.answer),
            "ticket": item.ticket_number or "",
        }
        for item in items
    ]
    context: dict[str, Any] = {
        "form": form,
        "rows": rows,
        "moment": moment,
        "cursor": cursor,
        "here": here,
        "rows_id": ROWS_ID,
        "rows_url": f"{rows_url}?{here}",
        "first_url": f"{page_url}?{urlencode(params)}",
        "first_rows_url": f"{rows_url}?{urlencode(params)}",
    }
    if next_cursor:
        following = urlencode({**params, "cursor": next_cursor})
        context.update(next_url=f"{page_url}?{following}", next_rows_url=f"{rows_url}?{following}")
    return context


@login_required
@require_GET
def page(request: AuthedRequest) -> HttpResponse:
    _require_supervisor(request.user)
    return render(request, "web/complaints/list.html", _list_context(request))


@fragment_login_required
@require_GET
def rows(request: AuthedRequest) -> HttpResponse:
    _require_supervisor(request.user)
    context = _list_context(request)
    response = render(request, "web/complaints/rows.html", context)
    if request.headers.get("HX-Request"):
        response["HX-Push-Url"] = f"{reverse('web:complaints')}?{context['here']}"
    return response


# --- one complaint --------------------------------------------------------------------------------

EVENT_TITLES: dict[str, str | Promise] = {
    ComplaintEventKind.FILED: gettext_lazy("Filed the complaint"),
    ComplaintEventKind.REVIEW: gettext_lazy("Took the complaint under review"),
    ComplaintEventKind.UPHELD: gettext_lazy("Upheld the complaint"),
    ComplaintEventKind.REJECTED: gettext_lazy("Rejected the complaint"),
    ComplaintEventKind.NOTE: gettext_lazy("Wrote a note"),
    ComplaintEventKind.REACTION_BREACHED: gettext_lazy("Not taken under review in time"),
    ComplaintEventKind.ANSWER_BREACHED: gettext_lazy("Not answered in time"),
}


def too_many_complaints() -> str:
    """The daily cap on filing complaints, in words for the person."""
    return _("You have filed %(count)s complaints in the last 24 hours, the most one person may. Try again later.") % {
        "count": settings.COMPLAINTS_PER_DAY
    }


def _complaint(request: AuthedRequest, pk: int) -> Complaint:
    try:
        return access_complaint(request.user, pk)
    except NotFound:
        raise Http404 from None


def _url(complaint: Complaint) -> str:
    return reverse("web:complaint", args=[complaint.pk])


def _entries(history: list[ComplaintEvent], who: dict[int, Person]) -> list[dict[str, Any]]:
    out = []
    for e in history:
        person = who.get(e.actor_id) if e.actor_id else None
        out.append(
            {
                "at": e.created_at,
                "who": person.display_name if person is not None else _("System"),
                "title": EVENT_TITLES.get(e.event, e.event),
                "body": e.body,
                "internal": e.internal,
                "breach": e.event in (ComplaintEventKind.REACTION_BREACHED, ComplaintEventKind.ANSWER_BREACHED),
            }
        )
    return out


def detail_context(request: AuthedRequest, complaint: Complaint, **extra: Any) -> dict[str, Any]:
    user = request.user
    history = complaint_history(user, complaint)
    who = people([complaint.author_id, complaint.executor_id, complaint.reviewer_id, *(e.actor_id for e in history)])
    ticket = complaint.ticket if complaint.ticket_id else None
    cal, moment = complaint_calendar(), now()
    reaction, answer = status(complaint, REACTION, cal, moment), status(complaint, ANSWER, cal, moment)
    group = directory().groups.get(complaint.group_id) if complaint.group_id else None
    context: dict[str, Any] = {
        "complaint": complaint,
        "kind": kind_name(complaint.kind),
        "state": state_name(complaint.state),
        "ticket": ticket,
        "ticket_link": ticket is not None and may_see(user, ticket),
        "author": who.get(complaint.author_id),
        "executor": who.get(complaint.executor_id) if complaint.executor_id else None,
        "reviewer": who.get(complaint.reviewer_id) if complaint.reviewer_id else None,
        "group": group,
        "whole": may_see_whole(user, complaint),
        "mine": complaint.author_id == user.pk,
        "targets": [
            {"name": _("Taken under review"), "status": reaction, **target_text(reaction)},
            {"name": _("Answered"), "status": answer, **target_text(answer)},
        ],
        "history": _entries(history, who),
        "actions": complaint_actions(user, complaint),
        "errors": {},
        "values": {},
        "alert": "",
    }
    context.update(extra)
    return context


@login_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    return render(request, "web/complaints/detail.html", detail_context(request, complaint))


def _refused(
    request: AuthedRequest, pk: int, exc: DomainError, *, errors: dict[str, str], values: dict[str, str]
) -> HttpResponse:
    """The page as it is now, with the refusal next to the form that caused it."""
    complaint = _complaint(request, pk)
    extra: dict[str, Any] = {"errors": errors, "values": values}
    status_code = 400
    if isinstance(exc, Conflict):
        status_code, extra["errors"] = 409, {}
        extra["alert"] = _("The complaint changed meanwhile (or was answered): reload it and try again.")
        extra["reload"] = True
    elif isinstance(exc, Forbidden):  # no form of theirs to put it beside
        status_code, extra["errors"] = 403, {}
        extra["alert"] = _("Only the support managers may do this.")
    return render(
        request, "web/complaints/detail.html", detail_context(request, complaint, **extra), status=status_code
    )


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # never a version: refused as stale


def _done(request: HttpRequest, complaint: Complaint, text: str) -> HttpResponseRedirect:
    messages.success(request, text)
    return HttpResponseRedirect(_url(complaint))


@login_required
@require_POST
def take(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    try:
        complaint = complaint_take(complaint=complaint, actor=request.user, version=_version(request))
    except (Forbidden, Conflict, Invalid) as exc:
        return _refused(request, pk, exc, errors=field_messages(exc, form="complaint", fallback="take"), values={})
    return _done(request, complaint, _("You took the complaint under review; its author is told."))


@login_required
@require_POST
def answer(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    decision = request.POST.get("decision", "")
    text = request.POST.get("answer", "")
    try:
        complaint = complaint_answer(
            complaint=complaint, actor=request.user, decision=decision, answer=text, version=_version(request)
        )
    except (Forbidden, Conflict, Invalid) as exc:
        values = {"decision": decision, "answer": text}
        errors = field_messages(exc, form="complaint", fallback="answer")
        return _refused(request, pk, exc, errors=errors, values=values)
    if complaint.state == ComplaintState.UPHELD:
        return _done(request, complaint, _("The complaint is upheld; its author has the answer."))
    return _done(request, complaint, _("The complaint is rejected; its author has the answer."))


@login_required
@require_POST
def note(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _complaint(request, pk)
    body = request.POST.get("body", "")
    try:
        complaint_note(complaint=complaint, actor=request.user, body=body)
    except (Forbidden, Invalid) as exc:
        said = field_messages(exc, form="complaint", fallback="note")
        errors = {"note" if k == "body" else k: v for k, v in said.items()}
        return _refused(request, pk, exc, errors=errors, values={"note": body})
    return _done(request, complaint, _("The note was added."))
