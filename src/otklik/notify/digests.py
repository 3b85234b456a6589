"""Digests: a person's low-importance messages, held while their period runs (state `held`), go out
as one message per person and channel when it ends. The held rows stay in the history, marked
`digested` and pointing at the digest that carried them; the digest is an ordinary row with its own
attempts. Claimed with SKIP LOCKED, so two workers never send the same rows twice."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation

from otklik.accounts.people import people
from otklik.core.clock import now
from otklik.core.wakeup import wake_workers

from .models import Importance, Notification, State
from .preferences import schedules
from .quiet import quiet_until
from .texts import render

BATCH = 500
ITEMS_LIMIT = 50  # listed one by one; the rest are counted


def notify_digests_due(*, batch: int = BATCH) -> int:
    """Send the digests that are due; returns how many held rows were gathered (0: nothing due)."""
    moment = now()
    with transaction.atomic():
        qs = Notification.objects.filter(state=State.HELD, due_at__lte=moment).order_by("recipient_id", "channel", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        held = list(qs.only("id", "recipient_id", "channel", "subject", "link", "event")[:batch])
        if not held:
            return 0
        groups: dict[tuple[int, str], list[Notification]] = defaultdict(list)
        for n in held:
            if n.recipient_id is not None:  # always: only a person's messages wait for a digest
                groups[(n.recipient_id, n.channel)].append(n)
        found = people(uid for uid, _ in groups)
        quiet = schedules(found)
        for (uid, channel), rows in groups.items():
            person = found.get(uid)
            language = (person.language if person else "") or settings.LANGUAGE_CODE
            items = [{"subject": n.subject, "link": n.link, "event": n.event} for n in rows[:ITEMS_LIMIT]]
            with translation.override(language):
                words = render(
                    "digest",
                    channel,
                    language,
                    {"items": items, "count": len(rows), "recipient": person.display_name if person else ""},
                )
            # A digest is an e-mail or a message like any other: it too waits for the end of quiet hours.
            q = quiet.get(uid)
            until = quiet_until(moment, person.time_zone, q.start, q.end) if person and q else None
            digest = Notification.objects.create(
                event="digest",
                recipient_id=uid,
                channel=channel,
                importance=Importance.LOW,
                subject=words.subject,
                body=words.body + (f"\n… +{len(rows) - ITEMS_LIMIT}" if len(rows) > ITEMS_LIMIT else ""),
                html=words.html,
                context={"items": len(rows)},
                due_at=until or moment,
                created_at=moment,
            )
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
                state=State.DIGESTED, digest=digest, delivered_at=moment
            )
        wake_workers()
    return len(held)
