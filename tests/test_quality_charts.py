"""The server-rendered SVG charts (otklik.quality.charts): well-formed images with a title and a
description, every label escaped, bars and points where the values say, gaps for missing values."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otklik.quality.charts import HEIGHT, Series, bar_chart, line_chart, nice_ticks

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_a_bar_chart_is_an_image_with_its_title_and_bars_to_scale():
    svg = bar_chart(
        chart_id="agents",
        title="SLA compliance by agent",
        description="The table below gives the same figures.",
        labels=["Alexei", "Sergei"],
        series=[Series("Compliance", [50.0, 100.0]), Series("Score", [None, 25.0])],
        unit="%",
        maximum=100,
    )
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "agents-title agents-desc"
    assert root.find("s:title", NS).text == "SLA compliance by agent"
    assert root.find("s:desc", NS).text == "The table below gives the same figures."
    bars = root.findall("s:rect[s:title]", NS)
    assert [b.find("s:title", NS).text for b in bars] == [
        "Alexei — Compliance: 50%",
        "Sergei — Compliance: 100%",
        "Sergei — Score: 25%",
    ]  # no bar for the missing score
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] == pytest.approx(2 * heights[0])
    assert heights[1] == pytest.approx(HEIGHT - 16 - 56)  # 100 % fills the plot


def test_labels_and_names_are_escaped():
    evil = '<script>alert("x")</script>'
    svg = bar_chart(
        chart_id='x" onload="alert(1)',
        title=evil,
        description=evil,
        labels=[evil],
        series=[Series(evil, [1.0])],
    )
    assert "<script>" not in svg
    assert 'onload="' not in svg
    root = parse(svg)  # still well-formed
    assert root.find("s:title", NS).text == evil
    line = line_chart(chart_id="l", title=evil, description="d", labels=[evil, "b"], series=[Series(evil, [1, 2])])
    assert "<script>" not in line
    parse(line)


def test_a_line_breaks_where_a_value_is_missing():
    svg = line_chart(
        chart_id="trend",
        title="Compliance by week",
        description="d",
        labels=["W1", "W2", "W3", "W4", "W5"],
        series=[Series("Compliance", [100.0, 50.0, None, 0.0, 25.0])],
        unit="%",
        maximum=100,
    )
    root = parse(svg)
    lines = root.findall("s:polyline", NS)
    assert [len(p.get("points").split()) for p in lines] == [2, 2]
    points = root.findall("s:circle", NS)
    assert len(points) == 4
    assert points[2].find("s:title", NS).text == "W4 — Compliance: 0%"


def test_mismatched_series_are_refused():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        bar_chart(chart_id="c", title="t", description="d", labels=["a", "b", "c"], series=[Series("s", [1, 2])])


def test_nice_ticks():
    assert nice_ticks(100) == [0, 50, 100]
    assert nice_ticks(101) == [0, 50, 100, 150]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(0) == [0.0, 1.0]


@given(st.floats(min_value=0.001, max_value=1e9, allow_nan=False))
def test_ticks_start_at_zero_rise_evenly_and_cover_the_top(top):
    ticks = nice_ticks(top)
    assert ticks[0] == 0 and ticks[-1] >= top - 1e-9
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    assert len(ticks) <= 6


@given(st.lists(st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)), min_size=1, max_size=30))
def test_any_values_make_a_well_formed_chart(values):
    labels = [f"L{i}" for i in range(len(values))]
    for draw in (bar_chart, line_chart):
        root = parse(draw(chart_id="c", title="t", description="d", labels=labels, series=[Series("s", values)]))
        assert root.get("role") == "img"


def test_the_series_differ_by_more_than_colour():
    """WCAG 1.4.1: bars by fill pattern, lines by dashes and marker shape, the legend alike."""
    names = ["First", "Second", "Third"]
    bars = parse(
        bar_chart(
            chart_id="b",
            title="t",
            description="d",
            labels=["x"],
            series=[Series(n, [float(i + 1)]) for i, n in enumerate(names)],
        )
    )
    fills = [r.get("fill") for r in bars.findall("s:rect[s:title]", NS)]
    assert fills[0].startswith("#") and fills[1:] == ["url(#b-fill-1)", "url(#b-fill-2)"]
    assert {p.get("id") for p in bars.findall("s:defs/s:pattern", NS)} == {"b-fill-1", "b-fill-2"}
    assert [r.get("fill") for r in bars.findall("s:g/s:rect", NS)] == fills  # the legend's swatches
    lines = parse(
        line_chart(
            chart_id="l",
            title="t",
            description="d",
            labels=["W1", "W2"],
            series=[Series(n, [1.0, 2.0]) for n in names],
        )
    )
    assert [p.get("stroke-dasharray") for p in lines.findall("s:polyline", NS)] == [None, "6 3", "2 3"]
    assert len(lines.findall("s:circle[s:title]", NS)) == 2  # the first series' points only
    second, third = (m.get("d") for m in lines.findall("s:path[s:title]", NS)[::2])
    assert "h7v7" in second and "l4.5 8" in third  # a square and a triangle
    legend = lines.find("s:g", NS)
    assert [t.text for t in legend.findall("s:text", NS)] == names
    assert [x.get("stroke-dasharray") for x in legend.findall("s:line", NS)] == [None, "6 3", "2 3"]
