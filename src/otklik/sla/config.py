"""Changes of the SLA configuration reaching the open requests.

The timer worker already brings every request it claims up to date with the configuration
(timers.sla_fire_due → services.recompute), so a configuration change only has to make the
requests it concerns due now. Call `sla_config_changed` after the change has committed
(`sla_config_changed_on_commit` does exactly that): the worker must read the new rows.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models import Q, QuerySet

from otklik.core.clock import now
from otklik.tickets.models import Ticket

from .models import Calendar, Clock, Policy


def _default_calendar_id() -> int | None:
    # The calendar the snapshot falls back to (reference._build): the first default one by code,
    # else the first calendar at all.
    rows = Calendar.objects.order_by("-is_default", "code").values_list("pk", flat=True)
    return rows.first()


def open_requests_concerned(*, calendar_id: int | None = None) -> QuerySet[Ticket]:
    """The open requests whose clocks a change can move: all of them for a policy, target or
    escalation rule (calendar_id=None); for a calendar, those with a clock on it or whose support
    group works by it. A change to the fallback (default) calendar, or to one that no longer
    exists, concerns every open request: which requests fall back to it is only known by
    recomputing them."""
    qs = Ticket.objects.filter(is_open=True)
    if calendar_id is None:
        return qs
    if calendar_id == _default_calendar_id() or not Calendar.objects.filter(pk=calendar_id).exists():
        return qs
    return qs.filter(
        Q(pk__in=Clock.objects.filter(calendar_id=calendar_id).values("ticket_id")) | Q(group__calendar_id=calendar_id)
    )


def sla_config_changed(*, calendar_id: int | None = None) -> int:
    """Mark the open requests a configuration change concerns for recomputation by the timer
    worker (their next SLA instant becomes now). Returns how many were marked."""
    return open_requests_concerned(calendar_id=calendar_id).update(sla_next_at=now())


def sla_config_changed_on_commit(*, calendar_id: int | None = None) -> None:
    """`sla_config_changed` once the current transaction commits (at once outside one); nothing
    when it rolls back, so a what-if preview marks nothing."""
    transaction.on_commit(partial(sla_config_changed, calendar_id=calendar_id), robust=True)


@transaction.atomic
def policy_make_default(*, policy: Policy) -> int:
    """Make `policy` the one default policy: the flag is cleared on every other. Returns how many
    lost it."""
    return Policy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)
