"""The demo organisation (`otklik demo`): its data (organisation.py), loading it idempotently
(load.py), its SLA configuration (sla.py) and weeks of simulated history (history.py)."""

from .load import demo_load
from .organisation import USERS

__all__ = ["USERS", "demo_load"]
