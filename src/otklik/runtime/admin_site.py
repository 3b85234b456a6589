"""The admin site: its sections in the order a help desk is set up, not alphabetical.

Whatever a form refers to comes before it: people first (organisations, people, then the working
calendars and the groups that work by them), then the routes, the catalogue whose request types follow
a route, the SLA, the notifications, feedback and quality; the records the help desk writes itself
(the regulation's versions, complaints, requests) last. The working calendar is an SLA model, but it is
listed with the groups (MOVED): a group names its calendar, so the calendar is set up before it.
This is the one place that order is kept; settings.INSTALLED_APPS names `AdminConfig` instead of
django.contrib.admin, so `admin.site` is an `AdminSite` of this module.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.http import HttpRequest

from otklik.core.adminsite import OtklikAdminSite

# app label → its models (class names) in the order they are filled in.
SETUP_ORDER: dict[str, tuple[str, ...]] = {
    "accounts": ("Organisation", "User", "Calendar", "SupportGroup", "ApiToken"),
    "routes": ("Route",),
    "catalog": ("Category", "Priority", "RequestType"),
    "sla": ("Policy", "EscalationRule"),
    "notify": ("Carrier", "Rule", "Template", "Schedule", "Notification"),
    "feedback": ("FeedbackSettings", "Survey"),
    "quality": ("QualityWeights", "MonthlyReport"),
    "regulation": ("RegulationSettings", "Section", "Version"),
    "complaints": ("Complaint",),
    "tickets": ("Ticket",),
}

# (app label, model) → the section it is listed in, when not its own app's.
MOVED: dict[tuple[str, str], str] = {("sla", "Calendar"): "accounts"}


def _rank(order: tuple[str, ...], name: str) -> int:
    return order.index(name) if name in order else len(order)


class AdminSite(OtklikAdminSite):
    """Core's site (every model named in the right case) with the sections in set-up order."""

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        """The index and the side bar: the sections in SETUP_ORDER (any other app after them, by
        name), their models likewise; a model in MOVED is listed in its section, there and on the
        sections' own pages."""
        built: dict[str, dict[str, Any]] = self._build_app_dict(request)
        for (label, name), section in MOVED.items():
            source, target = built.get(label), built.get(section)
            model = next((m for m in source["models"] if m["object_name"] == name), None) if source else None
            if source is None or target is None or model is None:
                continue
            source["models"].remove(model)
            target["models"].append(model)
            if not source["models"]:
                del built[label]
        if app_label is not None:
            built = {label: app for label, app in built.items() if label == app_label}
        apps: list[dict[str, Any]] = list(built.values())
        labels = tuple(SETUP_ORDER)
        apps.sort(key=lambda app: (_rank(labels, app["app_label"]), str(app["name"]).lower()))
        for app in apps:
            order = SETUP_ORDER.get(app["app_label"], ())
            app["models"].sort(key=lambda model: (_rank(order, model["object_name"]), str(model["name"])))
        return apps


class AdminConfig(DjangoAdminConfig):
    default_site = "otklik.runtime.admin_site.AdminSite"
