"""Requests as the tests file them, through the real service."""

from __future__ import annotations

from typing import Any

from otklik.accounts.models import User
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_create


def file_error(initiator: User, **overrides: Any) -> Ticket:
    """A first-line Error request ("Report fails", category accounting); its first executor is
    the first-line lead, since that group has no dispatcher."""
    values: dict[str, Any] = {
        "type_code": "error",
        "subject": "Report fails",
        "category_code": "accounting",
        "fields": {"steps": "open it"},
        **overrides,
    }
    return ticket_create(initiator=initiator, **values)
