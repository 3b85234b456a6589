"""The complaints' vocabulary as plain values (pure: no Django), for the pure clock (clock.py) and
the models' choices (complaints/models.py adds the labels)."""

from __future__ import annotations

from enum import StrEnum


class ComplaintState(StrEnum):
    FILED = "filed"
    REVIEW = "review"
    UPHELD = "upheld"
    REJECTED = "rejected"


OPEN_STATES = frozenset({ComplaintState.FILED, ComplaintState.REVIEW})
