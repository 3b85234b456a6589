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

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError
from django.template import Template as DjangoTemplate
from django.utils.translation import gettext as _

from otklik.core.jsonvalue import JsonValue
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


def _digest(c: dict[str, JsonValue]) -> tuple[str, str]:
    items = c["items"]  # the first ITEMS_LIMIT; `count` counts them all
    return (
        _("digest: %(count)s notifications") % {"count": c.get("count", len(items))},
        "\n".join(f"• {i['subject']}" + (f" — {i['link']}" if i.get("link") else "") for i in items),
    )


def _external(c: dict[str, JsonValue]) -> tuple[str, str]:
    return c["subject"], c.get("text", "")


Words = Callable[[dict[str, JsonValue]], tuple[str, str]]
Page = Callable[[dict[str, JsonValue], str], str]


@dataclass(frozen=True)
class BuiltIn:
    """An event's built-in words: (subject, body) from the context, in the active language; and
    for e-mail, optionally, an HTML page of its own from the context and the body (else the
    channel makes one from the text; an empty page means the same)."""

    words: Words
    page: Page | None = None


_BUILT_IN: dict[str, BuiltIn] = {}


def register(event: str, words: Words, *, page: Page | None = None) -> None:
    """Give an event its built-in words. Each domain registers its own events' words when its app
    is ready (tickets/notices.py, sla/notices.py, …), so every process has them all."""
    _BUILT_IN[event] = BuiltIn(words, page)


register("digest", _digest)


def registered_events() -> list[str]:
    """The help desk's own events: those with built-in words (the digest among them)."""
    return sorted(_BUILT_IN)


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


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_compiled(compiled: Compiled, context: dict[str, JsonValue]) -> Rendered:
    # A Context escapes by default whatever its engine says: the text parts must say so themselves.
    text = Context(context, autoescape=False)
    subject = " ".join(compiled.subject.render(text).split())
    body = compiled.body.render(text).strip()
    html = compiled.html.render(Context(context, autoescape=True)) if compiled.html is not None else ""
    return Rendered(subject, body, str(html))


def render(event: str, channel: str, language: str, context: dict[str, JsonValue]) -> Rendered:
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
            built_in = _BUILT_IN.get(event)
            subject, body = (built_in.words if built_in is not None else _external)(context)
        except (KeyError, TypeError, IndexError):  # a context the built-in text was not made for
            log.exception("notify: no built-in text for %s with this context", event)
            subject, body = str(context.get("subject") or event), str(context.get("text") or "")
        ticket = context.get("ticket")
        if ticket:  # the built-in subjects name the request by number (mail clients sort by it)
            # In Russian a dot, not a colon: subjects such as «Срок подходит: решение» have their own.
            subject = _("%(number)s: %(subject)s") % {"number": ticket["number"], "subject": subject}
        page = ""
        if channel == Channel.EMAIL and built_in is not None and built_in.page is not None:
            page = built_in.page(context, body.strip())
        rendered = Rendered(" ".join(subject.split()), body.strip(), page)
    if channel == Channel.SMS:  # short: the subject, and the text only if it fits
        short = rendered.subject if compiled is None else rendered.body or rendered.subject
        return Rendered(rendered.subject[:SUBJECT_LIMIT], _clip(short, sms_limit()))
    return Rendered(_clip(rendered.subject, SUBJECT_LIMIT), _clip(rendered.body, BODY_LIMIT), rendered.html)
