"""Attachments: stored under the data dir with a random name, served only to those who may see them.

The file is written before the row's transaction and removed if that transaction fails; a
crash in between leaves an orphan file, which `attachment_sweep_orphans` (run by the worker)
removes once it is old enough that no transaction can still be writing its row.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from otklik.accounts.models import User
from otklik.core.clock import now
from otklik.core.errors import Forbidden, Invalid, NotFound, Refusals, empty, too_large

from .access import actor_role, may_participate
from .models import Attachment, Event, LogRecord, Ticket

log = logging.getLogger("otklik.attachments")
ORPHAN_AGE_SECONDS = 3600


def _safe_name(name: str) -> str:
    base = Path(name or "file").name.replace("\x00", "").strip() or "file"
    return base[-200:]


def attachments_check(uploads: Sequence[UploadedFile], *, field: str = "files") -> None:
    """Every file within the limits (not empty, not over MAX_ATTACHMENT_BYTES), or one Invalid
    naming each file refused (`empty`, `too_large` with params {"name", "limit": bytes})."""
    limit = settings.MAX_ATTACHMENT_BYTES
    refused = Refusals()
    for upload in uploads:
        name = upload.name or ""
        if upload.size is None or upload.size > limit:
            refused.add(
                Invalid(
                    f"the file is larger than the limit of {limit // (1024 * 1024)} MB",
                    code="too_large",
                    errors=[too_large(field, name=name, limit=limit)],
                )
            )
        elif upload.size == 0:
            refused.add(Invalid("the file is empty", errors=[empty(field, name=name)]))
    refused.raise_any()


def attachment_add(*, ticket: Ticket, actor: User, upload: UploadedFile, internal: bool = False) -> Attachment:
    if internal and not actor.is_support_staff:
        raise Forbidden("only support staff may add internal attachments")
    if not may_participate(actor, ticket):
        raise Forbidden(f"you may not add files to {ticket.number}")
    attachments_check([upload], field="file")
    assert upload.size is not None  # refused above otherwise
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    token = secrets.token_urlsafe(24)
    att = Attachment(
        ticket=ticket,
        uploaded_by=actor,
        token=token,
        name=_safe_name(upload.name or ""),
        size=upload.size,
        content_type=(upload.content_type or "application/octet-stream")[:100],
        sha256=digest.hexdigest(),
        internal=internal,
        created_at=now(),
    )
    att.file.save(token, upload, save=False)
    try:
        with transaction.atomic():
            record = LogRecord.objects.create(
                ticket=ticket,
                actor=actor,
                actor_role=actor_role(actor, ticket),
                point_id=ticket.point_id,
                event=Event.ATTACHMENT,
                created_at=att.created_at,
                body=att.name,
                internal=internal,
            )
            att.reaction = record
            att.save()
    except BaseException:
        if att.file.name:
            default_storage.delete(att.file.name)
        raise
    return att


def access_attachment(user: User, ticket: Ticket, attachment_id: int) -> Attachment:
    att = Attachment.objects.filter(pk=attachment_id, ticket=ticket).first()
    if att is None or (att.internal and not user.is_support_staff):
        raise NotFound(f"attachment {attachment_id} not found")
    return att


def attachment_sweep_orphans(*, min_age_seconds: int = ORPHAN_AGE_SECONDS) -> int:
    """Delete stored files that no attachment row names (left by a crash mid-upload)."""
    root = Path(settings.MEDIA_ROOT) / "attachments"
    if not root.exists():
        return 0
    cutoff = time.time() - min_age_seconds
    old = [p for p in root.glob("*/*/*") if p.is_file() and p.stat().st_mtime <= cutoff]
    removed = 0
    for start in range(0, len(old), 500):  # one query per 500 files, not one per file
        chunk = old[start : start + 500]
        known = set(Attachment.objects.filter(token__in=[p.name for p in chunk]).values_list("token", flat=True))
        for path in chunk:
            if path.name not in known:
                path.unlink(missing_ok=True)
                removed += 1
                log.info("removed orphan attachment file %s", path)
    return removed
