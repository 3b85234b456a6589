"""The regulation's notices to everyone, through the notification queue (notify.outbox.compose: the
admin's rules, people's choices and quiet hours apply; the words are the built-in ones below or
the admin's templates):

- regulation_scheduled: a new version is published ahead of the moment it comes into force
  (queued in the publication's transaction, services.py);
- regulation_in_force: that moment has come (queued by the worker, timers.py).

By default both go to every active person (the rules name every role); the link opens the version.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from otklik.core.clock import service_minute
from otklik.core.jsonvalue import JsonValue
from otklik.notify import outbox, texts
from otklik.notify.models import Notification

from .models import Version

SCHEDULED = "regulation_scheduled"
IN_FORCE = "regulation_in_force"


def regulation_link(number: int) -> str:
    return f"{settings.BASE_URL}/regulation?version={number}"


AUTOMATIC = ("Изменено: ", "Changed: ")  # how signals.py words a version's reason


def reason_in(reason: str, lang: str) -> str:
    """What a version changed, in one language: the automatic reasons read "Изменено: … · Changed: …"."""
    parts = reason.split(" · ")
    if len(parts) != 2:
        return reason  # the admin's own words (otklik regulation_publish --reason)
    part = parts[0] if lang == "ru" else parts[1]
    for prefix in AUTOMATIC:
        part = part.removeprefix(prefix)
    return part


def _context(version: Version, in_force: int | None) -> dict[str, JsonValue]:
    return {
        "number": version.number,
        "effective_at": service_minute(version.effective_at),
        "in_force": in_force,
        "reason": version.reason,
        "link": regulation_link(version.number),
    }


def _rows(event: str, version: Version, in_force: int | None) -> list[Notification]:
    return outbox.compose(
        event,
        extra={"regulation": lambda: _context(version, in_force)},  # in each recipient's language
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


def _reason_line(r: dict[str, JsonValue]) -> list[str]:
    reason = reason_in(str(r.get("reason") or ""), translation.get_language() or "ru")
    return [_("What changes: %(reason)s") % {"reason": reason}] if reason else []


def _scheduled(c: dict[str, JsonValue]) -> tuple[str, str]:
    r = c["regulation"]
    lines = [
        _("Version %(number)s of the service regulation comes into force on %(date)s.")
        % {"number": r["number"], "date": r["effective_at"]}
    ]
    if r.get("in_force"):
        lines.append(_("Until then version %(number)s stays in force.") % {"number": r["in_force"]})
    lines += _reason_line(r)
    lines += ["", _("Read the new edition: %(link)s") % {"link": r["link"]}]
    return _("The service regulation changes on %(date)s") % {"date": r["effective_at"]}, "\n".join(lines)


def _in_force(c: dict[str, JsonValue]) -> tuple[str, str]:
    r = c["regulation"]
    lines = [
        _("Version %(number)s of the service regulation is in force from %(date)s.")
        % {"number": r["number"], "date": r["effective_at"]}
    ]
    lines += _reason_line(r)
    lines += ["", _("Read it: %(link)s") % {"link": r["link"]}]
    return _("A new edition of the service regulation is in force"), "\n".join(lines)


texts.register(SCHEDULED, _scheduled)
texts.register(IN_FORCE, _in_force)
