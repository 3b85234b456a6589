"""Automatic publication: a change to anything the regulation shows publishes a new version when
the change commits. One publication per transaction, however many rows it touched (an admin
form with inlines, a calendar import), and none at all for a transaction that rolls back.

Bulk writes (QuerySet.update, bulk_create) send no signals: whoever does them should save one
row afterwards or run `otklik regulation_publish`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from otklik.accounts.models import Organisation, SupportGroup
from otklik.catalog.models import Category, FormField, Priority, RequestType
from otklik.core.jsonvalue import JsonValue
from otklik.feedback.models import FeedbackSettings
from otklik.quality.models import QualityWeights
from otklik.routes.models import Route, RoutePoint, Transition
from otklik.sla.models import Calendar, CalendarDay, EscalationRule, Policy, Target

from .models import RegulationSettings, Section
from .reasons import CHANGED, changed_params
from .selectors import forget_version_in_force

log = logging.getLogger("otklik.regulation")

WATCHED: tuple[type[Model], ...] = (
    Section,
    RegulationSettings,  # the admin's guidance and additional information; the moment changes come into force
    Calendar,
    CalendarDay,
    Policy,
    Target,
    EscalationRule,
    RequestType,
    FormField,  # the kinds of a request type are its choice fields
    Category,
    Priority,
    Route,
    RoutePoint,
    Transition,  # the stages' actions and who may take them
    SupportGroup,  # names and calendars of groups appear in the regulation
    Organisation,  # named by organisation-specific policies
    FeedbackSettings,  # the survey's terms, the complaints' targets and calendar (a type's confirmation period: above)
    QualityWeights,  # published in the quality criteria
)
M2M = (
    Policy.request_types.through,
    Policy.priorities.through,
    Policy.categories.through,
    Policy.organisations.through,
    EscalationRule.notify_users.through,
    EscalationRule.add_watchers.through,
)


# The regulation's own texts: the system does nothing differently when they change, so a change of
# them alone may wait for the settings' moment for planned changes. Everything else in WATCHED acts
# as soon as it is saved, and so does the version that describes it (services.py).
TEXTS: frozenset[type[Model]] = frozenset({Section, RegulationSettings})


class PendingPublication:
    """The on-commit callback of one transaction; it gathers what changed for the version's reason."""

    def __init__(self) -> None:
        self.models: set[type[Model]] = set()

    def __call__(self) -> None:
        from .services import regulation_publish

        try:
            regulation_publish(code=CHANGED, params=self.params(), plannable=self.plannable())
        except Exception:
            # The change itself has committed; the next change, or the first read, publishes.
            log.exception("the regulation could not be published")

    def params(self) -> dict[str, JsonValue]:
        """What changed, as the models' labels: said in the reader's language when shown (reasons.py)."""
        return changed_params([m._meta.label_lower for m in self.models])

    def plannable(self) -> bool:
        """Whether only the regulation's own texts changed (the version may wait for the planned moment)."""
        return self.models <= TEXTS


def _pending() -> PendingPublication | None:
    """This transaction's callback, if one is registered and still due (a rolled-back savepoint
    drops its callbacks, and commit or rollback clears them all)."""
    conn = transaction.get_connection()
    for entry in conn.run_on_commit:
        if isinstance(entry[1], PendingPublication):
            return entry[1]
    return None


def schedule_publication(sender: type[Model], **kwargs: Any) -> None:
    """Signal receiver: publish once the current transaction commits (at once outside one)."""
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed fires before and after; the after is enough
    model = sender
    if sender in M2M:
        model = kwargs["instance"].__class__ if kwargs.get("instance") is not None else sender
    pending = _pending() if transaction.get_connection().in_atomic_block else None
    if pending is None:
        pending = PendingPublication()
        pending.models.add(model)
        # robust: a failure is logged, never raised into the request whose change has committed.
        transaction.on_commit(pending, robust=True)
    else:
        pending.models.add(model)


def _forget(**_: Any) -> None:
    # A flush or migrate (tests, fresh installs) removes versions behind the cache's back.
    forget_version_in_force()


def connect() -> None:
    for model in WATCHED:
        name = model._meta.label_lower
        post_save.connect(schedule_publication, sender=model, dispatch_uid=f"otklik-regulation-save-{name}")
        post_delete.connect(schedule_publication, sender=model, dispatch_uid=f"otklik-regulation-delete-{name}")
    for through in M2M:
        name = through._meta.label_lower
        m2m_changed.connect(schedule_publication, sender=through, dispatch_uid=f"otklik-regulation-m2m-{name}")
    post_migrate.connect(_forget, dispatch_uid="otklik-regulation-forget")
