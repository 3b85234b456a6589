"""The supervisor's dashboard (leads, managers, administrators): requests by route point and by
group, the resolved ones awaiting confirmation apart from the open ones (in the headline and in
every table, so each adds up to the headline), at risk and breached now, the breaches
recorded today and in the last 7 days, each agent's load, and the weekly trends of the quality
report (its charts, over the last TREND_WEEKS weeks). Every figure links to the workspace list
behind it; `/dashboard/figures` serves the figures alone, refreshed by htmx every 15 seconds. A
lead sees what the API shows them (their groups)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.http import AuthedRequest
from otklik.accounts.selectors import may_supervise
from otklik.core.clock import now
from otklik.core.i18n import localized
from otklik.quality.access import access_quality
from otklik.quality.report import period_for, weeks_build
from otklik.routes.kinds import PointKind
from otklik.web.fragments import fragment_login_required
from otklik.web.reports import trend_charts
from otklik.web.selectors import ACTIVE, Tally, dashboard_figures

TREND_WEEKS = 8  # this week and the seven before it


def work_url(**params: str) -> str:
    """The workspace list behind a figure."""
    return f"{reverse('web:queue')}?{urlencode({k: v for k, v in params.items() if v})}"


def _cells(
    tally: Tally, *, state: str = ACTIVE, unassigned: bool = False, awaiting: bool = True, **scope: str
) -> list[dict[str, Any]]:
    """One row of a table: open, (unassigned,) (awaiting confirmation,) at risk and breached, each
    with its list."""
    cells = [{"label": _("Open"), "value": tally.open, "url": work_url(queue="all", state=state, **scope)}]
    if unassigned:
        url = work_url(queue="all", state="open", executor="none", **scope)
        cells.append({"label": _("Unassigned"), "value": tally.unassigned, "url": url})
    if awaiting:
        url = work_url(queue="all", state="resolved", **scope)
        cells.append({"label": _("Awaiting confirmation"), "value": tally.awaiting, "url": url})
    # The at-risk and breached queues hold open requests only, as these counts do.
    keep = {"state": state} if state not in ("open", ACTIVE) else {}
    cells.append({"label": _("At risk"), "value": tally.at_risk, "url": work_url(queue="at_risk", **keep, **scope)})
    cells.append({"label": _("Breached"), "value": tally.breached, "url": work_url(queue="breached", **keep, **scope)})
    return cells


def _stage_cells(tally: Tally, *, state: str, resolved: bool) -> list[dict[str, Any]]:
    """One stage's row: its requests under "open", or under "awaiting confirmation" for a resolved
    stage (the headline counts them apart), the other column a dash; at risk and breached."""
    here = work_url(queue="all", state=state)
    dash = {"value": "—", "url": None}
    open_cell = dash if resolved else {"value": tally.open, "url": here}
    awaiting_cell = {"value": tally.awaiting, "url": here} if resolved else dash
    return [
        {"label": _("Open"), **open_cell},
        {"label": _("Awaiting confirmation"), **awaiting_cell},
        {"label": _("At risk"), "value": tally.at_risk, "url": work_url(queue="at_risk", state=state)},
        {"label": _("Breached"), "value": tally.breached, "url": work_url(queue="breached", state=state)},
    ]


def _table(key: str, title: str, first: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    headers = [c["label"] for c in rows[0]["cells"]] if rows else []
    return {"id": f"dash-{key}", "title": title, "first": first, "headers": headers, "rows": rows}


def _context(request: AuthedRequest) -> dict[str, Any]:
    figures = dashboard_figures(request.user)
    total = figures.total
    points = [
        {
            "label": f"{localized(point.route, 'name')} · {point.name}",
            "cells": _stage_cells(
                tally, state=f"{point.route.code}:{point.code}", resolved=point.kind == PointKind.RESOLVED
            ),
        }
        for point, tally in figures.by_point
    ]
    groups = [
        {"label": str(group), "cells": _cells(tally, unassigned=True, group=group.code)}
        for group, tally in figures.by_group
    ]
    agents = [
        {"label": person.display_name, "cells": _cells(tally, executor=person.username)}
        for person, tally in figures.agents
    ]
    headline = [
        {"label": _("Open requests"), "value": total.open, "url": work_url(queue="all", state=ACTIVE), "tone": ""},
        {
            "label": _("Awaiting confirmation"),
            "value": total.awaiting,
            "url": work_url(queue="all", state="resolved"),
            "tone": "",
        },
        {"label": _("At risk now"), "value": total.at_risk, "url": work_url(queue="at_risk"), "tone": "warn"},
        {"label": _("Breached now"), "value": total.breached, "url": work_url(queue="breached"), "tone": "bad"},
        {
            "label": _("Breaches today"),
            "value": figures.breaches_today,
            "url": work_url(queue="all", breach="today"),
            "tone": "bad",
        },
        {
            "label": _("Breaches in the last 7 days"),
            "value": figures.breaches_7d,
            "url": work_url(queue="all", breach="7d"),
            "tone": "bad",
        },
    ]
    tables = [
        _table("points", _("Requests by stage"), _("Stage"), points),
        _table("groups", _("Open requests by group"), _("Group"), groups),
        _table("agents", _("Agents' load"), _("Agent"), agents),
    ]
    return {"figures": figures, "headline": headline, "tables": tables}


def _require_supervisor(request: AuthedRequest) -> None:
    if not may_supervise(request.user):
        raise PermissionDenied


def _trends(request: AuthedRequest) -> dict[str, Any]:
    """The quality report's weekly charts over the last TREND_WEEKS weeks, in the report's scope of
    the person (a lead's groups, everyone for a manager), with the link to that report."""
    today = timezone.localtime(now(), timezone.get_default_timezone()).date()
    first = today - dt.timedelta(days=today.weekday() + 7 * (TREND_WEEKS - 1))
    period = period_for(first.isoformat(), today.isoformat())
    weeks = weeks_build(access_quality(request.user, period=period), period)
    url = f"{reverse('web:quality')}?{urlencode({'from': first.isoformat(), 'to': today.isoformat()})}"
    return {"trends": trend_charts({"weeks": weeks}, f"{url}#table-weeks"), "trends_url": url}


@login_required
def page(request: AuthedRequest) -> HttpResponse:
    _require_supervisor(request)
    return render(request, "web/dashboard/page.html", {**_context(request), **_trends(request)})


@fragment_login_required
def figures(request: AuthedRequest) -> HttpResponse:
    _require_supervisor(request)
    return render(request, "web/dashboard/figures.html", _context(request))
