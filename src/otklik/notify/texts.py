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
from django.template import Context, Engine, TemplateSyntaxError
from django.template import Template as DjangoTemplate
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from otklik.core.i18n import decimal, percent_text, working_time
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


def _quality_monthly(c: dict[str, Any]) -> tuple[str, str]:
    r = c["report"]
    whose = _("Groups: %(groups)s") % {"groups": c["scope"]} if c.get("scope") else _("The whole support service")
    satisfaction = "—" if r["satisfaction"] is None else decimal(r["satisfaction"], 2)
    lines = [
        whose,
        "",
        _("Requests received: %(received)s; resolved: %(resolved)s")
        % {"received": r["received"], "resolved": r["resolved"]},
        _("SLA compliance: %(percent)s; breaches: %(breaches)s")
        % {"percent": percent_text(r["sla_percent"]), "breaches": r["breaches"]},
        _("First reaction (median): %(first)s; resolution (median): %(resolution)s")
        % {"first": working_time(r["first_reaction_median"]), "resolution": working_time(r["resolution_median"])},
        _("Satisfaction: %(average)s (%(answered)s answers to %(asked)s surveys)")
        % {"average": satisfaction, "answered": r["answered"], "asked": r["asked"]},
        _("Reopened: %(percent)s") % {"percent": percent_text(r["reopen_percent"])},
        _("Complaints filed: %(filed)s; upheld: %(upheld)s")
        % {"filed": r["complaints_filed"], "upheld": r["complaints_upheld"]},
        _("Not closed at the month's end: %(count)s") % {"count": r["backlog"]},
        _("Quality score: %(score)s") % {"score": "—" if r["score"] is None else decimal(r["score"], 1)},
        "",
        _("The full report: %(link)s") % {"link": c["report_link"]},
    ]
    return _("quality report for %(month)s") % {"month": c["month"]}, "\n".join(lines)


def _external(c: dict[str, Any]) -> tuple[str, str]:
    return c["subject"], c.get("text", "")


def _survey_requested(c: dict[str, Any]) -> tuple[str, str]:
    return (
        _("please rate how your request was handled"),
        _(
            "Your request «%(subject)s» has been resolved. How satisfied are you with how it was handled? "
            "Rate it from 1 (very dissatisfied) to 5 (very satisfied), with a comment if you like, by the "
            "link below or on the request's page. The link works once, until %(until)s."
        )
        % {"subject": c["ticket"]["subject"], "until": c["valid_until"]},
    )


def _survey_reminded(c: dict[str, Any]) -> tuple[str, str]:
    return (
        _("a reminder: please rate how your request was handled"),
        _(
            "You have not rated how your request «%(subject)s» was handled yet. It takes a moment: choose "
            "from 1 (very dissatisfied) to 5 (very satisfied) by the link below. The link works once, until "
            "%(until)s."
        )
        % {"subject": c["ticket"]["subject"], "until": c["valid_until"]},
    )


def _survey_low_score(c: dict[str, Any]) -> tuple[str, str]:
    body = _("%(who)s rated how the request «%(subject)s» was handled %(score)s of 5.") % {
        "who": c["actor"],
        "subject": c["ticket"]["subject"],
        "score": c["score"],
    }
    if c.get("rated_executor"):
        body += "\n" + _("Executor: %(name)s.") % {"name": c["rated_executor"]}
    if c.get("comment"):
        body += "\n\n" + _("Their comment:") + "\n" + c["comment"]
    return _("low rating: %(score)s of 5") % {"score": c["score"]}, body


def _survey_html(c: dict[str, Any], text: str) -> str:
    """The question as an e-mail: the text, then the five scores as links (each opens the rating
    page with that score chosen; only the page's button records it)."""
    labels = score_labels()
    with_comment = _("Rate with a comment")  # outside the f-string, where makemessages finds it
    links = "\n".join(
        f'<li><a href="{escape(item["link"])}">{item["score"]} — {escape(labels[item["score"]])}</a></li>'
        for item in c["score_links"]
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(get_language() or settings.LANGUAGE_CODE)}"><head>'
        f'<meta charset="utf-8"></head>\n<body>\n<p>{escape(text)}</p>\n'
        f"<ul>\n{links}\n</ul>\n"
        f'<p><a href="{escape(c["rating_link"])}">{escape(with_comment)}</a></p>\n</body></html>\n'
    )


def score_labels() -> dict[int, str]:
    """What each score means, in the active language (the rating page, the e-mail, the portal)."""
    return {
        1: _("very dissatisfied"),
        2: _("dissatisfied"),
        3: _("neither satisfied nor dissatisfied"),
        4: _("satisfied"),
        5: _("very satisfied"),
    }


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
    "survey_requested": _survey_requested,
    "survey_reminded": _survey_reminded,
    "survey_low_score": _survey_low_score,
    "quality_monthly": _quality_monthly,
}
# E-mails whose built-in text has an HTML part of its own (else the channel makes one from the text).
BUILT_IN_HTML: frozenset[str] = frozenset({"survey_requested", "survey_reminded"})


# -- complaints (feedback/complaint_notices.py puts `complaint` in the context) -----------------------


def _complaint_filed(c: dict[str, Any]) -> tuple[str, str]:
    k = c["complaint"]
    lines = [
        _("%(who)s filed a complaint (%(kind)s):") % {"who": c["actor"], "kind": k["kind"]},
        "",
        k["body"],
    ]
    if k["reaction_due"]:
        lines += ["", _("To be taken under review by %(due)s.") % {"due": k["reaction_due"]}]
    if k["answer_due"]:
        lines.append(_("To be answered by %(due)s.") % {"due": k["answer_due"]})
    return _("new complaint %(number)s") % {"number": k["number"]}, "\n".join(lines)


def _complaint_review(c: dict[str, Any]) -> tuple[str, str]:
    k = c["complaint"]
    body = _("%(who)s took your complaint under review.") % {"who": c["actor"]}
    if k["answer_due"]:
        body += " " + _("You will have the answer by %(due)s.") % {"due": k["answer_due"]}
    return _("your complaint %(number)s is under review") % {"number": k["number"]}, body


def _complaint_answered(c: dict[str, Any]) -> tuple[str, str]:
    k = c["complaint"]
    if k["upheld"]:
        subject = _("your complaint %(number)s is upheld") % {"number": k["number"]}
    else:
        subject = _("your complaint %(number)s is rejected") % {"number": k["number"]}
    return subject, _("%(who)s answered your complaint:") % {"who": c["actor"]} + f"\n\n{k['answer']}"


def _complaint_overdue(c: dict[str, Any]) -> tuple[str, str]:
    k = c["complaint"]
    if c["target"] == "reaction":
        subject = _("complaint %(number)s not taken under review in time") % {"number": k["number"]}
        body = _("The complaint %(number)s by %(who)s was to be taken under review by %(due)s.")
    else:
        subject = _("complaint %(number)s not answered in time") % {"number": k["number"]}
        body = _("The complaint %(number)s by %(who)s was to be answered by %(due)s.")
    return subject, body % {"number": k["number"], "who": k["author"], "due": c["due"]} + f"\n\n{k['body']}"


BUILT_IN.update(
    {
        "complaint_filed": _complaint_filed,
        "complaint_review": _complaint_review,
        "complaint_answered": _complaint_answered,
        "complaint_overdue": _complaint_overdue,
    }
)


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


_snapshot: Snapshot[dict[tuple[str, str, str], Compiled]] = Snapshot("notify.templates", _build)
_snapshot.watch(Template)


def invalidate() -> None:
    """Drop the snapshot now and when the transaction commits."""
    _snapshot.invalidate()


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
        page = ""
        if channel == Channel.EMAIL and event in BUILT_IN_HTML and context.get("score_links"):
            page = _survey_html(context, body.strip())
        rendered = Rendered(" ".join(subject.split()), body.strip(), page)
    if channel == Channel.SMS:  # short: the subject, and the text only if it fits
        short = rendered.subject if compiled is None else rendered.body or rendered.subject
        return Rendered(rendered.subject[:SUBJECT_LIMIT], _clip(short, sms_limit()))
    return Rendered(_clip(rendered.subject, SUBJECT_LIMIT), _clip(rendered.body, BODY_LIMIT), rendered.html)
