"""Moving the application's clock in tests (OTKLIK_NOW, through pytest-django's `settings`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


def set_now(settings: Settings, moment: datetime) -> None:
    settings.OTKLIK_NOW = moment.isoformat()
