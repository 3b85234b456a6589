"""Publishing the regulation: a new version whenever the generated content changes, and everyone is
told of it through the notification queue (notices.py).

The configuration acts as soon as it is saved, so the version that describes a change of it comes
into force at once, and the regulation in force never describes anything but what the system does.
Everyone is told of it (`regulation_in_force`) once ANNOUNCE_AFTER has passed without a further
change: an administrator setting up the desk saves many times, and people hear of the result once,
with everything that changed (a later version's notice takes over an earlier one's not yet sent).
Only a change of the regulation's own texts
(its sections, the guidance, the additional information: `plannable`) can be planned: while the
settings' moment for planned changes is still to come, its version comes into force then, the one
in force stays in force until then, and everyone is told now (`regulation_scheduled`) and again at
that moment (timers.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from contextvars import ContextVar

from django.db import IntegrityError, connection, transaction

from otklik.core.clock import now
from otklik.core.errors import NotFound
from otklik.core.jsonvalue import JsonValue
from otklik.notify.outbox import queue_rows

from .build import regulation_content
from .models import RegulationSettings, Version
from .notices import scheduled_rows
from .reasons import ANNOUNCED_WITH, BY_HAND, DEMO, FIRST, announced_models
from .selectors import forget_version_in_force, in_force_at, version_get

log = logging.getLogger("otklik.regulation")
REASON_MAX = 200  # Version.reason max_length
ANNOUNCE_AFTER = dt.timedelta(minutes=30)  # changes in force at once within this are announced once


def content_digest(content: dict[str, JsonValue]) -> str:
    """sha256 of the canonical JSON: equal content, equal digest, whatever the key order."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The versions published in this context (an admin's request: admin_messages.py tells the admin).
published_here: ContextVar[list[Version] | None] = ContextVar("regulation_published_here", default=None)


def regulation_publish(
    *, code: str = "", params: dict[str, JsonValue] | None = None, reason: str = "", plannable: bool = False
) -> Version | None:
    """Publish the regulation as the configuration now stands, if it differs from the latest
    version: a new Version (next number), in force from now; or, for a change of the regulation's
    own texts only (`plannable`), from the settings' moment for planned changes when that is still
    to come and a version is in force already. Why: `code` and `params` (reasons.py), or the words
    of whoever publishes it by hand (`reason`). Everyone is told: of a planned version now, of one in
    force at once after ANNOUNCE_AFTER (the first version aside: nobody had another). None when
    nothing changed."""
    inside = connection.in_atomic_block
    for attempt in (1, 2):
        try:
            version = _publish_once(code=code, params=params or {}, reason=reason, plannable=plannable)
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
                reason or code or "-",
            )
            collected = published_here.get()
            if collected is not None:
                collected.append(version)
        return version
    return None  # pragma: no cover (the loop returns or raises)


def effective_moment(moment: dt.datetime, *, first: bool, plannable: bool = True) -> dt.datetime:
    """When a version published at `moment` comes into force: the settings' moment for planned
    changes if it is still to come and the change may wait for it (`plannable`), else at once. The
    first version always at once: there is none in force."""
    scheduled = None if first or not plannable else RegulationSettings.current().changes_effective_at
    return scheduled if scheduled is not None and scheduled > moment else moment


def _publish_once(*, code: str, params: dict[str, JsonValue], reason: str, plannable: bool) -> Version | None:
    with transaction.atomic():
        latest = Version.objects.order_by("-number").first()
        # Built after reading the latest: a version committed in between makes our number collide
        # (IntegrityError, retried), so a stale build can never be published over a newer one.
        content = regulation_content()
        digest = content_digest(content)
        if latest is not None and latest.digest == digest:
            return None
        moment = now()
        effective = effective_moment(moment, first=latest is None, plannable=plannable)
        planned = effective > moment
        if not reason and latest is not None and not planned and _unannounced(latest):
            # The previous change is not announced yet: this version's notice takes it over.
            params = {**params, ANNOUNCED_WITH: announced_models(latest)}
            Version.objects.filter(pk=latest.pk).update(notice_at=None)
        if planned:
            notice_at: dt.datetime | None = effective  # told now, and again when it comes into force
        else:
            notice_at = None if latest is None else moment + ANNOUNCE_AFTER
        version = Version.objects.create(
            number=(latest.number if latest else 0) + 1,
            effective_at=effective,
            published_at=moment,
            notice_at=notice_at,  # the worker tells everyone then (timers.py)
            content=content,
            digest=digest,
            reason=reason[:REASON_MAX],
            # The first is the first, unless the demo or an admin's command published it.
            reason_code="" if reason else (code if latest is not None or code in (DEMO, BY_HAND) else FIRST),
            reason_params=params if not reason and latest is not None else {},
        )
        # Announced once per moment: a later change for the same moment joins the coming version quietly.
        if planned and latest is not None and latest.effective_at != effective:
            queue_rows(scheduled_rows(version, in_force=in_force_at(moment).number))
        return version


def _unannounced(version: Version) -> bool:
    """In force at once from its publication, and its notice still to come."""
    return version.notice_at is not None and version.effective_at <= version.published_at


def regulation_in_force() -> Version:
    """The version in force now; on a fresh install (none published yet) the first one is published now."""
    try:
        return version_get(None)
    except NotFound:
        regulation_publish(code=FIRST)
    return version_get(None)
