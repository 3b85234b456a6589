"""The quality report pages (support staff): the report for a period with its charts and tables,
the requests behind each figure, and the CSV / XLSX exports. What one may see is the report's own
gate (otklik.quality.access): others' groups and people are 404, initiators 403."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from otklik.accounts.http import AuthedRequest
from otklik.core.clock import now
from otklik.core.errors import Forbidden, Invalid, NotFound
from otklik.core.paging import BadCursor
from otklik.quality.access import may_see_reports
from otklik.quality.drill import drill_page, parse_drill
from otklik.quality.exports import CSV_FORMATS, TABLES, csv_format, to_csv, to_xlsx
from otklik.quality.period import EARLIEST, LATEST
from otklik.quality.refresh import facts_refresh_all
from otklik.quality.report import REFRESH_MOST, PeriodInvalid, Report, report_for, scope_and_period
from otklik.web.refusals import first_message
from otklik.web.reports import QualityForm, page_context, requests_context

PARAMS = ("from", "to", "group", "agent")


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip() for k in PARAMS}


def _report(request: AuthedRequest) -> Report:
    """The report asked for, or the page's 403 / 404; bad dates raise Invalid for the caller."""
    p = _params(request)
    try:
        return report_for(request.user, from_text=p["from"], to_text=p["to"], group=p["group"], agent=p["agent"])
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None


@login_required
def page(request: AuthedRequest) -> HttpResponse:
    if not may_see_reports(request.user):
        raise PermissionDenied
    form = QualityForm(request.GET, user=request.user)
    try:
        report = _report(request)
    except Invalid as exc:
        field = exc.errors[0].field if exc.errors else "from"
        message = first_message(exc, form="report")
        form.is_valid()
        form.add_error("from_" if field == "from" else "to", message)
        return render(request, "web/reports/quality.html", {"form": form, "error": message}, status=400)
    form.offer_agent(report.scope.agent)
    form.show_period(report.period)
    form.is_valid()
    chosen = request.GET.get("csv", "")
    fmt = csv_format(chosen if chosen in CSV_FORMATS else None)
    context: dict[str, Any] = {"form": form, **page_context(report, _params(request), fmt=fmt)}
    return render(request, "web/reports/quality.html", context)


@login_required
def requests(request: AuthedRequest) -> HttpResponse:
    """The requests behind one figure, newest first, the ones the viewer may open."""
    report_params = _params(request)
    try:
        scope, period = scope_and_period(
            request.user,
            from_text=report_params["from"],
            to_text=report_params["to"],
            group=report_params["group"],
            agent=report_params["agent"],
        )
        drill = parse_drill(*(request.GET.get(k) for k in ("measure", "week", "type", "priority")))
        facts_refresh_all(most=REFRESH_MOST, nowait=True)
        found = drill_page(
            request.user, scope, period, drill, backlog_at=period.backlog_at(now()), cursor=request.GET.get("cursor")
        )
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except PeriodInvalid as exc:
        return render(request, "web/reports/requests.html", {"error": first_message(exc, form="report")}, status=400)
    except (Invalid, BadCursor) as exc:  # only an edited address gets here: the figure's own links are valid
        error = _("This address names no figure of the report: open the report and follow a figure's link.")
        if isinstance(exc, Invalid) and any(e.field == "week" for e in exc.errors):
            error = _(
                "The week is the date of its Monday (YYYY-MM-DD) between the years %(earliest)s and %(latest)s, "
                "for a figure counted by week. %(rest)s"
            ) % {"earliest": EARLIEST.year, "latest": LATEST.year, "rest": error}
        return render(request, "web/reports/requests.html", {"error": error}, status=400)
    context = requests_context(period, scope, drill, found, report_params, request.GET.get("cursor"))
    return render(request, "web/reports/requests.html", context)


def _export(request: AuthedRequest, kind: str) -> HttpResponse:
    try:
        report = _report(request)
    except Invalid as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain; charset=utf-8")
    # The spreadsheet's locale: the page's language unless the person chose another (?csv=ru|en).
    chosen = request.GET.get("csv", "")
    if chosen and chosen not in CSV_FORMATS:
        known = ", ".join(CSV_FORMATS)
        return HttpResponse(
            f"unknown format {chosen!r}: one of {known}", status=400, content_type="text/plain; charset=utf-8"
        )
    fmt = csv_format(chosen or None)
    stem = f"quality-{report.period.first}-{report.period.last}"
    if kind == "xlsx":
        body, mime, name = (
            to_xlsx(report.data, fmt),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            stem,
        )
        name += ".xlsx"
    else:
        table = request.GET.get("table") or "rows"
        if table not in TABLES:
            return HttpResponse(f"unknown table {table!r}", status=400, content_type="text/plain; charset=utf-8")
        body, mime, name = to_csv(report.data, table, fmt), "text/csv; charset=utf-8", f"{stem}-{table}.csv"
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def export_csv(request: AuthedRequest) -> HttpResponse:
    return _export(request, "csv")


@login_required
def export_xlsx(request: AuthedRequest) -> HttpResponse:
    return _export(request, "xlsx")
