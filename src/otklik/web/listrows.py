"""The rows of the two long lists, the workspace's queue and the portal's "My requests", written
in Python: the same markup their templates wrote, but the labels translated, the request page's
address reversed and the formats looked up once per page instead of once per cell (25 rows × 9
cells of `{% translate %}`, `{% url %}` and filters were most of a list page's rendering time).
Every value goes through `escape`, as the templates' autoescaping did (none is marked safe)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape as _escape
from urllib.parse import quote

from django.db.models import Model
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, is_aware
from django.utils.translation import gettext as _

from otklik.core import dates
from otklik.core.i18n import current_language, localized
from otklik.tickets.selectors import TicketRow

from .selectors import QueueRow


def escape(value: object) -> str:
    """django.utils.html.escape's text, without its check for lazy arguments on every call."""
    return _escape(str(value))


# What `reverse` leaves unquoted in a path argument (django.urls.resolvers' RFC 3986 sub-delimiters).
_PATH_SAFE = "!$&'()*+,;=/~:@"


def _ticket_url() -> Callable[[str], str]:
    """The request page's address of a number, reversed once: its prefix and the number quoted
    as `reverse` quotes it."""
    prefix = reverse("web:ticket", args=["-"])[:-1]
    return lambda number: prefix + quote(number, safe=_PATH_SAFE)


def _iso(value: dt.datetime, zone: dt.tzinfo) -> str:
    """The `datetime` attribute, as the `date:'c'` filter wrote it (in the active time zone)."""
    return value.astimezone(zone).isoformat() if is_aware(value) else value.isoformat()


def _names() -> Callable[[Model], str]:
    """The escaped name of a catalogue row, a route point or a group in the active language, each
    worked out once per page (a page names the same few types, priorities and stages again and
    again)."""
    lang = current_language()
    seen: dict[tuple[type, int], str] = {}

    def name(obj: Model) -> str:
        key = (type(obj), obj.pk)
        if key not in seen:
            seen[key] = escape(localized(obj, "name", lang))
        return seen[key]

    return name


def _labels(*texts: str) -> list[str]:
    """The cells' labels (`data-label`, which the narrow screen's layout shows), escaped once."""
    return [escape(text) for text in texts]


_SORT_MARKS = {"ascending": ' <span aria-hidden="true">▲</span>', "descending": ' <span aria-hidden="true">▼</span>'}


def queue_head(columns: Sequence[dict[str, str | bool]], rows_id: str) -> SafeString:
    """The `<th>`s of a queue's table: a sortable column links to its order (the page, or its rows
    for htmx) and says which order is in force (`aria-sort`, and a mark hidden from readers)."""
    out = []
    for column in columns:
        hint, order, label = column.get("hint"), column.get("aria_sort"), escape(column["label"])
        attrs = (f' title="{escape(hint)}"' if hint else "") + (f' aria-sort="{escape(order)}"' if order else "")
        if column["sortable"]:
            label = (
                f'<a href="{escape(column["url"])}" hx-get="{escape(column["rows_url"])}" '
                f'hx-target="#{escape(rows_id)}" hx-swap="outerHTML">{label}{_SORT_MARKS.get(str(order), "")}</a>'
            )
        out.append(f'\n        <th scope="col"{attrs}>\n          {label}\n        </th>')
    return mark_safe("".join(out))  # noqa: S308 -- every value above is escaped


def queue_rows(rows: Sequence[QueueRow]) -> SafeString:
    """The `<tr>`s of a queue's table (web/queue/rows.html puts them in its `<tbody>`)."""
    if not rows:
        return mark_safe("")
    number_, subject_, type_, priority_, state_, group_, executor_, level_, updated_ = _labels(
        _("Number"), _("Subject"), _("Type"), _("Priority"), _("State"), _("Group"), _("Executor"),
        _("Service level"), _("Updated"),
    )  # fmt: skip
    nobody, no_deadline = escape(_("nobody")), escape(_("no deadline"))
    url, name, moment, zone = _ticket_url(), _names(), dates.moments(), get_current_timezone()
    out: list[str] = []
    for row in rows:
        t = row.ticket
        number = escape(t.number)
        executor = escape(row.executor.display_name) if row.executor else f'<span class="meta">{nobody}</span>'
        badge = row.badge
        if badge:
            sla = (
                f'<span class="badge {escape(badge.tone)}" title="{escape(badge.detail)}" '
                f'data-sla="{escape(badge.tone or "idle")}">{escape(badge.text)}</span>'
            )
        else:
            sla = f'<span class="meta">{no_deadline}</span>'
        out.append(
            f'\n      <tr data-number="{number}">'
            f'\n        <th scope="row" class="number" data-label="{number_}">'
            f'<a href="{escape(url(t.number))}">{number}</a></th>'
            f'\n        <td data-label="{subject_}">{escape(t.subject)}</td>'
            f'\n        <td data-label="{type_}">{name(t.request_type)}</td>'
            f'\n        <td data-label="{priority_}">{name(t.priority)}</td>'
            f'\n        <td data-label="{state_}">{name(t.point)}</td>'
            f'\n        <td data-label="{group_}">{name(t.group)}</td>'
            f'\n        <td data-label="{executor_}">{executor}</td>'
            f'\n        <td data-label="{level_}">{sla}</td>'
            f'\n        <td class="nowrap" data-label="{updated_}">'
            f'<time datetime="{escape(_iso(t.updated_at, zone))}">{escape(moment(t.updated_at))}</time></td>'
            "\n      </tr>\n      "
        )
    return mark_safe("".join(out))  # noqa: S308 -- every value above is escaped


@dataclass(frozen=True)
class PortalItem:
    """A row of "My requests": the request, its executor's name, what it awaits from its initiator
    ("answer", "confirm" or "")."""

    row: TicketRow
    executor: str | None
    awaits: str


def portal_rows(items: Sequence[PortalItem]) -> SafeString:
    """The `<tr>`s of "My requests" (web/portal/my_requests.html puts them in its `<tbody>`)."""
    if not items:
        return mark_safe("")
    number_, subject_, type_, state_, executor_, filed_, updated_ = _labels(
        _("Number"), _("Subject"), _("Type"), _("State"), _("Executor"), _("Filed"), _("Updated")
    )
    awaits = {
        "answer": '<br><span class="badge warn" data-awaits="answer">'
        + escape(_("Awaits you: answer the question"))
        + "</span>\n        ",
        "confirm": '<br><span class="badge warn" data-awaits="confirm">'
        + escape(_("Awaits you: confirm or reject"))
        + "</span>",
    }
    marked = ' class="awaits"'
    not_assigned = f'<span class="meta">{escape(_("not assigned yet"))}</span>'
    url, name, moment, zone = _ticket_url(), _names(), dates.moments(), get_current_timezone()
    out: list[str] = []
    for item in items:
        r = item.row
        number = escape(r.number)
        executor = escape(item.executor) if item.executor is not None else not_assigned
        out.append(
            f"\n    <tr{marked if item.awaits else ''}>"
            f'\n      <td class="number" data-label="{number_}">'
            f'<a href="{escape(url(r.number))}">{number}</a></td>'
            f'\n      <td data-label="{subject_}">{escape(r.subject)}</td>'
            f'\n      <td data-label="{type_}">{name(r.request_type)}</td>'
            f'\n      <td data-label="{state_}">'
            f"\n        {name(r.point)}"
            f"\n        {awaits.get(item.awaits, '')}"
            "\n      </td>"
            f'\n      <td data-label="{executor_}">{executor}</td>'
            f'\n      <td data-label="{filed_}"><time datetime="{escape(_iso(r.created_at, zone))}" data-filed>'
            f"{escape(moment(r.created_at))}</time></td>"
            f'\n      <td data-label="{updated_}"><time datetime="{escape(_iso(r.updated_at, zone))}">'
            f"{escape(moment(r.updated_at))}</time></td>"
            "\n    </tr>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 -- every value above is escaped
