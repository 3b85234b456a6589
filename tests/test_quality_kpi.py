"""The pure KPI maths (otklik.quality.kpi): hand-checked examples and hypothesis properties, and the
percentile agreeing with PostgreSQL's percentile_cont on the same values."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.quality import kpi

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
values_st = st.lists(finite, min_size=1, max_size=60)
p_st = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


# --- percentiles ------------------------------------------------------------------------------


def test_percentile_by_hand():
    assert kpi.percentile([10, 20, 30, 40], 0.5) == 25.0  # between the 2nd and 3rd
    assert kpi.percentile([10, 20, 30, 40], 0.9) == pytest.approx(37.0)  # 0.9·3 = 2.7 → 30 + 0.7·10
    assert kpi.percentile([40, 10, 30, 20], 0.0) == 10.0
    assert kpi.percentile([40, 10, 30, 20], 1.0) == 40.0
    assert kpi.percentile([7], 0.9) == 7.0
    assert kpi.median([3, 1, 2]) == 2.0
    assert kpi.median([]) is None
    assert kpi.percentile([], 0.9) is None


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_percentile_refuses_p_outside_0_1(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        kpi.percentile([1, 2], p)


@given(values_st, p_st)
def test_percentile_bounded_by_min_and_max(values, p):
    got = kpi.percentile(values, p)
    assert min(values) <= got <= max(values) or math.isclose(got, min(values)) or math.isclose(got, max(values))


@given(values_st, p_st, p_st)
def test_percentile_monotone_in_p(values, p, q):
    low, high = sorted((p, q))
    a, b = kpi.percentile(values, low), kpi.percentile(values, high)
    assert a <= b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


@given(values_st, p_st)
def test_percentile_ignores_order(values, p):
    assert kpi.percentile(values, p) == kpi.percentile(list(reversed(values)), p)


@given(values_st)
def test_median_agrees_with_the_statistics_module(values):
    assert kpi.median(values) == pytest.approx(statistics.median(values), rel=1e-9, abs=1e-6)


@given(values_st, p_st, finite)
def test_percentile_shifts_with_the_values(values, p, shift):
    shifted = kpi.percentile([v + shift for v in values], p)
    assert shifted == pytest.approx(kpi.percentile(values, p) + shift, rel=1e-6, abs=1e-3)


# --- rates, compliance, scores ---------------------------------------------------------------------


def test_rates_and_their_empty_input():
    assert kpi.rate(1, 4) == 0.25
    assert kpi.percent(1, 4) == 25.0
    assert kpi.rate(0, 0) is None
    assert kpi.compliance(3, 1) == 75.0
    assert kpi.compliance(0, 0) is None
    assert kpi.compliance(0, 2) == 0.0
    with pytest.raises(ValueError):
        kpi.rate(5, 4)
    with pytest.raises(ValueError):
        kpi.compliance(-1, 2)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_compliance_is_a_percentage_of_settled_targets(met, breached):
    got = kpi.compliance(met, breached)
    if met + breached == 0:
        assert got is None
    else:
        assert 0.0 <= got <= 100.0
        assert got == pytest.approx(100.0 * met / (met + breached))
        assert kpi.compliance(breached, met) == pytest.approx(100.0 - got)


def test_score_average():
    assert kpi.score_average({5: 2, 1: 1, 3: 0}) == pytest.approx(11 / 3)
    assert kpi.score_average({}) is None
    assert kpi.score_average({4: 0}) is None
    with pytest.raises(ValueError, match="1 to 5"):
        kpi.score_average({6: 1})


@given(st.dictionaries(st.sampled_from(kpi.SCORES), st.integers(0, 1000)))
def test_score_average_stays_within_the_scale(distribution):
    got = kpi.score_average(distribution)
    if not sum(distribution.values()):
        assert got is None
    else:
        given_scores = [s for s, n in distribution.items() if n]
        assert min(given_scores) - 1e-9 <= got <= max(given_scores) + 1e-9


# --- backlog buckets and weeks ---------------------------------------------------------------------


def test_backlog_buckets_by_hand():
    at = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    created = [
        at - dt.timedelta(hours=23),  # < 1 day
        at - dt.timedelta(days=1),  # exactly a day: 1–3
        at - dt.timedelta(days=2, hours=23),  # 1–3
        at - dt.timedelta(days=3),  # 3–7
        at - dt.timedelta(days=29),  # 7–30
        at - dt.timedelta(days=30),  # 30+
        at - dt.timedelta(days=400),  # 30+
    ]
    assert kpi.backlog_by_age(created, at) == {"lt_1d": 1, "1_3d": 2, "3_7d": 1, "7_30d": 1, "ge_30d": 2}
    with pytest.raises(ValueError, match="negative"):
        kpi.backlog_bucket(dt.timedelta(seconds=-1))


@given(st.lists(st.integers(0, 10**8), max_size=50))
def test_every_open_request_falls_in_exactly_one_bucket(ages):
    at = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    counts = kpi.backlog_by_age([at - dt.timedelta(seconds=a) for a in ages], at)
    assert sum(counts.values()) == len(ages)
    for a in ages:
        assert sum(b.holds(dt.timedelta(seconds=a)) for b in kpi.BACKLOG_BUCKETS) == 1


def test_weeks_cover_the_days():
    assert kpi.week_start(dt.date(2026, 3, 1)) == dt.date(2026, 2, 23)  # a Sunday
    assert kpi.weeks(dt.date(2026, 3, 1), dt.date(2026, 3, 9)) == [
        dt.date(2026, 2, 23),
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 9),
    ]
    assert kpi.weeks(dt.date(2026, 3, 9), dt.date(2026, 3, 1)) == []


@given(st.dates(dt.date(2000, 1, 1), dt.date(2090, 1, 1)), st.integers(0, 800))
def test_weeks_are_consecutive_mondays_holding_every_day(first, span):
    last = first + dt.timedelta(days=span)
    mondays = kpi.weeks(first, last)
    assert all(m.weekday() == 0 for m in mondays)
    assert all(b - a == dt.timedelta(days=7) for a, b in itertools.pairwise(mondays))
    assert mondays[0] <= first < mondays[0] + dt.timedelta(days=7)
    assert mondays[-1] <= last < mondays[-1] + dt.timedelta(days=7)


# --- the composite score ---------------------------------------------------------------------------


def test_quality_score_by_hand():
    weights = kpi.Weights(sla=40, satisfaction=30, reopens=15, complaints=15)
    c = kpi.Components.from_counts(met=3, breached=1, score_avg=4.0, first_resolved=4, reopened=1, resolved=4, upheld=0)
    assert c.as_dict() == {"sla": 0.75, "satisfaction": 0.75, "reopens": 0.75, "complaints": 1.0}
    # (40·0.75 + 30·0.75 + 15·0.75 + 15·1) / 100
    assert kpi.quality_score(c, weights) == pytest.approx(78.75)


def test_components_without_data_are_left_out_and_the_weights_renormalised():
    weights = kpi.Weights(sla=40, satisfaction=30, reopens=15, complaints=15)
    # Nothing rated, nothing resolved: only the SLA component has data.
    c = kpi.Components.from_counts(
        met=1, breached=1, score_avg=None, first_resolved=0, reopened=0, resolved=0, upheld=0
    )
    assert c.as_dict() == {"sla": 0.5, "satisfaction": None, "reopens": None, "complaints": None}
    assert kpi.quality_score(c, weights) == pytest.approx(50.0)
    assert kpi.quality_score(kpi.Components(), weights) is None
    # A component with weight 0 is left out too.
    only_sat = kpi.Weights(sla=0, satisfaction=1, reopens=0, complaints=0)
    assert kpi.quality_score(c, only_sat) is None


def test_weights_are_validated():
    with pytest.raises(ValueError, match="above zero"):
        kpi.Weights(0, 0, 0, 0)
    with pytest.raises(ValueError, match="whole number"):
        kpi.Weights(sla=-1)
    with pytest.raises(ValueError, match="between 1 and 5"):
        kpi.Components.from_counts(met=0, breached=0, score_avg=6, first_resolved=0, reopened=0, resolved=0, upheld=0)


unit = st.one_of(st.none(), st.floats(0.0, 1.0, allow_nan=False))


@st.composite
def weights_strategy(draw):
    values = draw(st.lists(st.integers(0, 100), min_size=4, max_size=4).filter(any))
    return kpi.Weights(*values)


@given(st.builds(kpi.Components, sla=unit, satisfaction=unit, reopens=unit, complaints=unit), weights_strategy())
def test_score_is_bounded_by_its_components(components, weights):
    got = kpi.quality_score(components, weights)
    used = [v for name, v in components.as_dict().items() if v is not None and getattr(weights, name)]
    if not used:
        assert got is None
    else:
        assert 100 * min(used) - 1e-6 <= got <= 100 * max(used) + 1e-6


@given(st.builds(kpi.Components, sla=unit, satisfaction=unit, reopens=unit, complaints=unit), weights_strategy())
@settings(max_examples=50)
def test_scaling_every_weight_changes_nothing(components, weights):
    doubled = kpi.Weights(*(2 * v for v in weights.as_dict().values()))
    a, b = kpi.quality_score(components, weights), kpi.quality_score(components, doubled)
    assert (a is None and b is None) or a == pytest.approx(b)


@given(st.floats(0.0, 1.0, allow_nan=False), st.floats(0.0, 1.0, allow_nan=False), weights_strategy())
def test_a_better_component_never_lowers_the_score(worse, better, weights):
    low, high = sorted((worse, better))
    a = kpi.quality_score(kpi.Components(sla=low, satisfaction=0.5), weights)
    b = kpi.quality_score(kpi.Components(sla=high, satisfaction=0.5), weights)
    assert (a is None and b is None) or a <= b + 1e-9


# --- agreement with PostgreSQL ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=40), st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 0.99, 1.0]))
@settings(max_examples=40, deadline=None)
def test_percentile_agrees_with_postgresql_percentile_cont(values, p):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY v) FROM unnest(%s::float8[]) AS t(v)",
            [p, [float(v) for v in values]],
        )
        expected = cur.fetchone()[0]
    assert kpi.percentile(values, p) == pytest.approx(expected, rel=1e-12, abs=1e-9)
