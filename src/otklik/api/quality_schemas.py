"""The shapes of GET /api/v1/reports/quality, for the OpenAPI document (tests check the answers
against them: tests/test_api_quality_report.py)."""

from __future__ import annotations

from ninja import Field, Schema


class QualityQuery(Schema):
    from_: str | None = Field(None, alias="from", description="first day, YYYY-MM-DD (default: this month's first)")
    to: str | None = Field(None, description="last day, inclusive, YYYY-MM-DD (default: today)")
    group: str | None = Field(None, max_length=50, description="support group code")
    agent: str | None = Field(None, max_length=150, description="user name of an agent")


class PeriodOut(Schema):
    from_: str = Field(..., alias="from")
    to: str
    time_zone: str
    start: str
    end: str


class ScopeOut(Schema):
    group: str | None
    agent: str | None
    groups: list[str] | None = Field(None, description="the groups covered, when not every group")


class SpreadOut(Schema):
    count: int
    median_seconds: float | None
    p90_seconds: float | None


class TargetOut(Schema):
    met: int
    breached: int
    compliance_percent: float | None


class SlaOut(Schema):
    first_reaction: TargetOut
    resolution: TargetOut
    next_reaction: TargetOut
    overall: TargetOut


class SatisfactionOut(Schema):
    asked: int
    answered: int
    response_rate_percent: float | None
    average: float | None
    distribution: dict[str, int]


class ReopensOut(Schema):
    first_resolved: int
    reopened: int
    rate_percent: float | None


class ComplaintsOut(Schema):
    filed: int
    upheld: int


class ReassignmentsOut(Schema):
    total: int
    requests: int


class AutoConfirmedOut(Schema):
    count: int
    percent_of_resolved: float | None


class BacklogOut(Schema):
    total: int
    by_age: dict[str, int]


class ScoreOut(Schema):
    score: float | None
    components: dict[str, float | None]


class FiguresOut(Schema):
    received: int
    resolved: int
    first_reaction: SpreadOut
    resolution: SpreadOut
    sla: SlaOut
    breaches: int
    satisfaction: SatisfactionOut
    reopens: ReopensOut
    complaints: ComplaintsOut
    reassignments: ReassignmentsOut
    auto_confirmed: AutoConfirmedOut
    backlog: BacklogOut
    quality_score: ScoreOut


class GroupFiguresOut(FiguresOut):
    group: str
    name: str


class AgentFiguresOut(FiguresOut):
    agent: str
    name: str


class WeekOut(Schema):
    week: str
    received: int
    resolved: int
    breaches: int
    sla_compliance_percent: float | None
    satisfaction_average: float | None
    answered: int


class TypeSlaOut(SlaOut):
    type: str
    name: str


class PrioritySlaOut(SlaOut):
    priority: str
    name: str


class QualityReportOut(Schema):
    period: PeriodOut
    scope: ScopeOut
    generated_at: str
    facts_complete: bool
    facts_as_of: str | None
    backlog_at: str | None
    figures: FiguresOut
    groups: list[GroupFiguresOut]
    agents: list[AgentFiguresOut]
    weeks: list[WeekOut]
    by_type: list[TypeSlaOut]
    by_priority: list[PrioritySlaOut]
    weights: dict[str, int]
    formula: str
