"""The author's side of complaints in the portal: their own complaints (`/my/complaints`) and the
form to file a complaint about a violation of the service regulation (`/complaints/new`, linked
from the regulation and the portal), optionally naming one of the person's own requests, chosen
from a list of them (checked again on the server: a number that is not theirs is refused). A
complaint about how one request was handled is filed from that request's page (web/views/ticket.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from otklik.accounts.http import AuthedRequest
from otklik.complaints.models import ComplaintKind
from otklik.complaints.selectors import ComplaintFilters, complaint_list_for
from otklik.complaints.services import complaint_calendar, complaint_file
from otklik.core.errors import Conflict, Forbidden, Invalid, TooMany, required, unknown
from otklik.core.paging import BadCursor
from otklik.tickets.own import own_request, own_request_choices
from otklik.web.refusals import field_message, field_messages

from .complaints import kind_name, state_name, target_text, too_many_complaints

PAGE_SIZE = 25
FORM = "complaint_filing"


@require_GET
@login_required
def my_complaints(request: AuthedRequest) -> HttpResponse:
    """The person's own complaints, newest first; `?cursor=` pages back."""
    cursor = request.GET.get("cursor") or None
    try:
        items, next_cursor = complaint_list_for(
            request.user, ComplaintFilters(mine=True), cal=complaint_calendar(), cursor=cursor, limit=PAGE_SIZE
        )
    except BadCursor:
        return HttpResponseRedirect(reverse("web:my-complaints"))  # a mangled link: the newest
    rows = [
        {
            "item": item,
            "kind": kind_name(item.row.kind),
            "state": state_name(item.row.state),
            "answer": target_text(item.answer),
        }
        for item in items
    ]
    base = reverse("web:my-complaints")
    context = {
        "rows": rows,
        "may_file": not request.user.is_support_staff,
        "next_url": f"{base}?{urlencode({'cursor': next_cursor})}" if next_cursor else "",
        "first_url": base if cursor else "",
    }
    return render(request, "web/complaints/mine.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def new_complaint(request: AuthedRequest) -> HttpResponse:
    """A complaint about a violation of the regulation. Support staff file none (403)."""
    if request.user.is_support_staff:
        raise PermissionDenied
    data = {"body": "", "ticket": request.GET.get("ticket", "").strip().upper()[:40]}
    errors: dict[str, str] = {}
    alert = ""
    status = 0
    if request.method == "POST":
        data = {
            "body": request.POST.get("body", "").replace("\r\n", "\n"),
            "ticket": request.POST.get("ticket", "").strip().upper()[:40],
        }
        number = data["ticket"]
        ticket = own_request(request.user, number) if number else None
        if number and ticket is None:  # not one of the requests offered: theirs only
            errors["ticket"] = field_message(unknown("ticket", value=number), form=FORM)
        if not data["body"].strip():  # said with the request's problem, if any: both at once
            errors["body"] = field_message(required("body"), form=FORM)
        if not errors:
            try:
                complaint = complaint_file(
                    author=request.user, body=data["body"], ticket=ticket, kind=ComplaintKind.REGULATION
                )
            except Invalid as exc:
                errors = field_messages(exc, form=FORM, fallback="body")
            except TooMany:
                alert = too_many_complaints()
                status = 429
            except Conflict as exc:
                if exc.code == "regulation_open":
                    alert = _("You have an open complaint about the regulation already; it is answered first.")
                else:
                    alert = _("You have an open complaint about this request already; it is answered first.")
            except Forbidden:
                alert = _("You may not file this complaint.")
            else:
                messages.success(request, _("Your complaint %(number)s is filed.") % {"number": complaint.number})
                return HttpResponseRedirect(reverse("web:complaint", args=[complaint.pk]))
    choices = own_request_choices(request.user)
    if data["ticket"] and data["ticket"] not in {n for n, _s in choices}:
        older = own_request(request.user, data["ticket"])  # theirs, but older than the list shows
        if older is not None:
            choices.insert(0, (older.number, older.subject))
        else:
            data["ticket"] = ""  # not theirs: nothing is preselected
    context: dict[str, Any] = {
        "choices": choices,
        "data": data,
        "errors": errors,
        "alert": alert,
        "text_max": settings.MAX_TEXT_LENGTH,
        "regulation_url": reverse("regulation"),
    }
    status = status or (400 if errors or alert else 200)
    return render(request, "web/complaints/new.html", context, status=status)
