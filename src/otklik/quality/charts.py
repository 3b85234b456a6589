"""Bar and line charts as SVG, rendered on the server. Pure: no Django, no JavaScript.

Every piece of text (title, labels, series names, values) is escaped here, so a group or person
named "<script>" is drawn as those characters. Each chart is an image with a title and a
description (role="img", aria-labelledby); the page puts the table of the same figures next to it
as its text alternative. Missing values (None: nothing to measure) are gaps, never zeros.

The series differ by more than colour (WCAG 1.4.1): each bar series has its own fill pattern
(solid, stripes, dots, cross-hatch, bands) and each line its own dashes and point marker (circle,
square, triangle, diamond, cross); the legend shows the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#dc2626")
HEIGHT = 240
TOP, BOTTOM, LEFT, RIGHT = 16, 56, 48, 12
LABEL_CHARS = 14
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2")


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


def _frame(chart_id: str, title: str, description: str, width: int, body: list[str], defs: str = "") -> str:
    cid = escape(chart_id, quote=True)
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
            f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {HEIGHT}" '
            f'width="{width}" height="{HEIGHT}" font-family="sans-serif" font-size="11">',
            f'<title id="{cid}-title">{escape(title)}</title>',
            f'<desc id="{cid}-desc">{escape(description)}</desc>',
            f"<defs>{defs}</defs>" if defs else "",
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


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _pattern_id(chart_id: str, i: int) -> str:
    return escape(f"{chart_id}-fill-{i % len(PALETTE)}", quote=True)


def _patterns(chart_id: str, count: int) -> str:
    """A fill per bar series: the first solid, the others its colour with white stripes, dots,
    cross-hatch or bands, so that bars can be told apart without seeing colours."""
    marks = (
        "",
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/>',
        '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',
        '<path d="M0 3H6M3 0V6" stroke="#fff" stroke-width="1.2"/>',
        '<line x1="0" y1="1.5" x2="6" y2="1.5" stroke="#fff" stroke-width="1.5"/>',
    )
    parts = []
    for i in range(1, min(count, len(PALETTE))):
        turn = ' patternTransform="rotate(45)"' if i == 1 else ""
        parts.append(
            f'<pattern id="{_pattern_id(chart_id, i)}" width="6" height="6" patternUnits="userSpaceOnUse"{turn}>'
            f'<rect width="6" height="6" fill="{_colour(i)}"/>{marks[i]}</pattern>'
        )
    return "".join(parts)


def _fill(chart_id: str, i: int) -> str:
    return _colour(i) if i % len(PALETTE) == 0 else f"url(#{_pattern_id(chart_id, i)})"


def _marker(i: int, x: float, y: float, inner: str = "") -> str:
    """The point marker of line series `i` at (x, y): circle, square, triangle, diamond, cross."""
    colour, kind = _colour(i), i % len(PALETTE)
    if kind == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">{inner}</circle>'
    if kind == 1:
        d = f"M{x - 3.5:.1f} {y - 3.5:.1f}h7v7h-7z"
    elif kind == 2:
        d = f"M{x:.1f} {y - 4.5:.1f}l4.5 8h-9z"
    elif kind == 3:
        d = f"M{x:.1f} {y - 5:.1f}l5 5l-5 5l-5 -5z"
    else:
        d = f"M{x - 4:.1f} {y - 4:.1f}l8 8m0 -8l-8 8"
        return f'<path d="{d}" stroke="{colour}" stroke-width="2.5" fill="none">{inner}</path>'
    return f'<path d="{d}" fill="{colour}">{inner}</path>'


def _legend(series: Sequence[Series], width: int, swatch: Callable[[int, float, float], str]) -> list[str]:
    """The series' swatches and names under the plot, on a second line when the first is full; in a
    group of its own, apart from the figures."""
    parts, x, y = ['<g class="legend">'], LEFT, HEIGHT - 22
    for i, s in enumerate(series):
        room = 34 + 6 * len(s.name)
        if x + room > width and x > LEFT:
            x, y = LEFT, y + 16
        parts.append(swatch(i, x, y))
        parts.append(f'<text x="{x + 24}" y="{y}" fill="#18181b">{escape(s.name)}</text>')
        x += room
    parts.append("</g>")
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
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="12" height="{h:.1f}" fill="{_fill(chart_id, i)}"'
                f' stroke="{_colour(i)}"><title>{tip}</title></rect>'
            )
        centre = x0 + max(1, len(series)) * 7
        body.append(
            f'<text x="{centre:.1f}" y="{base + 14}" text-anchor="middle" fill="#18181b">'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
        )
    body += _legend(
        series,
        width,
        lambda i, x, y: (
            f'<rect x="{x + 4}" y="{y - 10}" width="12" height="12" fill="{_fill(chart_id, i)}" stroke="{_colour(i)}"/>'
        ),
    )
    return _frame(chart_id, title, description, width, body, _patterns(chart_id, len(series)))


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
        colour, dashes = _colour(n), DASHES[n % len(DASHES)]
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
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
                body.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
                )
        for i, value in enumerate(s.values):
            if value is None:
                continue
            tip = escape(f"{labels[i]} — {s.name}: {_number(value)}{unit}")
            body.append(_marker(n, x_of(i), base - max(value, 0.0) * scale, f"<title>{tip}</title>"))

    def swatch(i: int, x: float, y: float) -> str:
        dashes = DASHES[i % len(DASHES)]
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        line = f'<line x1="{x}" y1="{y - 4}" x2="{x + 20}" y2="{y - 4}" stroke="{_colour(i)}" stroke-width="2"{dash}/>'
        return line + _marker(i, x + 10, y - 4)

    body += _legend(series, width, swatch)
    return _frame(chart_id, title, description, width, body)
