"""What a request's deadlines tell whom: a warning that a deadline is near (to whom the rules say:
the executor by default) and an escalation (to the people its SLA rule names), as notification rows
for the timer pass to write with its other changes; and their built-in words."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from otklik.core.clock import service_minute
from otklik.core.jsonvalue import JsonValue
from otklik.notify import texts
from otklik.notify.models import Notification
from otklik.notify.outbox import compose
from otklik.tickets.models import Ticket
from otklik.tickets.notices import subject_of

from .models import Metric
from .services import iso_local


def on_sla(
    ticket: Ticket, *, event: str, metric: str, user_ids: list[int], due: dt.datetime | None
) -> list[Notification]:
    """`event`: warned or escalated. Unsaved. Their importance is the scale's (notify/importance.py):
    an escalation is critical, a warning normal (high on a request of critical priority). `due`
    is written for each recipient in their language (the context keeps it for machines, ISO)."""
    return compose(
        f"sla_{event}",
        subject=subject_of(ticket),
        addressed=user_ids,
        context={"target": metric, "due_at": iso_local(due)},
        extra={"target": lambda: str(Metric(metric).label), "due": lambda: service_minute(due)},
    )


def _warned(c: dict[str, JsonValue]) -> tuple[str, str]:
    return (
        _("the deadline is near: %(target)s") % {"target": c["target"]},
        _("The %(target)s deadline is %(due)s.") % {"target": c["target"], "due": c["due"] or "—"},
    )


def _escalated(c: dict[str, JsonValue]) -> tuple[str, str]:
    return (
        _("deadline missed: %(target)s") % {"target": c["target"]},
        _("The %(target)s deadline is %(due)s.") % {"target": c["target"], "due": c["due"] or "—"},
    )


texts.register("sla_warned", _warned)
texts.register("sla_escalated", _escalated)
