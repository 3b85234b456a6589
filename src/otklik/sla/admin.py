"""Admin for the time regulation: calendars (admin_calendars) and policies, targets, escalation
(admin_policies); and each request's SLA clocks on the request's own admin page."""

from otklik.core.admin import ReadOnlyInline
from otklik.tickets.admin import TicketAdmin

from . import admin_calendars, admin_policies  # noqa: F401  (registers the model admins)
from .models import Clock


class ClockInline(ReadOnlyInline):
    model = Clock
    fields = (
        "metric",
        "state",
        "policy",
        "calendar",
        "target",
        "used",
        "due_at",
        "warned_at",
        "breached_at",
        "stopped_at",
    )
    readonly_fields = fields


TicketAdmin.inlines = [ClockInline, *TicketAdmin.inlines]
