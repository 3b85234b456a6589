"""How many in-app notifications a person has not read: the bell on every page."""

from __future__ import annotations

from django.db import connection

from otklik.notify.models import Channel, Notification

# Written once, not built by the ORM on every page (half the count's cost was compiling the same
# three filters); the partial index `notif_unread_newest` answers it.
_SQL = (
    f'SELECT COUNT(*) FROM "{Notification._meta.db_table}" '  # noqa: S608 - a model's table name
    "WHERE recipient_id = %s AND channel = %s AND read_at IS NULL"
)


def unread_count(user_id: int) -> int:
    with connection.cursor() as cur:
        cur.execute(_SQL, [user_id, Channel.INAPP.value])
        return int(cur.fetchone()[0])
