"""The maths of the quality KPIs, pure: no Django, so it is tested (with hypothesis) and benchmarked
alone, and the SQLite path of the report computes with it what PostgreSQL computes in SQL.

Empty-input rules, everywhere: a figure with nothing to measure is None ("no data"), never 0 —
a group that resolved nothing has no resolution time and no compliance, not a perfect or a zero
one. The report shows None as a dash and the quality score leaves such components out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# --- order statistics -----------------------------------------------------------------------------


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-quantile (0 ≤ p ≤ 1) by linear interpolation between the closest ranks: PostgreSQL's
    percentile_cont, with its arithmetic (orderedsetaggs.c), so SQLite's report gives the same float as
    PostgreSQL's: with the n values sorted as v[0] ≤ … ≤ v[n-1], the position is p·(n−1); between the
    ranks below and above it the value is v[below] + (position − below)·(v[above] − v[below]). None
    when there are no values."""
    if not 0.0 <= p <= 1.0 or math.isnan(p):
        raise ValueError(f"a percentile is between 0 and 1, not {p!r}")
    ordered = sorted(values)
    if not ordered:
        return None
    position = p * (len(ordered) - 1)
    below = math.floor(position)
    above = math.ceil(position)
    low, high = ordered[below], ordered[above]
    if below == above or low == high:
        return float(low)
    return float(low + (high - low) * (position - below))


def median(values: Iterable[float]) -> float | None:
    """percentile(values, 0.5): the middle value, or the mean of the two middle ones."""
    return percentile(values, 0.5)


# --- rates --------------------------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    """part / whole as a fraction 0..1; None when the whole is 0 (nothing to measure). A part that is
    negative or larger than its whole is a bug in the caller's counting, refused loudly."""
    if part < 0 or whole < 0 or part > whole:
        raise ValueError(f"a rate needs 0 <= part <= whole, not {part}/{whole}")
    return part / whole if whole else None


def percent(part: int, whole: int) -> float | None:
    """rate() in per cent (0..100)."""
    value = rate(part, whole)
    return None if value is None else 100.0 * value


def compliance(met: int, breached: int) -> float | None:
    """SLA compliance in per cent: targets met among the targets settled (met or breached); None when
    no target was settled."""
    if met < 0 or breached < 0:
        raise ValueError(f"counts cannot be negative: met={met}, breached={breached}")
    return percent(met, met + breached)


SCORES = (1, 2, 3, 4, 5)


def score_average(distribution: Mapping[int, int]) -> float | None:
    """The mean satisfaction score from a distribution {score: count} over 1..5; None without answers."""
    unknown = set(distribution) - set(SCORES)
    if unknown:
        raise ValueError(f"scores are 1 to 5, not {sorted(unknown)}")
    if any(n < 0 for n in distribution.values()):
        raise ValueError("a count of answers cannot be negative")
    answers = sum(distribution.values())
    if not answers:
        return None
    return sum(score * n for score, n in distribution.items()) / answers


# --- backlog by age -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """Ages from `lower` (inclusive) to `upper` (exclusive; None: no upper bound), in calendar time."""

    code: str
    lower: dt.timedelta
    upper: dt.timedelta | None

    def holds(self, age: dt.timedelta) -> bool:
        return age >= self.lower and (self.upper is None or age < self.upper)


DAY = dt.timedelta(days=1)
BACKLOG_BUCKETS: tuple[Bucket, ...] = (
    Bucket("lt_1d", dt.timedelta(0), DAY),
    Bucket("1_3d", DAY, 3 * DAY),
    Bucket("3_7d", 3 * DAY, 7 * DAY),
    Bucket("7_30d", 7 * DAY, 30 * DAY),
    Bucket("ge_30d", 30 * DAY, None),
)


def backlog_bucket(age: dt.timedelta) -> str:
    """The code of the age bucket (a negative age, a request filed after the instant, is refused)."""
    if age < dt.timedelta(0):
        raise ValueError(f"an age cannot be negative: {age}")
    return next(b.code for b in BACKLOG_BUCKETS if b.holds(age))


def backlog_by_age(created: Iterable[dt.datetime], at: dt.datetime) -> dict[str, int]:
    """How many of the requests filed at `created` instants fall in each bucket of age at `at`
    (every bucket present, zeros included). The caller passes only the requests open at `at`."""
    counts = {b.code: 0 for b in BACKLOG_BUCKETS}
    for instant in created:
        counts[backlog_bucket(at - instant)] += 1
    return counts


# --- weeks ----------------------------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week holding `day`."""
    return day - dt.timedelta(days=day.weekday())


def weeks(first: dt.date, last: dt.date) -> list[dt.date]:
    """The Mondays of the weeks that meet the days first..last (inclusive); [] when last < first."""
    if last < first:
        return []
    out, monday = [], week_start(first)
    while monday <= last:
        out.append(monday)
        monday += dt.timedelta(days=7)
    return out


# --- the composite quality score ------------------------------------------------------------------

COMPONENTS = ("sla", "satisfaction", "reopens", "complaints")


@dataclass(frozen=True)
class Weights:
    """The weight of each component (non-negative integers; only their ratios matter)."""

    sla: int = 40
    satisfaction: int = 30
    reopens: int = 15
    complaints: int = 15

    def __post_init__(self) -> None:
        for name in COMPONENTS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"the weight of {name} must be a whole number >= 0, not {value!r}")
        if not any(getattr(self, name) for name in COMPONENTS):
            raise ValueError("at least one weight must be above zero")

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COMPONENTS}


@dataclass(frozen=True)
class Components:
    """The components, each normalised to 0..1 (1 = best), None when there is nothing to measure:

    - sla = targets met / targets settled (first reaction, resolution and next reaction together);
    - satisfaction = (average score − 1) / 4, so 1 → 0 and 5 → 1;
    - reopens = 1 − (requests reopened / requests first resolved);
    - complaints = 1 − min(1, complaints upheld / requests resolved).
    """

    sla: float | None = None
    satisfaction: float | None = None
    reopens: float | None = None
    complaints: float | None = None

    @classmethod
    def from_counts(
        cls,
        *,
        met: int,
        breached: int,
        score_avg: float | None,
        first_resolved: int,
        reopened: int,
        resolved: int,
        upheld: int,
    ) -> Components:
        if score_avg is not None and not 1.0 <= score_avg <= 5.0:
            raise ValueError(f"an average score is between 1 and 5, not {score_avg}")
        sla = rate(met, met + breached)
        reopen_rate = rate(reopened, first_resolved)
        if upheld < 0:
            raise ValueError("a count of complaints cannot be negative")
        return cls(
            sla=sla,
            satisfaction=None if score_avg is None else (score_avg - 1.0) / 4.0,
            reopens=None if reopen_rate is None else 1.0 - reopen_rate,
            complaints=None if not resolved else 1.0 - min(1.0, upheld / resolved),
        )

    def as_dict(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in COMPONENTS}


FORMULA = "score = 100 × Σ(wᵢ × cᵢ) / Σ(wᵢ), over the components cᵢ that have data"


def quality_score(components: Components, weights: Weights) -> float | None:
    """The composite score, 0..100: the weighted mean of the components that have data, the weights
    renormalised over them (a component without data neither helps nor hurts). None when no
    component with a weight above zero has data."""
    total = 0.0
    weight_sum = 0
    for name in COMPONENTS:
        value, weight = getattr(components, name), getattr(weights, name)
        if value is None or not weight:
            continue
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"component {name} must be within 0..1, not {value}")
        total += weight * value
        weight_sum += weight
    if not weight_sum:
        return None
    return 100.0 * total / weight_sum
