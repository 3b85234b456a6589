"""Publishing the regulation: a new version whenever the generated content changes."""

from __future__ import annotations

import hashlib
import json
import logging

from django.db import IntegrityError, connection, transaction

from otklik.core.clock import now
from otklik.core.jsonvalue import JsonValue

from .build import regulation_content
from .models import Version
from .selectors import forget_version_in_force

log = logging.getLogger("otklik.regulation")
REASON_MAX = 200  # Version.reason max_length


def content_digest(content: dict[str, JsonValue]) -> str:
    """sha256 of the canonical JSON: equal content, equal digest, whatever the key order."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def regulation_publish(*, reason: str = "") -> Version | None:
    """Publish the regulation as the configuration now stands, if it differs from the version in
    force: a new Version (next number, in force from now). None when nothing changed."""
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
            log.info("regulation version %s published (%s)", version.number, reason or "-")
        return version
    return None  # pragma: no cover (the loop returns or raises)


def _publish_once(*, reason: str) -> Version | None:
    with transaction.atomic():
        latest = Version.objects.order_by("-number").only("number", "digest").first()
        # Built after reading the latest: a version committed in between makes our number collide
        # (IntegrityError, retried), so a stale build can never be published over a newer one.
        content = regulation_content()
        digest = content_digest(content)
        if latest is not None and latest.digest == digest:
            return None
        return Version.objects.create(
            number=(latest.number if latest else 0) + 1,
            effective_at=now(),
            content=content,
            digest=digest,
            reason=reason[:REASON_MAX],
        )


def regulation_in_force() -> Version:
    """The version in force; on a fresh install (none published yet) the first one is published now."""
    version = Version.objects.order_by("-number").first()
    if version is None:
        regulation_publish(reason="Первая публикация · First publication")
        version = Version.objects.order_by("-number").first()
    if version is None:  # pragma: no cover (publish always creates the first version)
        raise RuntimeError("the regulation could not be published")
    return version
