"""The monthly quality report: on the first working day of a month (the default working calendar, in
the service's time zone), every group lead gets the previous month's figures of the groups they
lead and every support manager those of the whole service, through the notification queue
(event `quality_monthly`, in-app and e-mail by default), with the link to the report page.

Exactly once per month: the month's MonthlyReport row is written first, in the same transaction
as the notifications. A second worker doing the same waits on the row's unique key and then finds
it taken (nothing is sent twice); a failure rolls both back and the next run tries again. A worker
that was down on the day catches up on a later day of the same month.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.directory import directory
from otklik.accounts.models import GroupMembership, Role, User
from otklik.core import dates
from otklik.core.clock import now
from otklik.core.i18n import decimal, localized, percent_text, working_time
from otklik.core.jsonvalue import JsonValue
from otklik.notify import texts
from otklik.notify.models import Notification
from otklik.notify.outbox import compose, queue_rows
from otklik.sla.calendar import WorkCalendar
from otklik.sla.reference import sla_reference

from .models import MonthlyReport
from .period import Period, month_of
from .refresh import facts_refresh_all
from .report import report_build, service_zone
from .scope import Scope

log = logging.getLogger("otklik.quality")
EVENT = "quality_monthly"


def is_working_day(cal: WorkCalendar, day: dt.date, tz: dt.tzinfo) -> bool:
    start = dt.datetime.combine(day, dt.time(), tz)
    return cal.elapsed(start, start + dt.timedelta(days=1)) > dt.timedelta(0)


def first_working_day(cal: WorkCalendar, month: dt.date, tz: dt.tzinfo) -> dt.date:
    """The month's first day with working time (the 1st itself if the calendar has none at all)."""
    day = month.replace(day=1)
    while day.month == month.month:
        if is_working_day(cal, day, tz):
            return day
        day += dt.timedelta(days=1)
    return month.replace(day=1)


def report_link(period: Period) -> str:
    query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat()})
    return f"{settings.BASE_URL}/reports/quality?{query}"


def recipients() -> list[tuple[int, Scope]]:
    """(user id, scope): every active support manager (everyone), every active lead of an active
    group who is not a manager (the groups they lead)."""
    managers = set(User.objects.filter(is_active=True, role=Role.MANAGER).values_list("pk", flat=True))
    led: dict[int, set[int]] = {}
    for user_id, group_id in GroupMembership.objects.filter(
        is_lead=True, user__is_active=True, group__is_active=True
    ).values_list("user_id", "group_id"):
        if user_id not in managers:
            led.setdefault(user_id, set()).add(group_id)
    out = [(uid, Scope()) for uid in sorted(managers)]
    out += [(uid, Scope(group_ids=frozenset(groups))) for uid, groups in sorted(led.items())]
    return out


def _figures(data: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """What the message shows: plain numbers (the words are the recipient's language's, texts.py)."""
    f = data["figures"]
    return {
        "received": f["received"],
        "resolved": f["resolved"],
        "sla_percent": f["sla"]["overall"]["compliance_percent"],
        "breaches": f["breaches"],
        "first_reaction_median": f["first_reaction"]["median_seconds"],
        "resolution_median": f["resolution"]["median_seconds"],
        "satisfaction": f["satisfaction"]["average"],
        "answered": f["satisfaction"]["answered"],
        "asked": f["satisfaction"]["asked"],
        "reopen_percent": f["reopens"]["rate_percent"],
        "complaints_filed": f["complaints"]["filed"],
        "complaints_upheld": f["complaints"]["upheld"],
        "backlog": f["backlog"]["total"],
        "score": f["quality_score"]["score"],
    }


def monthly_rows(
    user_id: int, scope: Scope, period: Period, *, data: dict[str, JsonValue] | None = None
) -> list[Notification]:
    """One person's report rows; `data` is the scope's report when it was built already."""
    if data is None:
        data = report_build(scope, period, refresh=False).data
    groups = directory().groups
    group_ids = sorted(scope.group_ids or ())

    def scope_name() -> str:  # in the recipient's language
        return ", ".join(localized(groups[g], "name") for g in group_ids if g in groups)

    return compose(
        EVENT,
        addressed=[user_id],
        extra={
            "month": lambda: dates.month(period.first),  # in the recipient's language
            "scope": scope_name if group_ids else "",
            "report": _figures(data),
            "report_link": report_link(period),
        },
        context={"month": period.first.isoformat(), "groups": [groups[g].code for g in group_ids]},
        link=report_link(period),
    )


def quality_monthly_due() -> int:
    """Queue last month's report if today is the month's first working day or later and it has not
    been queued yet. Returns the number of notification rows queued (0: nothing due)."""
    tz = timezone.get_default_timezone()
    today = timezone.localtime(now(), tz).date()
    this_month = today.replace(day=1)
    period = month_of(this_month - dt.timedelta(days=1), service_zone())
    if MonthlyReport.objects.filter(month=period.first).exists():
        return 0
    sref = sla_reference()
    if today < first_working_day(sref.calendar(sref.default_calendar_id), this_month, tz):
        return 0
    facts_refresh_all()
    try:
        with transaction.atomic():
            record = MonthlyReport.objects.create(month=period.first, queued_at=now())
            rows: list[Notification] = []
            people = recipients()
            # Every manager has the same scope, leads of the same groups too: one report per scope.
            built: dict[tuple[frozenset[int] | None, int | None], dict[str, JsonValue]] = {}
            for user_id, scope in people:
                key = (scope.group_ids, scope.executor_id)
                if key not in built:
                    built[key] = report_build(scope, period, refresh=False).data
                rows += monthly_rows(user_id, scope, period, data=built[key])
            queue_rows(rows)
            record.recipients = len(people)
            record.save(update_fields=["recipients"])
    except IntegrityError:
        return 0  # another worker queued it first
    log.info("quality: the report for %s queued for %d people", period.first.strftime("%Y-%m"), len(people))
    return len(rows)


def _quality_monthly(c: dict[str, JsonValue]) -> tuple[str, str]:
    r = c["report"]
    whose = _("Groups: %(groups)s") % {"groups": c["scope"]} if c.get("scope") else _("The whole support service")
    satisfaction = "—" if r["satisfaction"] is None else decimal(r["satisfaction"], 2)
    lines = [
        whose,
        "",
        _("Requests received: %(received)s; resolved: %(resolved)s")
        % {"received": r["received"], "resolved": r["resolved"]},
        _("SLA compliance: %(percent)s; breaches: %(breaches)s")
        % {"percent": percent_text(r["sla_percent"]), "breaches": r["breaches"]},
        _("First reaction (median): %(first)s; resolution (median): %(resolution)s")
        % {"first": working_time(r["first_reaction_median"]), "resolution": working_time(r["resolution_median"])},
        _("Satisfaction: %(average)s (%(answered)s answers to %(asked)s surveys)")
        % {"average": satisfaction, "answered": r["answered"], "asked": r["asked"]},
        _("Reopened: %(percent)s") % {"percent": percent_text(r["reopen_percent"])},
        _("Complaints filed: %(filed)s; upheld: %(upheld)s")
        % {"filed": r["complaints_filed"], "upheld": r["complaints_upheld"]},
        _("Not closed at the month's end: %(count)s") % {"count": r["backlog"]},
        _("Quality score: %(score)s") % {"score": "—" if r["score"] is None else decimal(r["score"], 1)},
        "",
        _("The full report: %(link)s") % {"link": c["report_link"]},
    ]
    return _("quality report for %(month)s") % {"month": c["month"]}, "\n".join(lines)


texts.register("quality_monthly", _quality_monthly)
