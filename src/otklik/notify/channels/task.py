"""The `task` channel: the executor's calendar task, an iCalendar VTODO (RFC 5545) — or, as the
person chose, a VEVENT at the deadline with a reminder (row context `form`: "event") — sent by e-mail
(iMIP, RFC 6047) through the e-mail channel's machinery: the same connection per batch, failure
classification, Message-ID from the row's key and threading under the request.

The message is the e-mail's text and HTML with the calendar object as the last alternative
(`text/calendar; method=…`) and again as a `task.ics` attachment. Everything the task shows comes
from the row's `context`, captured when the row was queued (sla/calendar_tasks.py): a late retry sends
what was true then, and its SEQUENCE lets the calendar ignore it if a newer copy came first.
"""

from __future__ import annotations

import datetime as dt
import re
from email import encoders
from email.mime.base import MIMEBase
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from otklik.core.jsonvalue import JsonValue

from .base import PermanentFailure
from .email import EmailDriver, MailLink, mail_host, plain_text

if TYPE_CHECKING:
    from otklik.notify.models import Notification

PRODID = "-//Otklik//Otklik help desk//EN"
METHODS = ("REQUEST", "CANCEL")
STATUS = {"REQUEST": "NEEDS-ACTION", "CANCEL": "CANCELLED"}
EVENT_STATUS = {"REQUEST": "CONFIRMED", "CANCEL": "CANCELLED"}
# An event at the deadline: this long, with a reminder this long before it.
EVENT_LENGTH = dt.timedelta(minutes=30)
EVENT_ALARM = "-PT15M"
# RFC 5545 PRIORITY: 1 highest … 9 lowest, 5 medium; an unknown priority is left out (0: undefined).
PRIORITY = {"critical": 1, "high": 3, "normal": 5, "low": 9}
LINE_OCTETS = 75
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not allowed in TEXT; \t and \n are
_PARAM_UNSAFE = re.compile(r'[\x00-\x1f\x7f"]')


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n."""
    value = _CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def quote_param(value: str) -> str:
    # A quoted parameter value may hold anything but DQUOTE and controls (":" ";" "," included).
    return '"' + _PARAM_UNSAFE.sub("", value) + '"'


def fold(line: str) -> str:
    """A content line in pieces of at most 75 octets (the continuations' leading space included),
    cut between characters, never inside a UTF-8 sequence."""
    pieces: list[str] = []
    piece: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append("".join(piece))
            piece, size, limit = [], 0, LINE_OCTETS - 1
        piece.append(char)
        size += octets
    pieces.append("".join(piece))
    return "\r\n ".join(pieces)


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(n: Notification, *, organizer: tuple[str, str], attendee: tuple[str, str]) -> str:
    """The VCALENDAR of one task message: CRLF line ends, folded, UTF-8 (as a str)."""
    ctx: dict[str, JsonValue] = n.context or {}
    method = ctx["method"]
    uid = ctx.get("uid") or f"ticket-{n.ticket_id}@{mail_host()}"
    description = plain_text(n).strip()
    event = ctx.get("form") == "event" and bool(ctx.get("due"))
    component = "VEVENT" if event else "VTODO"
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        f"BEGIN:{component}",
        f"UID:{escape_text(uid)}",
        f"SEQUENCE:{int(ctx.get('sequence') or 0)}",
        # When this copy was made (the row's, not the send's): a retry is the same object.
        f"DTSTAMP:{utc(n.created_at)}",
        f"SUMMARY:{escape_text(ctx.get('summary') or n.subject)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if event:
        # Outlook, Thunderbird and phone calendars want a start and an end; free time, not busy.
        start = dt.datetime.fromisoformat(ctx["due"])
        lines += [f"DTSTART:{utc(start)}", f"DTEND:{utc(start + EVENT_LENGTH)}", "TRANSP:TRANSPARENT"]
    elif ctx.get("due"):
        lines.append(f"DUE:{utc(dt.datetime.fromisoformat(ctx['due']))}")
    if ctx.get("priority") in PRIORITY:
        lines.append(f"PRIORITY:{PRIORITY[ctx['priority']]}")
    lines.append(f"STATUS:{(EVENT_STATUS if event else STATUS)[method]}")
    if urlsplit(n.link).scheme in ("http", "https") and not re.search(r"\s", n.link):
        lines.append(f"URL:{n.link}")
    name, address = organizer
    lines.append(f"ORGANIZER;CN={quote_param(name or address)}:mailto:{address}")
    name, address = attendee
    lines.append(
        f"ATTENDEE;CN={quote_param(name or address)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
        f":mailto:{address}"
    )
    if event and method == "REQUEST":
        summary = escape_text(ctx.get("summary") or n.subject)
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{summary}", f"TRIGGER:{EVENT_ALARM}", "END:VALARM"]
    lines += [f"END:{component}", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def _part(maintype: str, subtype: str, data: bytes, **params: str) -> MIMEBase:
    # Base64: the calendar's CRLF line ends and folds reach the client octet for octet.
    part = MIMEBase(maintype, subtype)
    for name, value in params.items():
        part.set_param(name, value)
    part.set_payload(data)
    encoders.encode_base64(part)
    return part


class _TaskMessage(EmailMultiAlternatives):
    """An e-mail whose last alternative (the richest, RFC 2046) is the calendar object."""

    calendar_part: MIMEBase | None = None

    def _create_alternatives(self, msg: MIMEBase) -> MIMEBase:
        # Django's private hook (the one place to add the last alternative): not in django-stubs.
        msg = super()._create_alternatives(msg)  # type: ignore[misc]
        if self.calendar_part is not None:
            msg.attach(self.calendar_part)
        return msg


class TaskDriver(EmailDriver):
    code = "task"

    def build(self, link: MailLink, n: Notification) -> EmailMultiAlternatives:
        method = (n.context or {}).get("method")
        if method not in METHODS:
            # A row of another event on this channel: it has no task to show.
            raise PermanentFailure(f"not a calendar task (event {n.event!r})", carrier=link.carrier)
        message = link.message(n, cls=_TaskMessage)
        assert isinstance(message, _TaskMessage)
        from_name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        recipient = n.recipient
        assert recipient is not None  # link.message refuses a row without one
        data = calendar(
            n,
            organizer=(from_name, from_address or f"noreply@{mail_host()}"),
            attendee=(recipient.display_name, message.to[0]),
        ).encode("utf-8")
        message.calendar_part = _part("text", "calendar", data, method=method, charset="UTF-8")
        filename = "event.ics" if (n.context or {}).get("form") == "event" else "task.ics"
        attachment = _part("application", "ics", data, name=filename)
        attachment.add_header("Content-Disposition", "attachment", filename=filename)
        message.attach(attachment)
        return message
