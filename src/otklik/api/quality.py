"""GET /api/v1/reports/quality: the quality KPIs for a period, everyone's or a group's or an agent's
(as the caller may see them: otklik.quality.access)."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router

from otklik.accounts.http import AuthedRequest
from otklik.api.quality_schemas import QualityQuery, QualityReportOut
from otklik.api.respond import respond
from otklik.quality.report import report_for

router = Router(tags=["reports"])


@router.get("/quality", response=QualityReportOut)
def quality(request: AuthedRequest, params: Query[QualityQuery]) -> HttpResponse:
    """The quality KPIs for the days `from`..`to` (inclusive, ISO dates, the service's time zone;
    default: this month up to today; at most two years), for everyone (managers), a `group` (code)
    or an `agent` (user name). Leads see their groups and their members, agents themselves only,
    initiators nothing (403); a group or agent one may not see is 404; bad dates are 422. Times are
    working seconds; percentages 0–100; null where there is nothing to measure."""
    report = report_for(request.user, from_text=params.from_, to_text=params.to, group=params.group, agent=params.agent)
    return respond(report.data)
