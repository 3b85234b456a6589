"""The portal: a person's own requests and the new-request form (type first, then its form).

The form is checked by the service alone: `ticket_create` refuses every problem at once (the files
chosen with it too), and each is said next to its field in the person's words (web/refusals.py).
A request in an out-of-scope category goes the API's way: filed and declined at once where the route
has an out-of-scope point, refused otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from otklik.accounts.http import AuthedRequest
from otklik.accounts.people import people
from otklik.catalog.formfields import FieldSpec, parse_choices
from otklik.catalog.models import Category, FormField, RequestType
from otklik.catalog.reference import Reference, reference
from otklik.core.errors import DomainError, Invalid
from otklik.core.i18n import current_language, localized
from otklik.core.paging import BadCursor
from otklik.routes.models import PointKind
from otklik.tickets.attachments import attachment_add
from otklik.tickets.models import Ticket
from otklik.tickets.own import own_requests_page
from otklik.tickets.selectors import SEARCH_LIMIT, awaiting_initiator_count
from otklik.web.listrows import PortalItem, portal_rows
from otklik.web.refusals import field_messages, number_range, out_of_scope_message
from otklik.workflow import ticket_create

PAGE_SIZE = 25
SHOW = ("all", "open", "closed")
# What the initiator is asked to do at the points where the move is theirs (INITIATOR_TURN).
AWAITING_KINDS: dict[str, str] = {PointKind.WAITING: "answer", PointKind.RESOLVED: "confirm"}
LONG_TEXT = 200  # a text field allowing more than this gets a text area
FIELDS = ("subject", "description", "category", "priority")  # the form's own, in its order


# --- my requests --------------------------------------------------------------------------------


@require_GET
@login_required
def my_requests(request: AuthedRequest) -> HttpResponse:
    """The person's own requests, newest filed first: `?show=open|closed|all`, `?q=` a number or
    words of the subject, `?cursor=` pages back."""
    user = request.user
    show = request.GET.get("show", "all")
    if show not in SHOW:
        show = "all"
    q = " ".join(request.GET.get("q", "").split())
    cursor = request.GET.get("cursor") or None
    search_error = ""
    try:
        rows, next_cursor = own_requests_page(
            user, state=None if show == "all" else show, q=q or None, cursor=cursor, limit=PAGE_SIZE
        )
    except BadCursor:
        return HttpResponseRedirect(_my_url(show, q))  # a mangled link: start from the newest
    except Invalid as exc:  # the search text is too long
        rows, next_cursor = [], None
        search_error = field_messages(exc, form="portal_search", fallback="q").get("q", "")
    who = people(r.executor_id for r in rows)
    items = [
        PortalItem(
            r,
            executor.display_name if r.executor_id and (executor := who.get(r.executor_id)) else None,
            AWAITING_KINDS.get(r.point.kind, ""),
        )
        for r in rows
    ]
    context = {
        "items": items,
        "row_html": portal_rows(items),
        "show": show,
        "q": q,
        "q_max": SEARCH_LIMIT,
        "search_error": search_error,
        "show_choices": [
            ("all", _("All")),
            ("open", pgettext("requests", "Open")),
            ("closed", pgettext("requests", "Closed")),
        ],
        "awaiting": awaiting_initiator_count(user),
        "next_url": _my_url(show, q, next_cursor) if next_cursor else "",
        "first_url": _my_url(show, q) if cursor else "",
        "clear_url": _my_url(show) if q else "",
    }
    return render(request, "web/portal/my_requests.html", context, status=400 if search_error else 200)


def _my_url(show: str, q: str = "", cursor: str | None = None) -> str:
    query = {"show": show, **({"q": q} if q else {}), **({"cursor": cursor} if cursor else {})}
    return f"{reverse('web:portal')}?{urlencode(query)}"


# --- choosing the type --------------------------------------------------------------------------


def _active_types(ref: Reference) -> list[RequestType]:
    return sorted((t for t in ref.types.values() if t.is_active), key=lambda t: (t.order, t.code))


@require_GET
@login_required
def new_request(request: AuthedRequest) -> HttpResponse:
    return render(request, "web/portal/choose_type.html", {"types": _active_types(reference())})


# --- the type's form ----------------------------------------------------------------------------


@dataclass
class Control:
    """One labelled input of the form, with what the person typed and what is wrong with it."""

    name: str
    label: str
    widget: str  # text | textarea | number | date | select | checkbox
    value: str | bool = ""
    required: bool = False
    help: str = ""
    error: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, str | int] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"id_{self.name}"

    @property
    def help_id(self) -> str:
        return f"help_{self.name}" if self.help else ""

    @property
    def error_id(self) -> str:
        return f"error_{self.name}" if self.error else ""

    @property
    def described_by(self) -> str:
        return " ".join(i for i in (self.error_id, self.help_id) if i)


def _request_type(type_code: str) -> RequestType:
    request_type = reference().types_by_code.get(type_code)
    if request_type is None or not request_type.is_active:
        raise Http404(f"no request type {type_code!r}")
    return request_type


def _category_tree(ref: Reference) -> list[tuple[Category, int]]:
    """Active categories in catalogue order, each after its parent, with its depth. A category
    whose parent is inactive stands at the top level (it can still be chosen)."""
    active = {c.pk: c for c in ref.categories.values() if c.is_active}
    children: dict[int | None, list[Category]] = {}
    for c in active.values():
        parent = c.parent_id if c.parent_id in active else None
        children.setdefault(parent, []).append(c)
    out: list[tuple[Category, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for c in sorted(children.get(parent, []), key=lambda c: (c.order, c.code)):
            if c.pk not in seen:  # a cycle saved around the admin's check must not hang the page
                seen.add(c.pk)
                out.append((c, depth))
                walk(c.pk, depth + 1)

    walk(None, 0)
    return out


def _declines(request_type: RequestType, ref: Reference) -> bool:
    """Whether the type's route files a request in an out-of-scope category and declines it at once
    (it has an out-of-scope point), as `ticket_create` does; without one it refuses such a request."""
    route = ref.routes.get(request_type.route_id)
    return route is not None and route.out_of_scope_point_id is not None


def _hint(category: Category | None, *, declines: bool) -> dict[str, str | bool] | None:
    """What the form says of the chosen category: where to go instead for one out of scope, and
    whether filing it anyway declines it at once (`declines`) or is refused."""
    if category is None or not category.is_active:
        return None
    if not category.in_scope:
        return {"out_of_scope": True, "declines": declines, "text": out_of_scope_message(category)}
    return {"out_of_scope": False, "text": category.description} if category.description else None


def _plain(number: Decimal | None) -> str | None:
    return format(number.normalize(), "f") if number is not None else None


def _formal_controls(form_fields: Iterable[FormField], data: dict[str, str]) -> list[tuple[FieldSpec, Control]]:
    ru = current_language() == "ru"
    out: list[tuple[FieldSpec, Control]] = []
    for f in form_fields:
        spec = f.spec()
        name = f"f_{f.code}"
        control = Control(name, f.label, "text", data.get(name, ""), spec.required, localized(f, "help"))
        if spec.kind == "text":
            limit = spec.max_length or 2000
            control.widget = "textarea" if limit > LONG_TEXT else "text"
            control.attrs = {"maxlength": limit}
        elif spec.kind == "number":
            control.widget = "number"
            bounds = number_range(_plain(spec.min_value), _plain(spec.max_value))
            control.help = " ".join(t for t in (control.help, bounds) if t)
        elif spec.kind == "date":
            control.widget = "date"
        elif spec.kind == "choice":
            control.widget = "select"
            options = [(c.value, c.label_ru if ru else c.label_en) for c in parse_choices(f.choices)]
            control.options = [("", _("— choose —")), *options]
        elif spec.kind == "bool":
            control.widget = "checkbox"
            control.value = bool(data.get(name))
        out.append((spec, control))
    return out


def _normalised(text: str) -> str:
    # Browsers send line breaks as CRLF but count them as one character for maxlength.
    return text.replace("\r\n", "\n")


def _form_data(request: HttpRequest, ref: Reference) -> dict[str, str]:
    """What was posted (the inputs' texts), or the blank form's defaults."""
    if request.method != "POST":
        return {"priority": ref.default_priority.code if ref.default_priority else ""}
    return {k: _normalised(request.POST[k]) for k in request.POST if k != "csrfmiddlewaretoken"}


def _formal_values(formal: list[tuple[FieldSpec, Control]], data: dict[str, str]) -> dict[str, str | bool]:
    """What the person entered, as the service takes it: empty inputs left out; a yes/no box
    always answers (an unticked box is a "no")."""
    values: dict[str, str | bool] = {}
    for spec, control in formal:
        if spec.kind == "bool":
            values[spec.code] = bool(data.get(control.name))
            continue
        raw = str(data.get(control.name, ""))
        if raw.strip():
            values[spec.code] = raw
    return values


def _said(exc: Invalid, formal: list[tuple[FieldSpec, Control]]) -> dict[str, str]:
    """The service's refusal by control (the formal field `fields.x` is the control `f_x`); what no
    control shows is said above the form (key "")."""
    controls = {name: name for name in (*FIELDS, "files")} | {f"fields.{s.code}": c.name for s, c in formal}
    said = field_messages(exc, form="new_request", fallback="", fields=controls)
    return {controls.get(name, name): text for name, text in said.items()}


@require_http_methods(["GET", "POST"])
@login_required
def new_request_form(request: AuthedRequest, type_code: str) -> HttpResponse:
    request_type = _request_type(type_code)
    ref = reference()
    data = _form_data(request, ref)
    formal = _formal_controls(ref.fields_by_type.get(request_type.pk, []), data)
    files = request.FILES.getlist("files") if request.method == "POST" else []
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            ticket = ticket_create(
                initiator=request.user,
                type_code=request_type.code,
                subject=data.get("subject", ""),
                description=data.get("description", ""),
                priority_code=data.get("priority") or None,
                category_code=data.get("category") or None,
                fields=_formal_values(formal, data),
                files=files,
            )
        except Invalid as exc:
            errors = _said(exc, formal)
        else:
            _attach(request, ticket, files)
            _filed(request, ticket)
            return HttpResponseRedirect(reverse("web:ticket", args=[ticket.number]))
    return _form_page(request, request_type, data, formal, errors, files_lost=bool(files) and bool(errors))


def _form_page(
    request: HttpRequest,
    request_type: RequestType,
    data: dict[str, str],
    formal: list[tuple[FieldSpec, Control]],
    errors: dict[str, str],
    *,
    files_lost: bool,
) -> HttpResponse:
    """The form with what was typed, each problem beside its control and linked from the summary."""
    ref = reference()
    form_error = errors.pop("", "")
    for _spec, control in formal:
        control.error = errors.get(control.name, "")
    labels = {
        "subject": _("Subject"),
        "description": _("Description"),
        "category": _("Category"),
        "priority": _("Priority"),
        **{c.name: c.label for _s, c in formal},
        "files": _("Attachments"),
    }
    category_code = data.get("category", "")
    selected = ref.categories_by_code.get(category_code) if category_code else None
    scope = _hint(selected, declines=_declines(request_type, ref))
    context = {
        "type": request_type,
        "data": data,
        "errors": errors,
        "form_error": form_error,
        "error_count": len(errors) + (1 if form_error else 0),
        # In the form's order, each a link to its control.
        "problems": [(f"id_{name}", label) for name, label in labels.items() if name in errors],
        "formal": [c for _s, c in formal],
        "categories": [(c, "\u00a0\u00a0\u00a0" * depth) for c, depth in _category_tree(ref)],
        # The hint under the picker; when the category is refused its error says the same.
        "hint": None if "category" in errors else scope,
        "scope": scope,  # the line by the button: an out-of-scope request is declined or refused
        "priorities": [p for p in ref.priorities.values() if p.is_active],
        "files_lost": files_lost,
        "max_file_mb": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "subject_max": settings.MAX_SUBJECT_LENGTH,
        "text_max": settings.MAX_TEXT_LENGTH,
    }
    status = 422 if errors or form_error else 200
    return render(request, "web/portal/new_form.html", context, status=status)


def _filed(request: HttpRequest, ticket: Ticket) -> None:
    category = ticket.category if ticket.category_id else None
    if category is not None and not category.in_scope:
        text = _("Your request %(number)s is filed and declined at once: %(why)s")
        messages.warning(request, text % {"number": ticket.number, "why": out_of_scope_message(category)})
    else:
        messages.success(request, _("Your request %(number)s is filed.") % {"number": ticket.number})


def _attach(request: AuthedRequest, ticket: Ticket, files: list[UploadedFile]) -> None:
    """The files, each through the attachment service; the request is filed already, so a file
    refused now is reported on the request's page rather than undoing the request."""
    for upload in files:
        try:
            attachment_add(ticket=ticket, actor=request.user, upload=upload)
        except DomainError as exc:
            messages.warning(
                request,
                _("The file %(name)s was not attached: %(detail)s") % {"name": upload.name, "detail": exc.detail},
            )


@require_GET
@login_required
def category_hint(request: AuthedRequest, type_code: str) -> HttpResponse:
    """The note under the category picker (htmx): where to go instead for a category out of scope
    and what filing it anyway does, the category's description otherwise; and, out of band, the
    line by the submit button."""
    request_type = _request_type(type_code)
    ref = reference()
    code = request.GET.get("category", "")
    category = ref.categories_by_code.get(code) if code else None
    hint = _hint(category, declines=_declines(request_type, ref))
    # Rendered without the request: a fragment needs none of the frame (the bell's count query).
    context = {"hint": hint, "scope": hint, "oob": True}
    return HttpResponse(render_to_string("web/portal/_category_hint.html", context))
