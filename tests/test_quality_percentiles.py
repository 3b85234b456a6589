"""The median and 90th percentile are percentile_cont (linear interpolation between the closest
ranks) on SQLite and PostgreSQL alike: the same keys (everyone, each group, each executor, nobody
included) and the very same values, each measure by its own attribution columns; checked against
a hand-worked case, and on PostgreSQL the SQL against the Python computation over the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from otklik.accounts.models import SupportGroup
from otklik.quality import queries
from otklik.quality.models import Fact
from otklik.quality.period import Period
from otklik.quality.queries import TOTAL, Aggregates, Spread, aggregate
from otklik.quality.refresh import facts_refresh_all
from otklik.quality.scope import Scope
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error

from .quality_month import MSK

pytestmark = pytest.mark.django_db
MAY = Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31), "Europe/Moscow")
IN_MAY = dt.datetime(2026, 5, 12, 12, tzinfo=MSK)


@pytest.fixture
def rows(personas, settings):
    """Seven requests whose facts carry the hand-made times below (written over their rebuilt rows;
    the report is then read without refreshing)."""
    set_now(settings, dt.datetime(2026, 5, 1, 9, tzinfo=MSK))
    tickets = [file_error(personas.initiator, subject=f"R{i}") for i in range(7)]
    facts_refresh_all()
    first, second = (SupportGroup.objects.get(code=c).pk for c in ("first-line", "second-line"))
    a, b = personas.agent.pk, personas.agent2.pk
    Fact.objects.update(first_reaction_seconds=None, resolution_seconds=None)
    # (first-reaction seconds, its group and executor; resolution seconds, its group and executor)
    table = [
        (100, first, a, 5000, second, b),
        (200, first, a, None, None, None),
        (300, first, a, None, None, None),
        (400, first, a, None, None, None),
        (1000, first, None, 6000, second, b),
        (7, second, b, 9000, first, a),
        (50_000, first, a, None, None, None),  # reacted to in April: outside May
    ]
    for t, (fr, fg, fe, res, rg, re) in zip(tickets, table, strict=True):
        values = {
            "first_reaction_at": IN_MAY if fr != 50_000 else IN_MAY - dt.timedelta(days=30),
            "first_reaction_seconds": fr,
            "reaction_group_id": fg,
            "reaction_executor_id": fe,
        }
        if res is not None:
            values |= {"resolved_at": IN_MAY, "resolution_seconds": res}
            values |= {"resolution_group_id": rg, "resolution_executor_id": re}
        Fact.objects.filter(pk=t.pk).update(**values)
    return {"first": first, "second": second, "a": a, "b": b}


def spreads(scope: Scope) -> Aggregates:
    return aggregate(scope, MAY, moment=dt.datetime(2026, 6, 1, tzinfo=MSK))


def test_the_hand_worked_case(rows):
    first, second, a, b = rows["first"], rows["second"], rows["a"], rows["b"]
    agg = spreads(Scope())
    # Everyone's first reactions in May, sorted: 7, 100, 200, 300, 400, 1000 (n = 6).
    # Median at p·(n−1) = 2.5: 200 + 0.5 × (300 − 200) = 250; 90th at 4.5: 400 + 0.5 × 600 = 700.
    assert agg.first_reaction[TOTAL] == Spread(6, 250.0, 700.0)
    # The first line: 100, 200, 300, 400, 1000 (n = 5): median at 2 → 300; 90th at 3.6 → 400 + 0.6 × 600.
    assert agg.first_reaction["group", first] == Spread(5, 300.0, pytest.approx(760.0))
    assert agg.first_reaction["group", second] == Spread(1, 7.0, 7.0)
    # Alexei: 100, 200, 300, 400 (April's 50,000 left out): median at 1.5 → 250; 90th at 2.7 → 370.
    assert agg.first_reaction["executor", a] == Spread(4, 250.0, pytest.approx(370.0))
    assert agg.first_reaction["executor", None] == Spread(1, 1000.0, 1000.0)  # nobody's: a key too
    assert set(agg.first_reaction) == {
        TOTAL,
        ("group", first),
        ("group", second),
        ("executor", a),
        ("executor", b),
        ("executor", None),
    }
    # Resolutions by their own columns: Olga's 5000 and 6000 in the second line, Alexei's 9000.
    assert agg.resolution[TOTAL] == Spread(3, 6000.0, pytest.approx(8400.0))  # 6000 + 0.8 × 3000
    assert agg.resolution["executor", b] == Spread(2, 5500.0, pytest.approx(5900.0))  # 5000 + 0.9 × 1000
    assert agg.resolution["group", first] == Spread(1, 9000.0, 9000.0)
    assert set(agg.resolution) == {TOTAL, ("group", first), ("group", second), ("executor", a), ("executor", b)}


@pytest.mark.parametrize("scope_of", ["everyone", "first", "alexei", "first+alexei", "second", "nobody-group"])
def test_the_keys_and_values_are_the_same_whatever_the_scope(rows, scope_of):
    first, second, a = rows["first"], rows["second"], rows["a"]
    scope = {
        "everyone": Scope(),
        "first": Scope(group_ids=frozenset({first})),
        "alexei": Scope(executor_id=a),
        "first+alexei": Scope(group_ids=frozenset({first}), executor_id=a),
        "second": Scope(group_ids=frozenset({second})),
        "nobody-group": Scope(group_ids=frozenset({first, second})),
    }[scope_of]
    agg = spreads(scope)
    python = Aggregates()
    queries._spreads_python(python, scope, MAY)
    # On SQLite aggregate() is the Python computation itself; on PostgreSQL it is the SQL: equal to
    # the float, key for key.
    assert agg.first_reaction == python.first_reaction
    assert agg.resolution == python.resolution
    if scope_of == "alexei":
        # His own: 100–400 reacted, 9000 resolved (in the first line).
        assert python.first_reaction[TOTAL] == Spread(4, 250.0, pytest.approx(370.0))
        assert python.resolution == {
            TOTAL: Spread(1, 9000.0, 9000.0),
            ("group", first): Spread(1, 9000.0, 9000.0),
            ("executor", a): Spread(1, 9000.0, 9000.0),
        }
    if scope_of == "first":
        assert python.first_reaction["executor", None] == Spread(1, 1000.0, 1000.0)


@pytest.mark.postgres
def test_awkward_positions_give_the_same_float_in_sql_and_python(rows):
    # Many values whose positions p·(n−1) are not exact in binary: the SQL and kpi.percentile agree
    # to the last bit, not just after rounding.
    values = [3, 17, 29, 101, 333, 1001, 4099, 65537, 99991]
    Fact.objects.update(first_reaction_seconds=None, resolution_seconds=None)
    facts = list(Fact.objects.order_by("pk")[: len(values)])
    for fact, v in zip(facts, values, strict=False):
        Fact.objects.filter(pk=fact.pk).update(first_reaction_at=IN_MAY, first_reaction_seconds=v)
    assert connection.vendor == "postgresql"
    sql = spreads(Scope())
    python = Aggregates()
    queries._spreads_python(python, Scope(), MAY)
    assert sql.first_reaction[TOTAL] == python.first_reaction[TOTAL]
    assert sql.first_reaction[TOTAL].count == len(facts)
