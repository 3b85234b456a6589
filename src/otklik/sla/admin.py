"""Admin for the time regulation: calendars (admin_calendars) and policies, targets, escalation (admin_policies)."""

from . import admin_calendars, admin_policies  # noqa: F401  (registers the model admins)
