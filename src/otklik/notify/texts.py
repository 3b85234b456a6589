"""The words of a notification: the admin's template for the event, channel and language when
there is one (Django template syntax, editable in the admin with a preview on a real request),
else the built-in text in the recipient's language.

Templates see plain values only (strings, numbers, dicts of them), never model objects: a template
written in the admin must not be able to call a model's methods. Text parts are rendered without
HTML escaping; the HTML part of an e-mail with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.template import Context, Engine, TemplateSyntaxError
from django.template import Template as DjangoTemplate
from django.utils.translation import gettext as _

from otklik.core.snapshot import Snapshot

from .models import Channel, Template

log = logging.getLogger("otklik.notify")

SUBJECT_LIMIT = 300
BODY_LIMIT = 4000
_LIBRARIES = {"i18n": "django.templatetags.i18n"}
_TEXT_ENGINE = Engine(autoescape=False, libraries=_LIBRARIES)
_HTML_ENGINE = Engine(autoescape=True, libraries=_LIBRARIES)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str = ""


def sms_limit() -> int:
    return int(getattr(settings, "SMS_MAX_LENGTH", 160))


# -- the built-in texts: (subject, body) from the context, in the active language --------------------


def _created(c: dict[str, Any]) -> tuple[str, str]:
    t = c["ticket"]
    return (
        _("new request: %(subject)s") % {"subject": t["subject"]},
        _("%(who)s filed a request (%(type)s). It awaits your reaction.") % {"who": c["actor"], "type": t["type"]},
    )


def _moved(c: dict[str, Any]) -> tuple[str, str]:
    body = _("%(who)s moved the request to «%(stage)s».") % {"who": c["actor"], "stage": c["stage"]}
    return _("now «%(stage)s»") % {"stage": c["stage"]}, body + (f"\n\n{c['comment']}" if c.get("comment") else "")


def _assigned(c: dict[str, Any]) -> tuple[str, str]:
    return (
        _("you are the executor"),
        _("%(who)s made you the executor of the request «%(subject)s».")
        % {"who": c["actor"], "subject": c["ticket"]["subject"]},
    )


def _comment(c: dict[str, Any]) -> tuple[str, str]:
    return _("new comment"), _("%(who)s wrote:") % {"who": c["actor"]} + f"\n\n{c['comment']}"


def _note(c: dict[str, Any]) -> tuple[str, str]:
    return _("internal note"), _("%(who)s wrote:") % {"who": c["actor"]} + f"\n\n{c['comment']}"


def _warned(c: dict[str, Any]) -> tuple[str, str]:
    return (
        _("the deadline is near: %(target)s") % {"target": c["target"]},
        _("The %(target)s deadline is %(due)s.") % {"target": c["target"], "due": c["due"] or "—"},
    )


def _escalated(c: dict[str, Any]) -> tuple[str, str]:
    return (
        _("deadline missed: %(target)s") % {"target": c["target"]},
        _("The %(target)s deadline is %(due)s.") % {"target": c["target"], "due": c["due"] or "—"},
    )


def _changed(c: dict[str, Any]) -> tuple[str, str]:
    lines = [f"{ch['name']}: {ch['old'] or '—'} → {ch['new'] or '—'}" for ch in c["changes"]]
    return (
        _("changed: %(fields)s") % {"fields": ", ".join(ch["name"] for ch in c["changes"])},
        _("%(who)s changed the request:") % {"who": c["actor"]} + "\n" + "\n".join(lines),
    )


def _summary(c: dict[str, Any]) -> tuple[str, str]:
    s = c["summary"]
    lines = [
        _("Requests you execute that await your reaction: %(count)s") % {"count": s["executing"]},
        _("Your requests that await your answer: %(count)s") % {"count": s["answering"]},
        _("Requests past a deadline among them: %(count)s") % {"count": s["breached"]},
        _("Unread notifications: %(count)s") % {"count": s["unread"]},
    ]
    return _("what awaits your reaction"), "\n".join(lines)


def _digest(c: dict[str, Any]) -> tuple[str, str]:
    items = c["items"]  # the first ITEMS_LIMIT; `count` counts them all
    return (
        _("digest: %(count)s notifications") % {"count": c.get("count", len(items))},
        "\n".join(f"• {i['subject']}" + (f" — {i['link']}" if i.get("link") else "") for i in items),
    )


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _working_time(seconds: Any) -> str:
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(m)s min") % {"m": minutes}
    return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes} if minutes else _("%(h)s h") % {"h": hours}


def _quality_monthly(c: dict[str, Any]) -> tuple[str, str]:
    r = c["report"]
    whose = _("Groups: %(groups)s") % {"groups": c["scope"]} if c.get("scope") else _("The whole support service")
    satisfaction = "—" if r["satisfaction"] is None else f"{r['satisfaction']:.2f}"
    lines = [
        whose,
        "",
        _("Requests received: %(received)s; resolved: %(resolved)s")
        % {"received": r["received"], "resolved": r["resolved"]},
        _("SLA compliance: %(percent)s; breaches: %(breaches)s")
        % {"percent": _percent(r["sla_percent"]), "breaches": r["breaches"]},
        _("First reaction (median): %(first)s; resolution (median): %(resolution)s")
        % {"first": _working_time(r["first_reaction_median"]), "resolution": _working_time(r["resolution_median"])},
        _("Satisfaction: %(average)s (%(answered)s answers to %(asked)s surveys)")
        % {"average": satisfaction, "answered": r["answered"], "asked": r["asked"]},
        _("Reopened: %(percent)s") % {"percent": _percent(r["reopen_percent"])},
        _("Complaints filed: %(filed)s; upheld: %(upheld)s")
        % {"filed": r["complaints_filed"], "upheld": r["complaints_upheld"]},
        _("Not closed at the month's end: %(count)s") % {"count": r["backlog"]},
        _("Quality score: %(score)s") % {"score": "—" if r["score"] is None else f"{r['score']:.1f}"},
        "",
        _("The full report: %(link)s") % {"link": c["report_link"]},
    ]
    return _("quality report for %(month)s") % {"month": c["month"]}, "\n".join(lines)


def _external(c: dict[str, Any]) -> tuple[str, str]:
    return c["subject"], c.get("text", "")


BUILT_IN: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "ticket_created": _created,
    "ticket_moved": _moved,
    "ticket_assigned": _assigned,
    "ticket_comment": _comment,
    "ticket_note": _note,
    "sla_warned": _warned,
    "sla_escalated": _escalated,
    "ticket_changed": _changed,
    "login_summary": _summary,
    "digest": _digest,
    "quality_monthly": _quality_monthly,
}


# -- the admin's templates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    subject: DjangoTemplate
    body: DjangoTemplate
    html: DjangoTemplate | None


def compile_template(subject: str, body: str, html: str = "") -> Compiled:
    """Raises TemplateSyntaxError naming the fault (the admin form shows it)."""
    return Compiled(
        _TEXT_ENGINE.from_string(subject),
        _TEXT_ENGINE.from_string(body),
        _HTML_ENGINE.from_string(html) if html.strip() else None,
    )


def _build() -> dict[tuple[str, str, str], Compiled]:
    out = {}
    for t in Template.objects.all():
        try:
            out[(t.event, t.channel, t.language)] = compile_template(t.subject, t.body, t.html)
        except TemplateSyntaxError:  # saved before validation existed, or edited in SQL: the built-in text
            log.exception("notify: template %s does not compile; the built-in text is used", t)
    return out


_snapshot: Snapshot[dict[tuple[str, str, str], Compiled]] = Snapshot(_build)


def _drop() -> None:
    _snapshot.drop()


def invalidate(**_: Any) -> None:
    _snapshot.invalidate(_drop)


post_save.connect(invalidate, sender=Template, dispatch_uid="otklik-notify-template-save")
post_delete.connect(invalidate, sender=Template, dispatch_uid="otklik-notify-template-delete")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_compiled(compiled: Compiled, context: dict[str, Any]) -> Rendered:
    # A Context escapes by default whatever its engine says: the text parts must say so themselves.
    text = Context(context, autoescape=False)
    subject = " ".join(compiled.subject.render(text).split())
    body = compiled.body.render(text).strip()
    html = compiled.html.render(Context(context, autoescape=True)) if compiled.html is not None else ""
    return Rendered(subject, body, str(html))


def render(event: str, channel: str, language: str, context: dict[str, Any]) -> Rendered:
    """The notification's words for one channel in the active language (the caller sets it to
    `language`). The admin's template wins: for this channel, else for every channel."""
    templates = _snapshot.get()
    compiled = templates.get((event, channel, language)) or templates.get((event, "", language))
    rendered: Rendered | None = None
    if compiled is not None:
        try:
            rendered = render_compiled(compiled, context)
        except Exception:  # a template that fails on this request must not lose the notification
            log.exception("notify: the %s/%s/%s template failed; the built-in text is used", event, channel, language)
    if rendered is None:
        try:
            subject, body = BUILT_IN.get(event, _external)(context)
        except (KeyError, TypeError, IndexError):  # a context the built-in text was not made for
            log.exception("notify: no built-in text for %s with this context", event)
            subject, body = str(context.get("subject") or event), str(context.get("text") or "")
        ticket = context.get("ticket")
        if ticket:  # the built-in subjects name the request by number (mail clients sort by it)
            subject = f"{ticket['number']}: {subject}"
        rendered = Rendered(" ".join(subject.split()), body.strip())
    if channel == Channel.SMS:  # short: the subject, and the text only if it fits
        short = rendered.subject if compiled is None else rendered.body or rendered.subject
        return Rendered(rendered.subject[:SUBJECT_LIMIT], _clip(short, sms_limit()))
    return Rendered(_clip(rendered.subject, SUBJECT_LIMIT), _clip(rendered.body, BODY_LIMIT), rendered.html)
