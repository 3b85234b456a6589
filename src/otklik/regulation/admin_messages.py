"""After an admin's save that published a regulation version, the admin is told which version, from
when it is in force and that everyone is told, with a link to it (services.published_here
collects the versions published while the request runs: the publication happens on commit, after
the admin's own message)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from otklik.core import dates

from .models import Version
from .services import published_here


def _when(value: dt.datetime) -> str:
    """In the service's zone, as the regulation says it; in the admin's language."""
    return dates.moment(value, zone=dates.service_zone())


def publication_message(version: Version) -> SafeString:
    """What the admin reads after a save that published `version` (in the admin's language)."""
    values = {"number": version.number, "date": _when(version.effective_at)}
    if version.effective_at > version.published_at:
        current = (
            Version.objects.filter(number__lt=version.number, effective_at__lte=version.published_at)
            .order_by("-effective_at", "-number")
            .values_list("number", flat=True)
            .first()
        )
        text = _(
            "Version %(number)s of the service regulation is published and comes into force on %(date)s "
            "(the planned moment); until then version %(current)s stays in force. Everyone is told now "
            "and again on that day."
        ) % {**values, "current": current}
    else:
        text = _("Version %(number)s of the service regulation is published and is in force from %(date)s.") % values
        if version.notice_at is not None:
            text += " " + _("Everyone is told at %(notice)s, together with any further changes saved before then.") % {
                "notice": _when(version.notice_at)
            }
        replaced = (
            Version.objects.filter(number__lt=version.number, effective_at__gt=version.effective_at)
            .order_by("effective_at")
            .first()
        )
        if replaced is not None:
            text += " " + _(
                "It includes the planned changes of version %(number)s, which was to come into force on %(date)s "
                "and now never will."
            ) % {"number": replaced.number, "date": _when(replaced.effective_at)}
    link = reverse("regulation") + f"?version={version.number}"
    return format_html('{} <a href="{}">{}</a>', text, link, _("Read it"))


class PublicationMessageMiddleware:
    """On the admin's POST requests: a message for each regulation version they published."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not request.path.startswith(reverse("admin:index")):
            return self.get_response(request)
        collected: list[Version] = []
        token = published_here.set(collected)
        try:
            response = self.get_response(request)
        finally:
            published_here.reset(token)
        for version in collected:
            messages.info(request, publication_message(version))
        return response
