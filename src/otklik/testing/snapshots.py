"""Dropping the in-process caches (catalogue, SLA configuration, regulation version, notification
rules, templates and preferences, people, API tokens), so a test reads the database instead of
rows a previous test saw and rolled back."""

from __future__ import annotations


def forget_snapshots() -> None:
    from otklik.accounts.people import forget_people
    from otklik.api.auth import forget_tokens
    from otklik.catalog.reference import invalidate
    from otklik.notify.preferences import forget_preferences
    from otklik.notify.rules import invalidate as rules_invalidate
    from otklik.notify.texts import invalidate as templates_invalidate
    from otklik.regulation.selectors import forget_version_in_force
    from otklik.sla.reference import invalidate as sla_invalidate

    # People and tokens were dropped by the demo's saves when every test loaded it.
    for drop in (invalidate, sla_invalidate, forget_version_in_force, rules_invalidate, templates_invalidate):
        drop()
    for forget in (forget_preferences, forget_people, forget_tokens):
        forget()
