"""The agent's workspace: the queues (my work, my groups' unassigned, waiting for my reaction, my
resolved awaiting confirmation, at risk, breached, all visible), each with its count beside its
name, sortable, filterable, searchable and keyset-paginated with the rows' place in the list ("1–25
of 312"), each row with its SLA badge. `/work/rows` serves the rows alone, for htmx: the filter
form, the sort and page links, and the refresh every 30 seconds that keeps the badges and the
counts current."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.choices import BaseChoiceIterator, normalize_choices
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from otklik.accounts.directory import directory
from otklik.accounts.http import AuthedRequest
from otklik.accounts.models import User
from otklik.accounts.people import people
from otklik.catalog.reference import reference
from otklik.core.forms import QuickSelect, QuickTextInput, form_field
from otklik.core.i18n import current_language, localized
from otklik.core.paging import BadCursor
from otklik.routes.models import PointKind
from otklik.web.fragments import fragment_login_required
from otklik.web.listrows import queue_head, queue_rows
from otklik.web.selectors import (
    ACTIVE,
    QUEUES,
    QueueQuery,
    Sort,
    my_groups,
    queue_counts,
    queue_default_state,
    queue_page,
)

TITLES = {
    "mine": gettext_lazy("My work"),
    "unassigned": gettext_lazy("My groups' unassigned"),
    "waiting": gettext_lazy("Waiting for my reaction"),
    "awaiting": gettext_lazy("Awaiting confirmation"),
    "at_risk": gettext_lazy("At risk"),
    "breached": gettext_lazy("Breached"),
    "all": gettext_lazy("All visible"),
}
BREACH_NOTES = {
    "today": gettext_lazy("Only requests with a target missed today."),
    "7d": gettext_lazy("Only requests with a target missed in the last 7 days."),
}
OLD_BREACH = {"week": "7d"}  # links made before "this week" became "the last 7 days"
FILTERS = ("q", "type", "priority", "group", "state", "executor")
ROWS_ID = "queue-rows"  # the polled element: its refreshes are not new history entries


class QueueForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Subject or number"),
        widget=QuickTextInput(attrs={"type": "search", "data-shortcut": "/"}),
    )
    type = forms.ChoiceField(label=gettext_lazy("Type"), required=False, widget=QuickSelect)
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), required=False, widget=QuickSelect)
    group = forms.ChoiceField(label=gettext_lazy("Group"), required=False, widget=QuickSelect)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False, widget=QuickSelect)
    executor = forms.CharField(label=gettext_lazy("Executor"), max_length=150, required=False, widget=QuickSelect)

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data, label_suffix="")
        for name, choices in _fixed_choices().items():
            form_field(self, name, forms.ChoiceField).choices = choices
        self.fields["executor"].widget.choices = _executor_choices(user, data.get("executor", ""))

    def mark_errors(self) -> None:
        """Point each field with an error at its message, for screen readers."""
        for name in self.errors:
            if name in self.fields:
                described = f"id_{name}-error" + (f" id_{name}_helptext" if self.fields[name].help_text else "")
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": described})


class _Normalized(BaseChoiceIterator):
    """Choices already in Django's normal form, which its fields and widgets take as they are
    (normalizing them again was most of what setting them cost)."""

    def __init__(self, choices: list[Any]) -> None:
        self.choices = normalize_choices(choices)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.choices)


# The choices that are the same for everyone, per language, built again when the catalogue, the
# routes or the groups change (a new snapshot): on every view they were a tenth of the page's time.
_choices: dict[str, tuple[object, object, dict[str, _Normalized]]] = {}


def _fixed_choices() -> dict[str, _Normalized]:
    """The type, priority, group and state choices in the active language."""
    ref, people_dir, language = reference(), directory(), current_language()
    kept = _choices.get(language)
    if kept is not None and kept[0] is ref and kept[1] is people_dir:
        return kept[2]
    by_order = sorted(ref.types.values(), key=lambda t: (t.order, t.code))
    groups = sorted((g for g in people_dir.groups.values() if g.is_active), key=lambda g: g.code)
    routes = sorted(ref.routes.values(), key=lambda r: r.code)
    by_route = [
        (
            localized(route, "name"),
            [
                (f"{route.code}:{p.code}", p.name)
                for p in sorted(ref.points.values(), key=lambda p: (p.order, p.pk))
                if p.route_id == route.pk
            ],
        )
        for route in routes
    ]
    built: dict[str, list[Any]] = {
        "type": [("", _("Any type")), *((t.code, t.name) for t in by_order if t.is_active)],
        "priority": [("", _("Any priority")), *((p.code, p.name) for p in ref.priorities.values() if p.is_active)],
        "group": [("", _("Any group")), *((g.code, str(g)) for g in groups)],
        "state": [
            ("any", _("Any state")),
            # Plural, as the requests they filter («Открытые», «Закрытые»): not a state's «Открыто».
            ("open", pgettext("requests", "Open")),
            (ACTIVE, _("Open, not resolved")),
            ("closed", pgettext("requests", "Closed")),
            # "closed" is the kind of the closing points and the state above alike: listed once.
            (_("Stage kind"), [(k.value, capfirst(k.label)) for k in PointKind if k != PointKind.CLOSED]),
            *by_route,
        ],
    }
    normalized = {name: _Normalized(choices) for name, choices in built.items()}
    _choices[language] = (ref, people_dir, normalized)
    return normalized


def _executor_choices(user: User, current: str) -> list[tuple[str, str]]:
    """Anyone, nobody, me, and the people of my groups (everyone in support for a manager)."""
    groups = my_groups(user)
    ids = [pk for pk, mem in directory().memberships.items() if mem.groups & groups and pk != user.pk]
    names = people(ids)
    staff = sorted((p for p in names.values() if p.is_active and p.is_support_staff), key=lambda p: p.display_name)
    choices = [("", _("Anyone")), ("none", _("Unassigned")), ("me", _("Me"))]
    choices += [(p.username, p.display_name) for p in staff]
    if current and current not in {value for value, _label in choices}:
        choices.append((current, current))  # a link from the dashboard may name someone else
    return choices


def _require_staff(user: User) -> None:
    if not user.is_support_staff:
        raise PermissionDenied


def _params(query: QueueQuery, **changes: str) -> str:
    values = {
        "queue": query.queue,
        "q": query.q,
        "type": query.type,
        "priority": query.priority,
        "group": query.group,
        "state": query.state,
        "executor": query.executor,
        "breach": query.breach,
        "sort": query.sort,
        "cursor": "",
        **changes,
    }
    return urlencode({k: v for k, v in values.items() if v})


def _read(request: AuthedRequest) -> tuple[QueueQuery, QueueForm, str | None]:
    """The query from the GET parameters: unknown values fall back to the defaults (and a wrong
    filter is said next to its field), so any URL shows a page."""
    get = request.GET
    queue = get.get("queue", "")
    queue = queue if queue in QUEUES else "mine"
    data = get.copy()
    data["state"] = get.get("state") or queue_default_state(queue)
    form = QueueForm(data, user=request.user)
    form.is_valid()
    form.mark_errors()
    clean = {name: (form.cleaned_data.get(name) or "").strip() for name in FILTERS}
    breach = get.get("breach", "")
    breach = OLD_BREACH.get(breach, breach)
    query = QueueQuery(
        queue=queue,
        breach=breach if breach in BREACH_NOTES else "",
        sort=Sort.parse(get.get("sort")).param,
        **clean,
    )
    return query, form, get.get("cursor") or None


def _context(request: AuthedRequest) -> dict[str, Any]:
    query, form, cursor = _read(request)
    counts = queue_counts(request.user)
    try:
        page = queue_page(request.user, query, cursor=cursor, counts=counts)
    except BadCursor:
        cursor = None  # a stale or edited link: its first page rather than an error
        page = queue_page(request.user, query, counts=counts)
    work, rows = reverse("web:queue"), reverse("web:queue-rows")
    sort = Sort.parse(query.sort)
    columns = []
    for key, label, sortable in (
        ("number", _("Number"), True),
        ("subject", _("Subject"), False),
        ("type", _("Type"), False),
        ("priority", _("Priority"), True),
        ("state", _("State"), False),
        ("group", _("Group"), False),
        ("executor", _("Executor"), False),
        ("due", _("Service level"), True),
        ("updated", _("Updated"), True),
    ):
        column: dict[str, Any] = {"key": key, "label": label, "sortable": sortable}
        if key == "due":  # the badge is one deadline of several: say which
            column["hint"] = _("The nearest deadline whose clock is running")
        if sortable:
            params = _params(query, sort=sort.toggled(key).param)
            column.update(url=f"{work}?{params}", rows_url=f"{rows}?{params}")
            if key == sort.key:
                column["aria_sort"] = "descending" if sort.descending else "ascending"
        columns.append(column)
    here = _params(query, cursor=cursor or "")
    context = {
        "title": TITLES[query.queue],
        "query": query,
        "form": form,
        "page": page,
        "row_html": queue_rows(page.rows),
        "head_html": queue_head(columns, ROWS_ID),
        "column_count": len(columns),
        "queues": [
            {
                "title": TITLES[code],
                "url": f"{work}?queue={code}",
                "current": code == query.queue,
                "count": counts.get(code),
            }
            for code in QUEUES
        ],
        "breach_note": BREACH_NOTES.get(query.breach, ""),
        "without_breach_url": f"{work}?{_params(query, breach='')}",
        "cursor": cursor,
        "here": here,
        "rows_url": f"{rows}?{here}",
        "first_url": f"{work}?{_params(query)}",
        "first_rows_url": f"{rows}?{_params(query)}",
        "rows_id": ROWS_ID,
    }
    if page.next_cursor:
        following = _params(query, cursor=page.next_cursor)
        context.update(next_url=f"{work}?{following}", next_rows_url=f"{rows}?{following}")
    return context


@login_required
def page(request: AuthedRequest) -> HttpResponse:
    _require_staff(request.user)
    return render(request, "web/queue/page.html", _context(request))


@fragment_login_required
def rows(request: AuthedRequest) -> HttpResponse:
    _require_staff(request.user)
    context = _context(request)
    context["tabs_out_of_band"] = True  # the counts beside the queues' names refresh with the rows
    response = render(request, "web/queue/rows.html", context)
    if request.headers.get("HX-Request") and request.headers.get("HX-Trigger") != ROWS_ID:
        # The filter form, a sort or a page link: the address bar shows the page they lead to
        # (a reload or a shared link gives the same list); the periodic refresh does not.
        response["HX-Push-Url"] = f"{reverse('web:queue')}?{context['here']}"
    return response
