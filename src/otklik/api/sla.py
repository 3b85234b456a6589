"""SLA endpoints: what deadlines a new request would get (the what-if for users and integrations)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, TypeVar

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema

from otklik.accounts.http import AuthedRequest
from otklik.api.respond import respond
from otklik.catalog.reference import reference
from otklik.core.clock import now
from otklik.core.errors import Invalid, not_a_date, out_of_range, unknown
from otklik.regulation.selectors import version_in_force_id, version_number
from otklik.sla import clockmath as cm
from otklik.sla.models import Metric
from otklik.sla.reference import sla_reference
from otklik.sla.services import policy_for

router = Router(tags=["sla"])
PREVIEW_SPAN = dt.timedelta(days=5 * 365)


class PreviewQuery(Schema):
    type: str
    priority: str | None = None
    category: str | None = None
    start: str | None = None


class PreviewTarget(Schema):
    metric: str
    name: str
    target_seconds: int
    warning_percent: int
    due_at: dt.datetime | None
    warn_at: dt.datetime | None


class PreviewOut(Schema):
    start: dt.datetime
    policy: str | None
    calendar: str | None
    regulation_version: int | None
    targets: list[PreviewTarget]


def _start(text: str | None) -> dt.datetime:
    if not text:
        return now()
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        error = not_a_date("start", message="not ISO 8601", format="ISO 8601")
        raise Invalid(f"start {text!r} is not an ISO 8601 date-time", errors=[error]) from None
    value = timezone.make_aware(value) if timezone.is_naive(value) else value
    # Deadlines are computed over working days from `start`: a start decades away would make the
    # calendar tabulate every day in between (seconds of CPU, hundreds of MB).
    moment = now()
    if not moment - PREVIEW_SPAN <= value <= moment + PREVIEW_SPAN:
        raise Invalid(
            f"start {text!r} is more than {PREVIEW_SPAN.days // 365} years away from now",
            errors=[
                out_of_range("start", min=(moment - PREVIEW_SPAN).isoformat(), max=(moment + PREVIEW_SPAN).isoformat())
            ],
        )
    return value


class _Switchable(Protocol):
    @property
    def is_active(self) -> bool: ...


_Coded = TypeVar("_Coded", bound=_Switchable)


def _code(by_code: dict[str, _Coded], code: str, name: str) -> _Coded:
    obj = by_code.get(code.strip())
    if obj is None or not obj.is_active:
        raise Invalid(
            f"unknown {name} {code!r}", errors=[unknown(name, message=f"unknown {name} {code!r}", value=code)]
        )
    return obj


@router.get("/preview", response=PreviewOut)
def preview(request: AuthedRequest, params: Query[PreviewQuery]) -> HttpResponse:
    """The policy, calendar and deadlines a request filed by the caller at `start` (default: now)
    would get. The next-reaction target starts with each initiator reaction, so it has no due time."""
    ref = reference()
    rtype = _code(ref.types_by_code, params.type, "type")
    priority = _code(ref.priorities_by_code, params.priority, "priority") if params.priority else ref.default_priority
    if priority is None:
        raise Invalid("no priorities are configured", code="misconfigured")
    category = _code(ref.categories_by_code, params.category, "category") if params.category else None
    start = _start(params.start)
    sref = sla_reference()
    user = request.user
    policy = policy_for(
        sref,
        type_id=rtype.pk,
        priority_id=priority.pk,
        category_id=category.pk if category else None,
        organisation_id=user.organisation_id,
    )
    group_id = (category.effective_group_id() if category else None) or rtype.default_group_id
    calendar_id = sref.calendar_id_for(policy, group_id) if policy else None
    cal = sref.calendar(calendar_id)
    targets = []
    for metric in (Metric.FIRST_REACTION, Metric.RESOLUTION, Metric.NEXT_REACTION):
        spec = policy.targets.get((priority.pk, metric)) if policy else None
        if spec is None:
            continue
        timed = metric != Metric.NEXT_REACTION and (category is None or category.in_scope)
        clock = cm.start(metric=metric, target=spec.target, warning_percent=spec.warning_percent, cal=cal, moment=start)
        targets.append(
            {
                "metric": str(metric),
                "name": str(Metric(metric).label),
                "target_seconds": int(spec.target.total_seconds()),
                "warning_percent": spec.warning_percent,
                "due_at": cm.as_utc(clock.due_at) if timed else None,
                "warn_at": cm.as_utc(clock.warn_at) if timed else None,
            }
        )
    number = version_number(version_in_force_id())
    return respond(
        {
            "start": start,
            "policy": policy.code if policy else None,
            "calendar": sref.calendar_codes.get(calendar_id) if calendar_id else None,
            "regulation_version": number,
            "targets": targets,
        }
    )
