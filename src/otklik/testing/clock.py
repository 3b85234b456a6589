"""Moving the application's clock in tests (OTKLIK_NOW, through pytest-django's `settings`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def set_now(settings: Any, moment: datetime) -> None:
    settings.OTKLIK_NOW = moment.isoformat()
