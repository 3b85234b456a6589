"""What the quality report page shows, built from the report's data (otklik.quality.report): the
filter form, the headline figures, the charts and the tables, every figure with the link to the
requests behind it (/reports/quality/requests), the exports, and the definitions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from otklik.accounts.directory import directory
from otklik.accounts.models import User
from otklik.accounts.people import Person, people
from otklik.catalog.reference import reference
from otklik.core import dates
from otklik.core.forms import form_field
from otklik.core.i18n import current_language, decimal, localized, percent_text, working_time
from otklik.core.jsonvalue import JsonValue
from otklik.quality import definitions, kpi
from otklik.quality.access import visible_agents, visible_groups
from otklik.quality.charts import Series, bar_chart, line_chart
from otklik.quality.drill import Drill, DrillPage
from otklik.quality.exports import CSV_FORMATS, CsvFormat, backlog_label
from otklik.quality.period import Period
from otklik.quality.report import Report
from otklik.quality.scope import Scope

DASH = "—"


class QualityForm(forms.Form):
    """The period and the scope. Dates are checked by the report itself (one message, API and page)."""

    from_ = forms.CharField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    to = forms.CharField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    group = forms.ChoiceField(label=gettext_lazy("Group"), required=False)
    agent = forms.ChoiceField(label=gettext_lazy("Agent"), required=False)

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data, label_suffix="")
        groups = visible_groups(user)
        if groups is None:
            groups = sorted((g for g in directory().groups.values() if g.is_active), key=lambda g: g.code)
            everyone = _("Every group")
        else:
            everyone = _("All my groups")
        form_field(self, "group", forms.ChoiceField).choices = [("", everyone), *((g.code, str(g)) for g in groups)]
        agents = visible_agents(user)
        anyone = _("Everyone") if user.is_manager or len(agents) > 1 else _("Me")
        self.agent_choices: list[tuple[str, str]] = [("", anyone), *((p.username, p.display_name) for p in agents)]
        form_field(self, "agent", forms.ChoiceField).choices = self.agent_choices

    def offer_agent(self, person: Person | None) -> None:
        """The person the report is about, when the gate let them through without their being among
        the choices (a former member whom the period's facts name): offered too, so it is selected."""
        if person is not None and all(value != person.username for value, _label in self.agent_choices):
            self.agent_choices = [*self.agent_choices, (person.username, person.display_name)]
            form_field(self, "agent", forms.ChoiceField).choices = self.agent_choices

    def show_period(self, period: Period) -> None:
        """The days of the period shown (the current month when none were given, the other end when
        one was): the date fields say which period the figures are of."""
        self.data = {**self.data, "from": period.first.isoformat(), "to": period.last.isoformat()}

    def add_prefix(self, field_name: str) -> str:
        return "from" if field_name == "from_" else super().add_prefix(field_name)


def num(value: float | None, digits: int = 2) -> str:
    return DASH if value is None else decimal(value, digits)


class Links:
    """The drill-down and export addresses of one report."""

    def __init__(self, report: Report, params: dict[str, str], fmt: CsvFormat | None = None) -> None:
        self.base = {
            "from": report.period.first.isoformat(),
            "to": report.period.last.isoformat(),
            **{k: v for k, v in params.items() if k in ("group", "agent") and v},
        }
        self.fmt = fmt

    def page(self, **extra: str) -> str:
        return f"{reverse('web:quality')}?{urlencode({**self.base, **extra})}"

    def drill(self, measure: str, **extra: str) -> str:
        query = {**self.base, **{k: v for k, v in extra.items() if v}, "measure": measure}
        return f"{reverse('web:quality-requests')}?{urlencode(query)}"

    def export(self, kind: str, table: str = "") -> str:
        name = "web:quality-xlsx" if kind == "xlsx" else "web:quality-csv"
        query = {**self.base, **({"table": table} if table else {})}
        if self.fmt is not None:
            query["csv"] = self.fmt.code
        return f"{reverse(name)}?{urlencode(query)}"


def _cell(text: object, url: str | None = None) -> dict[str, str | None]:
    return {"text": str(text), "url": url}


def _figure_cells(row: dict[str, JsonValue], drill: Callable[..., str]) -> list[dict[str, str | None]]:
    """One row of the side-by-side table; every count links to its requests."""
    sla = row["sla"]["overall"]
    return [
        _cell(row["received"], drill("received")),
        _cell(row["resolved"], drill("resolved")),
        _cell(working_time(row["first_reaction"]["median_seconds"]), drill("first_reaction")),
        _cell(working_time(row["resolution"]["median_seconds"]), drill("resolution")),
        _cell(percent_text(sla["compliance_percent"]), drill("breaches")),
        _cell(row["breaches"], drill("breaches")),
        _cell(num(row["satisfaction"]["average"]), drill("answered")),
        _cell(percent_text(row["reopens"]["rate_percent"]), drill("reopened")),
        _cell(f"{row['complaints']['filed']} / {row['complaints']['upheld']}", drill("filed")),
        _cell(row["reassignments"]["total"], drill("reassigned")),
        _cell(row["backlog"]["total"], drill("backlog")),
        _cell(num(row["quality_score"]["score"], 1)),
    ]


SOFT_HYPHEN = "\u00ad"
_VOWELS = frozenset("аеёиоуыэюяaeiouy")
_NOT_STARTING = frozenset("ьъй")  # never at the start of a line's part of a Russian word


def breakable(text: str, *, longer_than: int = 11) -> str:
    """`text` with soft hyphens in its long words, so a narrow column header can break one (shown
    with a hyphen) rather than widen the table: between a vowel and a consonant followed by a vowel
    (Russian hyphenation's safe places: «Удовлетво-рённость», «Переназна-чения»), at least three
    letters from either end. Invisible otherwise: screen readers and searching ignore them."""

    def word(w: str) -> str:
        if len(w) <= longer_than or not w.isalpha():
            return w
        low = w.lower()
        out = []
        for i, ch in enumerate(w):
            if (
                3 <= i <= len(w) - 3
                and low[i - 1] in _VOWELS
                and low[i] not in _VOWELS
                and low[i] not in _NOT_STARTING
                and low[i + 1] in _VOWELS
            ):
                out.append(SOFT_HYPHEN)
            out.append(ch)
        return "".join(out)

    return re.sub(r"\w+", lambda m: word(m.group(0)), text)


def figure_headers() -> list[str]:
    return [
        _("Received"),
        _("Resolved"),
        _("First reaction, median"),
        _("Resolution, median"),
        _("Targets in time"),
        _("Breaches"),
        _("Satisfaction"),
        _("Reopened"),
        _("Complaints (filed / upheld)"),
        _("Reassignments"),
        _("Not closed"),
        _("Quality score"),
    ]


def _headline(f: dict[str, JsonValue], links: Links) -> list[dict[str, JsonValue]]:
    sat = f["satisfaction"]
    return [
        {"label": _("Received"), "value": f["received"], "url": links.drill("received")},
        {"label": _("Resolved"), "value": f["resolved"], "url": links.drill("resolved")},
        {
            "label": _("First reaction, median"),
            "value": working_time(f["first_reaction"]["median_seconds"]),
            "detail": _("90th percentile: %(value)s") % {"value": working_time(f["first_reaction"]["p90_seconds"])},
            "url": links.drill("first_reaction"),
        },
        {
            "label": _("Resolution, median"),
            "value": working_time(f["resolution"]["median_seconds"]),
            "detail": _("90th percentile: %(value)s") % {"value": working_time(f["resolution"]["p90_seconds"])},
            "url": links.drill("resolution"),
        },
        {
            "label": _("Targets in time"),
            "value": percent_text(f["sla"]["overall"]["compliance_percent"]),
            "detail": _("%(met)s met, %(breached)s breached")
            % {"met": f["sla"]["overall"]["met"], "breached": f["sla"]["overall"]["breached"]},
            "url": links.drill("breaches"),
            "tone": "bad" if f["breaches"] else "",
        },
        {
            "label": _("Satisfaction"),
            "value": num(sat["average"]),
            "detail": _("%(answered)s of %(asked)s answered") % {"answered": sat["answered"], "asked": sat["asked"]},
            "url": links.drill("answered"),
        },
        {"label": _("Reopened"), "value": percent_text(f["reopens"]["rate_percent"]), "url": links.drill("reopened")},
        {
            "label": _("Complaints"),
            "value": f["complaints"]["filed"],
            "detail": _("%(count)s upheld") % {"count": f["complaints"]["upheld"]},
            "url": links.drill("filed"),
        },
        {"label": _("Not closed"), "value": f["backlog"]["total"], "url": links.drill("backlog")},
        {"label": _("Quality score"), "value": num(f["quality_score"]["score"], 1)},
    ]


def _chart(chart_id: str, title: str, table: str, draw: Callable[..., str], **kw: Any) -> dict[str, str]:
    """A chart of the page: its SVG (drawn with the id and title it is listed under) and the table
    that gives the same figures."""
    svg = draw(chart_id=chart_id, title=title, description=_("The table below gives the same figures."), **kw)
    return {"id": chart_id, "title": title, "table": table, "svg": _safe_svg(svg)}


def trend_charts(data: dict[str, JsonValue], table: str = "#table-weeks") -> list[dict[str, str]]:
    """The weekly trends of a report's data (requests received and resolved, targets in time), each
    with the address of the table that gives its figures: the report page and the dashboard."""
    weeks = data["weeks"]
    week_labels = [dates.day_month(dt.date.fromisoformat(w["week"])) for w in weeks]  # the Monday
    return [
        _chart(
            "chart-trend",
            _("Requests by week"),
            table,
            line_chart,
            labels=week_labels,
            series=[
                Series(_("Received"), [w["received"] for w in weeks]),
                Series(_("Resolved"), [w["resolved"] for w in weeks]),
            ],
            whole=True,
        ),
        _chart(
            "chart-trend-sla",
            _("Targets in time by week"),
            table,
            line_chart,
            labels=week_labels,
            series=[Series(_("Targets in time"), [w["sla_compliance_percent"] for w in weeks])],
            unit="%",
            maximum=100,
        ),
    ]


def _charts(data: dict[str, JsonValue]) -> list[dict[str, str]]:
    charts = trend_charts(data)
    agents = data["agents"]
    if agents:
        charts.append(
            _chart(
                "chart-agents",
                _("Agents side by side"),
                "#table-agents",
                bar_chart,
                labels=[a["name"] for a in agents],
                series=[
                    Series(_("Targets in time"), [a["sla"]["overall"]["compliance_percent"] for a in agents]),
                    Series(_("Quality score"), [a["quality_score"]["score"] for a in agents]),
                ],
                unit="%",
                maximum=100,
            )
        )
    for key, title, table in (
        ("type", _("Targets in time by type"), "#table-types"),
        ("priority", _("Targets in time by priority"), "#table-priorities"),
    ):
        rows = data[f"by_{key}"]
        if rows:
            charts.append(
                _chart(
                    f"chart-{key}",
                    title,
                    table,
                    bar_chart,
                    labels=[r["name"] for r in rows],
                    series=[
                        Series(_("First reaction"), [r["first_reaction"]["compliance_percent"] for r in rows]),
                        Series(_("Resolution"), [r["resolution"]["compliance_percent"] for r in rows]),
                        Series(_("Next reaction"), [r["next_reaction"]["compliance_percent"] for r in rows]),
                    ],
                    unit="%",
                    maximum=100,
                )
            )
    return charts


def _safe_svg(svg: str) -> SafeString:
    return mark_safe(svg)  # noqa: S308 (charts.py escapes every text it draws)


def _sla_cells(row: dict[str, JsonValue], links: Links, **dims: str) -> list[dict[str, str | None]]:
    cells = []
    for target, met, breached in (
        ("first_reaction", "fr_met", "fr_breached"),
        ("resolution", "res_met", "res_breached"),
        ("next_reaction", "nr_met", "nr_breached"),
    ):
        t = row[target]
        cells.append(_cell(percent_text(t["compliance_percent"])))
        cells.append(_cell(t["met"], links.drill(met, **dims)))
        cells.append(_cell(t["breached"], links.drill(breached, **dims)))
    cells.append(_cell(percent_text(row["overall"]["compliance_percent"]), links.drill("breaches", **dims)))
    return cells


def sla_headers() -> list[str]:
    out = []
    for name in (_("First reaction"), _("Resolution"), _("Next reaction")):
        out += [
            _("%(target)s: in time") % {"target": name},
            pgettext("a column: how many targets", "met"),
            pgettext("a column: how many targets", "breached"),
        ]
    return [*out, _("All targets in time")]


def sla_header_groups() -> list[dict[str, str | int]]:
    """The targets over the short columns of the by-type and by-priority tables."""
    return [
        {"label": _("First reaction"), "span": 3},
        {"label": _("Resolution"), "span": 3},
        {"label": _("Next reaction"), "span": 3},
        {"label": _("All targets"), "span": 1},
    ]


def sla_short_headers() -> list[str]:
    """The columns under each target of sla_header_groups (sla_headers: each said in full)."""
    in_time = pgettext("a column: the share of targets", "in time")
    met = pgettext("a column: how many targets", "met")
    breached = pgettext("a column: how many targets", "breached")
    return [*[in_time, met, breached] * 3, in_time]


def csv_choices(links: Links, fmt: CsvFormat) -> list[dict[str, str | bool]]:
    """The switch between the spreadsheets a CSV is written for (the page's language chooses first)."""
    labels = {
        "ru": _("Russian: semicolons, decimal comma, dates as 31.12.2026"),
        "en": _("English: commas, decimal point, dates as 2026-12-31"),
    }
    return [
        {"code": code, "label": labels[code], "url": links.page(csv=code), "current": code == fmt.code}
        for code in CSV_FORMATS
    ]


def _received_unassigned(report: Report) -> int:
    """The requests received in the period that nobody has been executor of yet: the groups' figure
    counts them, no agent's does (quality.facts: received). None in a person's own report."""
    if report.scope.executor_id is not None:
        return 0
    waiting = report.aggregates.executors.get(None)
    return waiting.received if waiting is not None else 0


def page_context(report: Report, params: dict[str, str], *, fmt: CsvFormat) -> dict[str, Any]:
    data = report.data
    links = Links(report, params, fmt)
    lang = current_language()
    groups = [
        {"name": g["name"], "cells": _figure_cells(g, lambda m, c=g["group"], **kw: links.drill(m, group=c, **kw))}
        for g in data["groups"]
    ]
    agents = [
        {"name": a["name"], "cells": _figure_cells(a, lambda m, u=a["agent"], **kw: links.drill(m, agent=u, **kw))}
        for a in data["agents"]
    ]
    weeks = [
        {
            "name": dates.day(dt.date.fromisoformat(w["week"])),
            "cells": [
                _cell(w["received"], links.drill("received", week=w["week"])),
                _cell(w["resolved"], links.drill("resolved", week=w["week"])),
                _cell(w["breaches"], links.drill("breaches", week=w["week"])),
                _cell(percent_text(w["sla_compliance_percent"])),
                _cell(num(w["satisfaction_average"]), links.drill("answered", week=w["week"])),
            ],
        }
        for w in data["weeks"]
    ]
    f = data["figures"]
    as_of = data.get("facts_as_of")
    return {
        "data": data,
        "facts_as_of": dates.moment(dt.datetime.fromisoformat(as_of), long=True) if as_of else "",
        "period_text": {
            "first": dates.day(report.period.first),
            "last": dates.day(report.period.last),
            "zone": dates.zone(report.period.tz),
        },
        "headline": _headline(f, links),
        "charts": _charts(data),
        "figure_headers": figure_headers(),
        "figure_columns": [breakable(h) for h in figure_headers()],
        "groups": groups,
        "agents": agents,
        "weeks": weeks,
        "week_headers": [_("Received"), _("Resolved"), _("Breaches"), _("Targets in time"), _("Satisfaction")],
        "sla_headers": sla_headers(),
        "sla_groups": sla_header_groups(),
        "sla_short": sla_short_headers(),
        "received_unassigned": _received_unassigned(report),
        "types": [{"name": r["name"], "cells": _sla_cells(r, links, type=r["type"])} for r in data["by_type"]],
        "priorities": [
            {"name": r["name"], "cells": _sla_cells(r, links, priority=r["priority"])} for r in data["by_priority"]
        ],
        "backlog": [
            {
                "label": backlog_label(b.code),
                "value": f["backlog"]["by_age"][b.code],
                "url": links.drill(f"backlog_{b.code}"),
            }
            for b in kpi.BACKLOG_BUCKETS
        ],
        "scores": [
            {"label": str(s), "value": f["satisfaction"]["distribution"][str(s)], "url": links.drill(f"score_{s}")}
            for s in kpi.SCORES
        ],
        "csv_formats": csv_choices(links, fmt),
        "exports": {
            "xlsx": links.export("xlsx"),
            "rows": links.export("csv", "rows"),
            "weeks": links.export("csv", "weeks"),
            "types": links.export("csv", "types"),
            "priorities": links.export("csv", "priorities"),
        },
        "definitions": [{"name": name[lang], "text": text[lang]} for _code, name, text in definitions.KPIS],
        "score_text": definitions.SCORE[lang],
        "weights": [
            {"name": name[lang], "normalised": text[lang], "weight": data["weights"][code]}
            for code, name, text in definitions.COMPONENTS
        ],
    }


# --- the requests behind a figure ------------------------------------------------------------------


def measure_titles() -> dict[str, str]:
    titles = {
        "received": _("Received"),
        "resolved": _("Resolved"),
        "fr_met": _("First reaction in time"),
        "fr_breached": _("First reaction late"),
        "res_met": _("Resolved in time"),
        "res_breached": _("Resolution late"),
        "nr_met": _("Next reaction in time"),
        "nr_breached": _("Next reaction late"),
        "first_resolved": _("First resolved"),
        "reopened": _("Reopened"),
        "reassigned": _("Reassigned"),
        "auto_confirmed": _("Confirmed automatically"),
        "first_reaction": _("Reacted to"),
        "resolution": _("Resolved (with a resolution time)"),
        "breaches": _("With a target missed"),
        "backlog": _("Not closed at the end"),
        "asked": _("Asked to rate"),
        "answered": _("Rated"),
        "filed": _("With a complaint"),
        "upheld": _("With an upheld complaint"),
    }
    for b in kpi.BACKLOG_BUCKETS:
        titles[f"backlog_{b.code}"] = _("Not closed at the end: %(age)s") % {"age": backlog_label(b.code)}
    for s in kpi.SCORES:
        titles[f"score_{s}"] = _("Rated %(score)s") % {"score": s}
    return titles


def _outcome(met: bool | None) -> str:
    return "" if met is None else (_("in time") if met else _("late"))


def requests_context(
    period: Period, scope: Scope, drill: Drill, found: DrillPage, params: dict[str, str], cursor: str | None
) -> dict[str, Any]:
    ref = reference()
    names = people(r["executor_id"] for r in found.rows)
    rows = []
    for r in found.rows:
        executor = names.get(r["executor_id"]) if r["executor_id"] else None
        group = directory().groups.get(r["group_id"])
        rows.append(
            {
                **r,
                "type": localized(ref.types.get(r["type_id"]), "name") if r["type_id"] in ref.types else "",
                "priority": localized(ref.priorities.get(r["priority_id"]), "name")
                if r["priority_id"] in ref.priorities
                else "",
                "group": str(group) if group else "",
                "executor": executor.display_name if executor else "",
                "first_reaction": working_time(r["first_reaction_seconds"]),
                "first_reaction_outcome": _outcome(r["first_reaction_met"]),
                "resolution": working_time(r["resolution_seconds"]),
                "resolution_outcome": _outcome(r["resolution_met"]),
            }
        )
    base = {k: v for k, v in params.items() if v}
    extra = {"measure": drill.measure, "week": drill.week.isoformat() if drill.week else "", "type": drill.type_code}
    extra["priority"] = drill.priority_code
    here = {**base, **{k: v for k, v in extra.items() if v}}
    title = measure_titles().get(drill.measure, drill.measure)
    narrowing = []
    if drill.week:
        narrowing.append(_("week from %(date)s") % {"date": dates.day(drill.week)})
    if drill.type_code:
        narrowing.append(localized(ref.types_by_code[drill.type_code], "name"))
    if drill.priority_code:
        narrowing.append(localized(ref.priorities_by_code[drill.priority_code], "name"))
    url = reverse("web:quality-requests")
    return {
        "title": title,
        "period": period,
        "scope": scope,
        "narrowing": narrowing,
        "rows": rows,
        "back_url": f"{reverse('web:quality')}?{urlencode(base)}",
        "first_url": f"{url}?{urlencode(here)}" if cursor else "",
        "next_url": f"{url}?{urlencode({**here, 'cursor': found.next_cursor})}" if found.next_cursor else "",
    }
