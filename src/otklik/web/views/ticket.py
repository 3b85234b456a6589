"""One request's page, for everyone who may see it: the header with the SLA, the fields and files,
the per-stage log, and the actions the viewer may take.

Reads go through the tickets selectors and the access gate, writes through the workflow's actions
(and the complaints' and surveys' services), so the page allows exactly what the API allows. A
refusal is shown next to the form that caused it (the page re-rendered with 400/403/409), a success
redirects back to the page with a message (PRG).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from otklik.accounts.http import AuthedRequest
from otklik.catalog.reference import reference
from otklik.complaints.services import complaint_file
from otklik.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooMany
from otklik.core.i18n import inner_quotes
from otklik.feedback.models import AnswerChannel
from otklik.feedback.surveys import survey_answer
from otklik.tickets.access import access_ticket, may_see
from otklik.tickets.attachments import access_attachment, attachment_add
from otklik.tickets.models import Event, Ticket
from otklik.tickets.watchers import ticket_watch
from otklik.web.refusals import field_messages, refusal_message
from otklik.web.views.complaints import too_many_complaints
from otklik.web.views.survey import survey_score
from otklik.web.views.ticket_page import page_context
from otklik.workflow import ticket_assign, ticket_comment, ticket_transition

# --- reading --------------------------------------------------------------------------------


def _ticket(request: AuthedRequest, number: str) -> Ticket:
    """The request if this person may see it; the product's 404 page otherwise (as the API)."""
    try:
        return access_ticket(request.user, number)
    except NotFound:
        raise Http404 from None


def _url(ticket: Ticket) -> str:
    return reverse("web:ticket", args=[ticket.number])


@login_required
@require_GET
def page(request: AuthedRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    if number != ticket.number:  # an id or a lower-case number: one address per request
        return HttpResponseRedirect(_url(ticket))
    return render(request, "web/ticket/page.html", page_context(request, ticket))


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
    return render(request, "web/ticket/page.html", page_context(request, ticket, **extra), status=status)


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
            page = page_context(request, ticket, feedback_errors=errors, feedback_values=values)
            return render(request, "web/ticket/page.html", page, status=400)
        # Not theirs to rate, not asked yet, or too late: said at the top of the page.
        page = page_context(request, ticket, alert=refusal_message(exc, form="survey"))
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
        page = page_context(request, ticket, errors=errors, values={"complaint": body}, open_dialog="complaint")
        return render(request, "web/ticket/page.html", page, status=429)
    except Conflict:  # one open complaint per request: the page shows it
        alert = _("You have an open complaint about this request already; it is answered first.")
        return render(request, "web/ticket/page.html", page_context(request, ticket, alert=alert), status=409)
    except (Invalid, Forbidden) as exc:
        said = field_messages(exc, form="ticket_complaint", fallback="body", fields=("body",))
        errors = {"complaint": said["body"]}
        return _refused(request, number, exc, errors=errors, values={"complaint": body}, open_dialog="complaint")
    messages.success(
        request,
        _("Your complaint %(number)s is filed; the support managers will answer it.") % {"number": complaint.number},
    )
    return HttpResponseRedirect(reverse("web:complaint", args=[complaint.pk]))
