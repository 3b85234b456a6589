"""A notification as the inbox and the live stream give it: JSON-ready, in its reader's language.
Apart from the API's endpoints (no ninja, no pydantic), so the stream's process stays lean."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from otklik.accounts.models import User
from otklik.core.jsonvalue import JsonValue
from otklik.notify.models import Notification


def reader_languages(user_ids: Iterable[int]) -> dict[int, str]:
    """The language each person reads in (their setting, else the site's), for what is built apart
    from their request (the stream's events)."""
    chosen = User.objects.filter(pk__in=list(user_ids)).values_list("pk", "language")
    return {pk: language or settings.LANGUAGE_CODE for pk, language in chosen}


def notification_item(n: Notification, language: str | None = None) -> dict[str, JsonValue]:
    """The row as the inbox and the stream give it, its words in `language` (default: the active
    one, the caller's) where the row has them."""
    subject, body = n.words(language or translation.get_language())
    return {
        "id": n.pk,
        "event": n.event,
        "importance": n.importance,
        "subject": subject,
        "body": body,
        "link": n.link,
        "ticket": {"id": n.ticket_id, "number": n.ticket.number} if n.ticket is not None else None,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }
