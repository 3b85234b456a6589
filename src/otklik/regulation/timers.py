"""The worker's regulation jobs.

- `regulation_in_force_due`: tells everyone, once, of a version in force: a scheduled one whose
  moment has come (every reader finds it by its effective_at, so nothing needs switching over), or
  one in force at once from its publication, once services.ANNOUNCE_AFTER has passed without a
  further change. The version's `notice_at` is cleared in the transaction that queues the notices
  (core.duework: rows claimed with SKIP LOCKED, each in its own savepoint). A version replaced
  before its moment (a newer one in force by then) comes into force never, and is announced never.
- `regulation_refresh`: publishes a new version when the generated content no longer matches the
  latest one: the special dates listed move on with the months, and a change made behind Django's
  back (bulk SQL) is caught too.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import models, transaction

from otklik.core.duework import DueWork, due_work
from otklik.notify.outbox import queue_rows

from .models import Version
from .notices import in_force_rows
from .reasons import REFRESH
from .selectors import forget_version_in_force, in_force_at
from .services import regulation_publish

log = logging.getLogger("otklik.regulation")


def _due(moment: dt.datetime) -> models.QuerySet[Version]:
    return Version.objects.filter(notice_at__lte=moment).order_by("notice_at", "number")


def _handle(version: Version, moment: dt.datetime, _: None) -> None:
    Version.objects.filter(pk=version.pk).update(notice_at=None)
    forget_version_in_force(unsure=True)  # in this process at once; the others' know their moment
    transaction.on_commit(forget_version_in_force)
    if in_force_at(moment).id != version.pk:
        log.info("regulation version %s was replaced before it came into force", version.number)
        return
    queue_rows(in_force_rows(version))
    log.info("regulation version %s is in force; everyone is told", version.number)


def _retry(version: Version, at: dt.datetime) -> None:
    Version.objects.filter(pk=version.pk).update(notice_at=at)


IN_FORCE_WORK: DueWork[Version, None] = DueWork(
    what="regulation",
    noun="version",
    due=_due,
    handle=_handle,
    retry=_retry,
    log=log,
    batch=10,
)


def regulation_in_force_due() -> int:
    """Tell everyone of the versions that came into force since the last pass; how many were handled."""
    return due_work(IN_FORCE_WORK)


def regulation_refresh() -> int:
    """Publish if the content changed without a signal (the months moved on); 1 when it did."""
    return 0 if regulation_publish(code=REFRESH) is None else 1
