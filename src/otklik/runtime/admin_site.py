"""The admin site: its sections in the order a help desk is set up, not alphabetical.

People first (organisations, groups, people), then the catalogue, the routes, the working calendars
and SLA, the notifications, feedback and quality; the records the help desk writes itself (the
regulation's versions, complaints, requests) last. This is the one place that order is kept;
settings.INSTALLED_APPS names `AdminConfig` instead of django.contrib.admin, so `admin.site` is an
`AdminSite` of this module.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.http import HttpRequest

from otklik.core.adminsite import OtklikAdminSite

# app label → its models (class names) in the order they are filled in.
SETUP_ORDER: dict[str, tuple[str, ...]] = {
    "accounts": ("Organisation", "SupportGroup", "User", "ApiToken"),
    "catalog": ("Category", "Priority", "RequestType"),
    "routes": ("Route",),
    "sla": ("Calendar", "Policy", "EscalationRule"),
    "notify": ("Carrier", "Rule", "Template", "Schedule", "Notification"),
    "feedback": ("FeedbackSettings", "Survey"),
    "quality": ("QualityWeights", "MonthlyReport"),
    "regulation": ("RegulationSettings", "Section", "Version"),
    "complaints": ("Complaint",),
    "tickets": ("Ticket",),
}


def _rank(order: tuple[str, ...], name: str) -> int:
    return order.index(name) if name in order else len(order)


class AdminSite(OtklikAdminSite):
    """Core's site (every model named in the right case) with the sections in set-up order."""

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        """The index and the side bar: the sections in SETUP_ORDER (any other app after them, by
        name), their models likewise."""
        apps: list[dict[str, Any]] = list(self._build_app_dict(request, app_label).values())
        labels = tuple(SETUP_ORDER)
        apps.sort(key=lambda app: (_rank(labels, app["app_label"]), str(app["name"]).lower()))
        for app in apps:
            order = SETUP_ORDER.get(app["app_label"], ())
            app["models"].sort(key=lambda model: (_rank(order, model["object_name"]), str(model["name"])))
        return apps


class AdminConfig(DjangoAdminConfig):
    default_site = "otklik.runtime.admin_site.AdminSite"
