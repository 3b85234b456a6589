"""The SLA clocks' vocabulary as plain values (pure: no Django), for the pure clock arithmetic
(clockmath.py), the quality facts and the models' choices (sla/models.py adds the labels)."""

from __future__ import annotations

from enum import StrEnum


class Metric(StrEnum):
    FIRST_REACTION = "first_reaction"
    RESOLUTION = "resolution"
    NEXT_REACTION = "next_reaction"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"
