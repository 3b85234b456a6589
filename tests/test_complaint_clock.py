"""The complaint targets' pure arithmetic (complaints/clock.py), on any history: a missed
target is due for recording exactly when it is unmet past its deadline or met after it; once what
is due is recorded, the next look is after the moment (or never); the status agrees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from otklik.complaints.clock import ANSWER, REACTION, TARGETS, deadlines, next_check, status, to_record
from otklik.sla.calendar import WorkCalendar

CAL = WorkCalendar.from_dict(
    {
        "tz": "Europe/Moscow",
        "week": {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": ["2026-05-01", "2026-05-11"],
    }
)
MSK = dt.timezone(dt.timedelta(hours=3))
START = dt.datetime(2026, 4, 27, 0, 0, tzinfo=MSK)


@dataclass
class Facts:
    state: str
    review_at: dt.datetime | None
    answered_at: dt.datetime | None
    reaction_due_at: dt.datetime | None
    answer_due_at: dt.datetime | None
    reaction_breached_at: dt.datetime | None = None
    answer_breached_at: dt.datetime | None = None


minutes = st.integers(min_value=0, max_value=20_000)


@st.composite
def histories(draw: st.DrawFn) -> tuple[Facts, dt.datetime]:
    filed = START + dt.timedelta(minutes=draw(st.integers(0, 30 * 24 * 60)))
    reaction_due, answer_due = deadlines(
        CAL, filed, reaction_minutes=draw(st.integers(0, 2_000)), answer_minutes=draw(st.integers(0, 10_000))
    )
    steps = draw(st.sampled_from(["filed", "review", "answered_from_review", "answered_from_filed"]))
    review_at = answered_at = None
    if steps != "filed" and steps != "answered_from_filed":
        review_at = filed + dt.timedelta(minutes=draw(minutes))
    if steps.startswith("answered"):
        answered_at = (review_at or filed) + dt.timedelta(minutes=draw(minutes))
    state = "upheld" if answered_at else ("review" if review_at else "filed")
    moment = max(filed, answered_at or filed) + dt.timedelta(minutes=draw(minutes))
    return Facts(state, review_at, answered_at, reaction_due, answer_due), moment


@given(histories())
def test_recording_what_is_due_leaves_the_next_look_after_the_moment(history):
    c, moment = history
    due = to_record(c, moment)
    for target in due:
        deadline = c.reaction_due_at if target == REACTION else c.answer_due_at
        met = (c.review_at or c.answered_at) if target == REACTION else c.answered_at
        assert deadline is not None and ((met is None and deadline <= moment) or (met is not None and met > deadline))
        setattr(c, f"{target}_breached_at", deadline)
    assert to_record(c, moment) == []  # recorded once
    following = next_check(c)
    assert following is None or following > moment
    if c.state not in ("filed", "review"):
        assert following is None


@given(histories())
def test_the_status_agrees_with_what_is_recorded(history):
    c, moment = history
    missed = set(to_record(c, moment))
    for target in TARGETS:
        s = status(c, target, CAL, moment)
        assert (s.state in ("late", "overdue")) == (target in missed)
        assert s.seconds >= 0
        if s.state == "none":
            assert s.due_at is None


def test_deadlines_across_the_may_holidays():
    # Thursday 30 April 16:00: 2 h that day, Friday 1 May a holiday, the weekend, Monday 4 May 09:00–11:00.
    filed = dt.datetime(2026, 4, 30, 16, tzinfo=MSK)
    reaction, answer = deadlines(CAL, filed, reaction_minutes=240, answer_minutes=0)
    assert (reaction, answer) == (dt.datetime(2026, 5, 4, 11, tzinfo=MSK), None)
    c = Facts("filed", None, None, reaction, None)
    s = status(c, REACTION, CAL, dt.datetime(2026, 5, 4, 10, tzinfo=MSK))
    assert (s.state, s.seconds) == ("running", 3600)
    s = status(c, REACTION, CAL, dt.datetime(2026, 5, 4, 15, tzinfo=MSK))  # 11:00–13:00 and 14:00–15:00
    assert (s.state, s.seconds) == ("overdue", 3 * 3600)
    assert status(c, ANSWER, CAL, dt.datetime(2026, 5, 4, 15, tzinfo=MSK)).state == "none"
