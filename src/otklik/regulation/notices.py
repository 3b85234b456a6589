"""The regulation's notices to everyone, through the notification queue (notify.outbox.compose: the
admin's rules, people's choices and quiet hours apply; the words are the built-in ones below or
the admin's templates):

- regulation_scheduled: a new version is published ahead of the moment it comes into force
  (a planned change of the regulation's texts; queued in the publication's transaction, services.py);
- regulation_in_force: a version is in force: at once, from its publication (a change of the
  configuration, which acts as soon as it is saved; told once no further change has come for
  services.ANNOUNCE_AFTER, naming what changed in all of them), or at the moment a scheduled one
  comes into force; both queued by the worker (timers.py).

By default both go to every active person (the rules name every role); the link opens the version.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from otklik.core.clock import service_minute
from otklik.core.jsonvalue import JsonValue
from otklik.notify import outbox, texts
from otklik.notify.models import Notification

from .models import Version
from .reasons import current_language_code, notice_reason

SCHEDULED = "regulation_scheduled"
IN_FORCE = "regulation_in_force"


def regulation_link(number: int) -> str:
    return f"{settings.BASE_URL}/regulation?version={number}"


def _context(version: Version, in_force: int | None) -> Callable[[], JsonValue]:
    """What the templates see as `regulation`, in each person's language (compose calls it so)."""

    def context() -> JsonValue:
        what = notice_reason(version, current_language_code())
        return {
            "number": version.number,
            "effective_at": service_minute(version.effective_at),
            "in_force": in_force,
            "reason": what,
            "link": regulation_link(version.number),
        }

    return context


def _rows(event: str, version: Version, in_force: int | None) -> list[Notification]:
    return outbox.compose(
        event,
        extra={"regulation": _context(version, in_force)},  # called in each recipient's language
        context={"version": version.number},
        link=regulation_link(version.number),
    )


def scheduled_rows(version: Version, *, in_force: int | None) -> list[Notification]:
    """Unsaved: the publication queues them in its transaction. `in_force`: the number of the
    version that stays in force until then."""
    return _rows(SCHEDULED, version, in_force)


def in_force_rows(version: Version) -> list[Notification]:
    """Unsaved: the worker queues them with its mark that the moment was handled."""
    return _rows(IN_FORCE, version, version.number)


# -- the built-in words ------------------------------------------------------------------------------


def _reason_line(r: dict[str, JsonValue], *, coming: bool) -> list[str]:
    reason = str(r.get("reason") or "")
    if not reason:
        return []
    words = _("What changes: %(reason)s") if coming else _("What changed: %(reason)s")
    return [words % {"reason": reason}]


def _scheduled(c: dict[str, JsonValue]) -> tuple[str, str]:
    r = c["regulation"]
    lines = [
        _("Version %(number)s of the service regulation comes into force on %(date)s.")
        % {"number": r["number"], "date": r["effective_at"]}
    ]
    if r.get("in_force"):
        lines.append(_("Until then version %(number)s stays in force.") % {"number": r["in_force"]})
    lines += _reason_line(r, coming=True)
    lines += ["", _("Read the new edition: %(link)s") % {"link": r["link"]}]
    return _("The service regulation changes on %(date)s") % {"date": r["effective_at"]}, "\n".join(lines)


def _in_force(c: dict[str, JsonValue]) -> tuple[str, str]:
    r = c["regulation"]
    lines = [
        _("Version %(number)s of the service regulation is in force from %(date)s.")
        % {"number": r["number"], "date": r["effective_at"]}
    ]
    lines += _reason_line(r, coming=False)
    lines += ["", _("Read it: %(link)s") % {"link": r["link"]}]
    return _("A new edition of the service regulation is in force"), "\n".join(lines)


texts.register(SCHEDULED, _scheduled)
texts.register(IN_FORCE, _in_force)
