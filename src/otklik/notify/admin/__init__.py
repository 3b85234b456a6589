"""The notification queue in the admin: the delivery history, carriers, rules, templates and
people's schedules."""

from . import carriers, history, rules, templates  # noqa: F401  (they register their admins)
