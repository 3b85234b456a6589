"""A person's own requests (those they filed, as the initiator): the portal's list, newest filed
first, and the choice of one of them (a complaint about the regulation names one).

The list is ordered by the filing moment, then the id (stable: two requests filed in one instant
keep their order), and pages by a cursor naming the last row seen; a request filed on someone's
behalf or added later with an earlier date (the demo's history) falls where its date puts it, not
where its id would. Only the person's own requests that they may see are ever read.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from otklik.accounts.models import User
from otklik.core.paging import BadCursor, decode_cursor, encode_cursor, page

from .models import Ticket
from .selectors import LIST_COLUMNS, TicketFilters, TicketRow, filtered_tickets, ticket_row

CHOICES_LIMIT = 200  # the newest requests offered to choose from


def own_tickets(user: User, *, state: str | None = None, q: str | None = None) -> QuerySet[Ticket]:
    """The requests `user` filed and may see, `state` open or closed, `q` in the number or subject."""
    # The person's id itself, not a subquery for it (the API's `initiator=me`): PostgreSQL then
    # walks ticket_initiator_filed for the newest rows instead of sorting all of them.
    return filtered_tickets(user, TicketFilters(state=state, q=q)).filter(initiator_id=user.pk)


def own_requests_page(
    user: User, *, state: str | None = None, q: str | None = None, cursor: str | None = None, limit: int = 25
) -> tuple[list[TicketRow], str | None]:
    """One page of the person's own requests, newest filed first; the cursor of the next page, or
    None on the last. A cursor not naming one of these requests is refused (BadCursor)."""
    qs = own_tickets(user, state=state, q=q)
    if cursor:
        last_id = decode_cursor(cursor)
        filed = qs.filter(pk=last_id).values_list("created_at", flat=True).first()
        if filed is None:
            raise BadCursor(f"cursor {cursor!r} names no request of this list")
        qs = qs.filter(Q(created_at__lt=filed) | Q(created_at=filed, pk__lt=last_id))
    values = qs.order_by("-created_at", "-pk").values_list(*LIST_COLUMNS)[: limit + 1]
    rows_page, more = page([ticket_row(v) for v in values], limit)
    return rows_page, encode_cursor(rows_page[-1].pk) if more else None


def own_request_choices(user: User, *, limit: int = CHOICES_LIMIT) -> list[tuple[str, str]]:
    """(number, subject) of the person's own requests, newest filed first."""
    qs = own_tickets(user).order_by("-created_at", "-pk").values_list("number", "subject")
    return list(qs[:limit])


def own_request(user: User, number: str) -> Ticket | None:
    """The request with this number if `user` filed it and may see it, else None."""
    text = number.strip().upper()
    return own_tickets(user).filter(number=text).first() if text else None
