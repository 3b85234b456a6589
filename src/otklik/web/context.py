"""What every page's frame needs: the navigation for the person's role, the unread count for the
bell, and where the live stream is."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _

from otklik.accounts.models import User
from otklik.accounts.selectors import may_supervise, may_use_admin
from otklik.notify.unread import unread_count


@functools.lru_cache(maxsize=64)
def _reversed(name: str, prefix: str, urlconf: str) -> str:
    return reverse(name, urlconf=urlconf)


def _url(name: str) -> str:
    """reverse(name) of an address without arguments, worked out once (per script prefix and
    URLconf): every page's frame names the same seven or eight."""
    return _reversed(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def nav_items(user: User, path: str) -> list[dict[str, Any]]:
    items = [(_url("web:portal"), _("My requests")), (_url("web:new"), _("New request"))]
    if user.is_support_staff:
        items = [(_url("web:queue"), _("Work")), *items[1:]]
    if may_supervise(user):  # the managers and whoever leads a group
        items.append((_url("web:dashboard"), _("Dashboard")))
        items.append((_url("web:complaints"), _("Complaints")))
    if user.is_support_staff:  # everyone in support sees at least their own figures
        items.append((_url("web:quality"), _("Quality")))
    items.append((_url("web:inbox"), _("Notifications")))
    # A page under a section's address (/new/error under /new) is in that section.
    return [{"url": url, "label": label, "current": path == url or path.startswith(url + "/")} for url, label in items]


def frame(request: HttpRequest) -> dict[str, Any]:
    # No user on a request the authentication middleware never saw (an early error page).
    user: User | AnonymousUser | None = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # The admin's and the API's pages, and fragments, have no frame to fill; our error pages may
    # still be shown there, with an empty bell.
    if request.path.startswith(("/admin/", "/api/")) or request.headers.get("HX-Request"):
        return {"nav_items": [], "unread_count": 0, "stream_url": "", "admin_url": ""}
    unread = unread_count(user.pk)
    return {
        "nav_items": nav_items(user, request.path),
        "unread_count": unread,
        # The stream process's own address (CORS lets the pages' origin read it), or behind a
        # proxy the site's own when OTKLIK_STREAM_URL says so.
        "stream_url": settings.STREAM_URL + _url("notifications-stream"),
        # The header's link to the administration, for those who may use it.
        "admin_url": _url("admin:index") if may_use_admin(user) else "",
    }
