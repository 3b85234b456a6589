"""The notification centre: the person's in-app notifications, newest first, and marking them read."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from otklik.accounts.http import AuthedRequest
from otklik.core.clock import now
from otklik.core.paging import BadCursor, after
from otklik.core.paging import page as keyset_page
from otklik.core.refs import as_id
from otklik.notify.models import Channel, Notification

PAGE_SIZE = 25
FIELDS = ("id", "event", "importance", "subject", "body", "texts", "link", "ticket__number", "created_at", "read_at")


def _mine(request: AuthedRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=request.user, channel=Channel.INAPP)


def _unread(request: AuthedRequest) -> int:
    return _mine(request).filter(read_at__isnull=True).count()


def _listed(request: AuthedRequest) -> QuerySet[Notification]:
    return _mine(request).select_related("ticket").only(*FIELDS)


def _own_pages() -> dict[str, tuple[str, str]]:
    """This site's lists a notice may lead to (the login summary: tickets/login_summary.py), by
    the link stored on the row: where to go and what the link says."""
    return {
        f"{settings.BASE_URL}/my": (reverse("web:portal"), _("My requests")),
        f"{settings.BASE_URL}/work": (reverse("web:queue"), _("Work")),
    }


def _shown(items: list[Notification]) -> list[Notification]:
    complaints = f"{settings.BASE_URL}/complaints/"
    own = _own_pages()
    language = translation.get_language()
    # The links are display-only attributes for the template, set on the rows (not fields of
    # the model, so unknown to the type checker).
    for n in items:
        # In the language the person reads in now, where the row has it (never saved back).
        n.subject, n.body = n.words(language)
        # A complaint's notice leads to the complaint (its request, if any, is only its context).
        n.complaint_link = n.link.removeprefix(settings.BASE_URL) if n.link.startswith(complaints) else ""  # type: ignore[attr-defined]
        n.own_link = own.get(n.link)  # type: ignore[attr-defined]
        # Links other systems gave are checked when queued; only web addresses become links here.
        n.external_link = n.link if n.link.startswith(("https://", "http://")) and not n.own_link else ""  # type: ignore[attr-defined]
    return items


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("web:inbox")


def _counted(response: HttpResponse, unread: int) -> HttpResponse:
    # htmx raises this on the button; the page's script moves the bell (the stream only reports new ones).
    response["HX-Trigger"] = json.dumps({"otklik:unread": {"unread": unread}})
    return response


@require_GET
@login_required
def page(request: AuthedRequest) -> HttpResponse:
    """`?cursor=` pages back; `?unread=1` the unread only; `?newer_than=<id>` (htmx) only the items
    above that id, which the page's script inserts on top when the stream reports a new one."""
    unread_only = request.GET.get("unread") == "1"
    qs = _listed(request)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    newer_than = request.GET.get("newer_than")
    if newer_than is not None:
        top = 0 if newer_than == "0" else as_id(newer_than)  # 0: the page was empty
        if top is None:
            raise Http404
        items = _shown(list(qs.filter(pk__gt=top).order_by("-pk")[:PAGE_SIZE]))
        return render(request, "web/inbox/items.html", {"items": items, "back": reverse("web:inbox")})
    cursor = request.GET.get("cursor") or None
    try:
        rows = list(after(qs, cursor)[: PAGE_SIZE + 1])
    except BadCursor:
        return HttpResponseRedirect(reverse("web:inbox"))  # a mangled link: start from the newest
    items, next_cursor = keyset_page(rows, PAGE_SIZE)
    context: dict[str, Any] = {
        "items": _shown(items),
        "back": request.get_full_path(),
        "next_cursor": next_cursor,
        "cursor": cursor,
        "unread_only": unread_only,
        # New ones are inserted live only on the first page, where they belong.
        "live": cursor is None,
        "top_id": items[0].pk if items else 0,
    }
    return render(request, "web/inbox/page.html", context)


@require_POST
@login_required
def read(request: AuthedRequest, notification_id: int) -> HttpResponse:
    """Idempotent (the first reading time stays); someone else's notification is 404."""
    if as_id(notification_id) is None:
        raise Http404
    mine = _mine(request).filter(pk=notification_id)
    mine.filter(read_at__isnull=True).update(read_at=now())
    item = _listed(request).filter(pk=notification_id).first()
    if item is None:
        raise Http404
    if request.headers.get("HX-Request"):
        response = render(request, "web/inbox/item.html", {"n": _shown([item])[0], "back": reverse("web:inbox")})
        return _counted(response, _unread(request))
    return HttpResponseRedirect(_next(request))


@require_POST
@login_required
def read_all(request: AuthedRequest) -> HttpResponse:
    """Marks what the person saw: `up_to` is the newest id on their page, so a notification that
    arrived after they looked stays unread."""
    unread = _mine(request).filter(read_at__isnull=True)
    raw = request.POST.get("up_to")
    up_to = 0 if raw == "0" else as_id(raw)  # 0: the page showed none
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    marked = unread.update(read_at=now())
    if marked:
        messages.success(request, _("All notifications are marked read."))
    return HttpResponseRedirect(_next(request))
