"""Bar and line charts as SVG, rendered on the server. Pure: no Django, no JavaScript.

Every piece of text (title, labels, series names, values) is escaped here, so a group or person
named "<script>" is drawn as those characters. Each chart is an image with a title and a
description (role="img", aria-labelledby); the page puts the table of the same figures next to it
as its text alternative. Missing values (None: nothing to measure) are gaps, never zeros.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#dc2626")
HEIGHT = 240
TOP, BOTTOM, LEFT, RIGHT = 16, 56, 48, 12
LABEL_CHARS = 14


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def nice_ticks(top: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """Round tick values from 0 covering `top`: steps of 1, 2 or 5 × 10ⁿ (at least 1 when the values
    are counts: `whole`)."""
    if top <= 0 or math.isnan(top) or math.isinf(top):
        return [0.0, 1.0]
    rough = max(top / count, 1e-9)  # a subnormal top would underflow to 0
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    if whole:
        step = max(step, 1.0)
    count = max(1, math.ceil(top / step - 1e-9))
    return [i * step for i in range(count + 1)]


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _frame(chart_id: str, title: str, description: str, width: int, body: list[str]) -> str:
    cid = escape(chart_id, quote=True)
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
            f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {HEIGHT}" '
            f'width="{width}" height="{HEIGHT}" font-family="sans-serif" font-size="11">',
            f'<title id="{cid}-title">{escape(title)}</title>',
            f'<desc id="{cid}-desc">{escape(description)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _axes(width: int, ticks: list[float], unit: str) -> tuple[list[str], float]:
    """Grid lines with their values; returns the parts and the scale (pixels per unit)."""
    plot_h = HEIGHT - TOP - BOTTOM
    scale = plot_h / ticks[-1] if ticks[-1] else 0.0
    parts = []
    for tick in ticks:
        y = HEIGHT - BOTTOM - tick * scale
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="#d4d4d8"/>')
        text = escape(_number(tick) + unit)
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#52525b">{text}</text>')
    return parts, scale


def _legend(series: Sequence[Series], width: int) -> list[str]:
    """The series' colours and names under the plot, on a second line when the first is full."""
    parts, x, y = [], LEFT, HEIGHT - 22
    for i, s in enumerate(series):
        room = 24 + 6 * len(s.name)
        if x + room > width and x > LEFT:
            x, y = LEFT, y + 16
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}" fill="#18181b">{escape(s.name)}</text>')
        x += room
    return parts


def _top(series: Sequence[Series], maximum: float | None) -> float:
    found = [v for s in series for v in s.values if v is not None]
    return maximum if maximum is not None else max(found, default=0.0)


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(labels)} labels")


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    maximum: float | None = None,
    whole: bool = False,
) -> str:
    """Grouped vertical bars: one group per label, one bar per series."""
    _check(labels, series)
    per_group = max(max(1, len(series)) * 14 + 18, 8 * LABEL_CHARS)  # room for the label
    width = max(320, LEFT + RIGHT + per_group * max(1, len(labels)))
    ticks = nice_ticks(_top(series, maximum), whole=whole)
    body, scale = _axes(width, ticks, unit)
    base = HEIGHT - BOTTOM
    for g, label in enumerate(labels):
        x0 = LEFT + g * per_group + (per_group - max(1, len(series)) * 14) / 2
        for i, s in enumerate(series):
            value = s.values[g]
            if value is None:
                continue
            h = max(value, 0.0) * scale
            x = x0 + i * 14
            tip = escape(f"{label} — {s.name}: {_number(value)}{unit}")
            body.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="12" height="{h:.1f}" fill="{PALETTE[i % len(PALETTE)]}">'
                f"<title>{tip}</title></rect>"
            )
        centre = x0 + max(1, len(series)) * 7
        body.append(
            f'<text x="{centre:.1f}" y="{base + 14}" text-anchor="middle" fill="#18181b">'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
        )
    body += _legend(series, width)
    return _frame(chart_id, title, description, width, body)


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    maximum: float | None = None,
    whole: bool = False,
) -> str:
    """Lines over the labels (weeks); a missing value breaks the line."""
    _check(labels, series)
    step = 48
    width = max(320, LEFT + RIGHT + step * max(1, len(labels)))
    ticks = nice_ticks(_top(series, maximum), whole=whole)
    body, scale = _axes(width, ticks, unit)
    base = HEIGHT - BOTTOM

    def x_of(i: int) -> float:
        return LEFT + step / 2 + i * step

    for i, label in enumerate(labels):
        body.append(
            f'<text x="{x_of(i):.1f}" y="{base + 14}" text-anchor="middle" fill="#18181b">'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
        )
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, value in enumerate(s.values):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x_of(i):.1f},{base - max(value, 0.0) * scale:.1f}")
        if segment:
            segments.append(segment)
        for points in segments:
            if len(points) > 1:
                body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, value in enumerate(s.values):
            if value is None:
                continue
            tip = escape(f"{labels[i]} — {s.name}: {_number(value)}{unit}")
            body.append(
                f'<circle cx="{x_of(i):.1f}" cy="{base - max(value, 0.0) * scale:.1f}" r="3" fill="{colour}">'
                f"<title>{tip}</title></circle>"
            )
    body += _legend(series, width)
    return _frame(chart_id, title, description, width, body)
