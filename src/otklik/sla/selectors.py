"""Reads of SLA clocks: each target of a request with its deadline, state and working time left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from otklik.core.clock import now
from otklik.core.jsonvalue import JsonValue
from otklik.core.prepared import Prepared
from otklik.tickets.models import Ticket

from . import clockmath as cm
from .models import Clock, Metric
from .reference import sla_reference
from .services import data_of

_ORDER: dict[str, int] = {Metric.FIRST_REACTION: 0, Metric.NEXT_REACTION: 1, Metric.RESOLUTION: 2}
# Compiled once (core.prepared); by id, not by the model's ordering, which joins the request.
_CLOCKS: Prepared[Clock] = Prepared(lambda t: Clock.objects.filter(ticket_id=t).order_by("id"), int)


def ticket_clocks(ticket: Ticket) -> list[Clock]:
    """The request's clocks (one indexed statement)."""
    return _CLOCKS.models(ticket.pk)


def sla_targets(ticket: Ticket, *, clocks: Iterable[Clock] | None = None) -> list[dict[str, JsonValue]]:
    """The request's targets as the API shows them. One query (none when `clocks` are given)."""
    rows = list(clocks) if clocks is not None else ticket_clocks(ticket)
    sref = sla_reference()
    moment = now()
    out = []
    for row in sorted(rows, key=lambda r: _ORDER.get(r.metric, 9)):
        data = data_of(row)
        cal = sref.calendar(row.calendar_id)
        used = cm.used_at(data, cal, moment)
        due = data.due_at
        state = cm.state_at(data, moment)
        at_risk = (
            data.state == cm.RUNNING
            and data.warn_at is not None
            and data.warn_at <= moment
            and (due is None or due > moment)
        )
        policy = sref.policies_by_id.get(row.policy_id) if row.policy_id else None
        out.append(
            {
                "metric": row.metric,
                "name": str(Metric(row.metric).label),
                "state": state,
                "due_at": cm.as_utc(due),
                "warn_at": cm.as_utc(data.warn_at),
                "at_risk": at_risk,
                "target_seconds": _seconds(data.target),
                "used_seconds": _seconds(used),
                "left_seconds": _seconds(cm.left_at(data, cal, moment)),
                "breached_at": cm.as_utc(data.breached_at or (due if state == cm.BREACHED else None)),
                "stopped_at": cm.as_utc(data.stopped_at),
                "cycle": data.cycle,
                "policy": policy.code if policy else None,
                "calendar": sref.calendar_codes.get(row.calendar_id) if row.calendar_id else None,
            }
        )
    return out


def _seconds(value: dt.timedelta) -> int:
    return int(value.total_seconds())
