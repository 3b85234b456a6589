"""Publishing the regulation: a new version whenever the generated content changes. It comes into
force at once, or at the moment the regulation's settings schedule changes for (the version in
force stays in force until then; everyone is told now, and again when it comes into force:
timers.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.db import IntegrityError, connection, transaction

from otklik.core.clock import now
from otklik.core.errors import NotFound
from otklik.core.jsonvalue import JsonValue
from otklik.notify.outbox import queue_rows

from .build import regulation_content
from .models import RegulationSettings, Version
from .notices import scheduled_rows
from .selectors import forget_version_in_force, in_force_at, version_get

log = logging.getLogger("otklik.regulation")
REASON_MAX = 200  # Version.reason max_length


def content_digest(content: dict[str, JsonValue]) -> str:
    """sha256 of the canonical JSON: equal content, equal digest, whatever the key order."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def regulation_publish(*, reason: str = "") -> Version | None:
    """Publish the regulation as the configuration now stands, if it differs from the latest
    version: a new Version (next number), in force from now, or from the settings' moment for
    changes when that is still to come and a version is in force already. None when nothing changed."""
    inside = connection.in_atomic_block
    for attempt in (1, 2):
        try:
            version = _publish_once(reason=reason)
        except IntegrityError:
            # Another process took the number at the same moment. Try once more: its version is
            # now the latest, and ours is published only if it still differs from that one.
            if attempt == 2:
                raise
            continue
        if version is not None:
            # A publication inside the caller's transaction may yet roll back (see selectors).
            forget_version_in_force(unsure=inside)
            if inside:
                transaction.on_commit(forget_version_in_force)
            log.info(
                "regulation version %s published, in force from %s (%s)",
                version.number,
                version.effective_at.isoformat(),
                reason or "-",
            )
        return version
    return None  # pragma: no cover (the loop returns or raises)


def effective_moment(moment: dt.datetime, *, first: bool) -> dt.datetime:
    """When a version published at `moment` comes into force: the settings' moment for changes if
    it is still to come, else at once. The first version always at once: there is none in force."""
    scheduled = None if first else RegulationSettings.current().changes_effective_at
    return scheduled if scheduled is not None and scheduled > moment else moment


def _publish_once(*, reason: str) -> Version | None:
    with transaction.atomic():
        latest = Version.objects.order_by("-number").only("number", "digest", "effective_at").first()
        # Built after reading the latest: a version committed in between makes our number collide
        # (IntegrityError, retried), so a stale build can never be published over a newer one.
        content = regulation_content()
        digest = content_digest(content)
        if latest is not None and latest.digest == digest:
            return None
        moment = now()
        effective = effective_moment(moment, first=latest is None)
        version = Version.objects.create(
            number=(latest.number if latest else 0) + 1,
            effective_at=effective,
            published_at=moment,
            # The worker tells everyone when a scheduled version comes into force (timers.py).
            notice_at=effective if effective > moment else None,
            content=content,
            digest=digest,
            reason=reason[:REASON_MAX],
        )
        # Announced once per moment: a later change for the same moment joins the coming version quietly.
        if effective > moment and (latest is None or latest.effective_at != effective):
            queue_rows(scheduled_rows(version, in_force=in_force_at(moment).number))
        return version


def regulation_in_force() -> Version:
    """The version in force now; on a fresh install (none published yet) the first one is published now."""
    try:
        return version_get(None)
    except NotFound:
        regulation_publish(reason="Первая публикация · First publication")
    return version_get(None)
