"""The portal: a person's own requests and the new-request form (type first, then its form).

The form checks everything at once with the rules the service applies (the formal fields through
`validate_fields`, the same limits), so the person sees every problem next to its field in one go;
`ticket_create` still has the last word, and a refusal of its own is shown the same way. A request
in an out-of-scope category goes the API's way: filed and declined at once where the route has an
out-of-scope point, refused otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
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
from django.views.decorators.http import require_GET, require_http_methods

from otklik.accounts.http import AuthedRequest
from otklik.accounts.people import people
from otklik.catalog.formfields import FieldErrors, FieldSpec, parse_choices, validate_fields
from otklik.catalog.models import Category, FormField, RequestType
from otklik.catalog.reference import Reference, reference
from otklik.core.errors import DomainError, Invalid
from otklik.core.i18n import current_language, localized
from otklik.core.paging import BadCursor
from otklik.routes.models import PointKind
from otklik.tickets.attachments import attachment_add
from otklik.tickets.models import Ticket
from otklik.tickets.selectors import TicketFilters, awaiting_initiator_count, ticket_list_for
from otklik.workflow import ticket_create

PAGE_SIZE = 25
SHOW = ("all", "open", "closed")
# What the initiator is asked to do at the points where the move is theirs (INITIATOR_TURN).
AWAITING_KINDS: dict[str, str] = {PointKind.WAITING: "answer", PointKind.RESOLVED: "confirm"}
LONG_TEXT = 200  # a text field allowing more than this gets a text area


# --- my requests --------------------------------------------------------------------------------


@require_GET
@login_required
def my_requests(request: AuthedRequest) -> HttpResponse:
    """The person's own requests, newest first: `?show=open|closed|all`, `?cursor=` pages back."""
    user = request.user
    show = request.GET.get("show", "all")
    if show not in SHOW:
        show = "all"
    cursor = request.GET.get("cursor") or None
    filters = TicketFilters(initiator="me", state=None if show == "all" else show)
    try:
        rows, next_cursor = ticket_list_for(user, filters, cursor=cursor, limit=PAGE_SIZE)
    except BadCursor:
        return HttpResponseRedirect(_my_url(show))  # a mangled link: start from the newest
    who = people(r.executor_id for r in rows)
    items = [
        {
            "row": r,
            "executor": who.get(r.executor_id) if r.executor_id else None,
            "awaits": AWAITING_KINDS.get(r.point.kind),
        }
        for r in rows
    ]
    context = {
        "items": items,
        "show": show,
        "show_choices": [("all", _("All")), ("open", _("Open")), ("closed", _("Closed"))],
        "awaiting": awaiting_initiator_count(user),
        "next_url": _my_url(show, next_cursor) if next_cursor else "",
        "first_url": _my_url(show) if cursor else "",
    }
    return render(request, "web/portal/my_requests.html", context)


def _my_url(show: str, cursor: str | None = None) -> str:
    query = {"show": show, **({"cursor": cursor} if cursor else {})}
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
    value: Any = ""
    required: bool = False
    help: str = ""
    error: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)

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


def _out_of_scope_message(category: Category) -> str:
    note = category.out_of_scope_note
    text = _("“%(name)s” is outside the support service's scope.") % {"name": category.name}
    return f"{text} {note}" if note else text


def _declines(request_type: RequestType, ref: Reference) -> bool:
    """Whether the type's route files a request in an out-of-scope category and declines it at once
    (it has an out-of-scope point), as `ticket_create` does; without one it refuses such a request."""
    route = ref.routes.get(request_type.route_id)
    return route is not None and route.out_of_scope_point_id is not None


def _hint(category: Category | None, *, declines: bool) -> dict[str, Any] | None:
    """What the form says of the chosen category: where to go instead for one out of scope, and
    whether filing it anyway declines it at once (`declines`) or is refused."""
    if category is None or not category.is_active:
        return None
    if not category.in_scope:
        return {"out_of_scope": True, "declines": declines, "text": _out_of_scope_message(category)}
    return {"out_of_scope": False, "text": category.description} if category.description else None


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _number_range(spec: FieldSpec) -> str:
    low = _plain(spec.min_value) if spec.min_value is not None else None
    high = _plain(spec.max_value) if spec.max_value is not None else None
    if low is not None and high is not None:
        return _("From %(min)s to %(max)s.") % {"min": low, "max": high}
    if low is not None:
        return _("At least %(min)s.") % {"min": low}
    if high is not None:
        return _("At most %(max)s.") % {"max": high}
    return ""


def _field_message(spec: FieldSpec, problem: str) -> str:
    """The person's words for what `validate_fields` refused (its own texts are for the API)."""
    if problem == "is required":
        return _("Choose one of the options.") if spec.kind == "choice" else _("Fill this in.")
    if spec.kind == "text":
        return _("At most %(limit)s characters.") % {"limit": spec.max_length or 2000}
    if spec.kind == "number":
        return " ".join(t for t in (_("Enter a number."), _number_range(spec)) if t)
    if spec.kind == "date":
        return _("Enter a date as YYYY-MM-DD.")
    if spec.kind == "choice":
        return _("Choose one of the options.")
    return _("Answer yes or no.")


def _formal_controls(form_fields: Iterable[FormField], data: dict[str, Any]) -> list[tuple[FieldSpec, Control]]:
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
            if spec.min_value is not None or spec.max_value is not None:
                control.help = " ".join(t for t in (control.help, _number_range(spec)) if t)
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


def _form_data(request: HttpRequest, ref: Reference) -> dict[str, Any]:
    if request.method != "POST":
        return {"priority": ref.default_priority.code if ref.default_priority else ""}
    return {k: _normalised(request.POST[k]) for k in request.POST if k != "csrfmiddlewaretoken"}


def _formal_values(formal: list[tuple[FieldSpec, Control]], data: dict[str, Any]) -> dict[str, Any]:
    """What the person entered, as the service takes it: empty inputs left out; a yes/no box
    always answers (an unticked box is a "no")."""
    values: dict[str, Any] = {}
    for spec, control in formal:
        if spec.kind == "bool":
            values[spec.code] = bool(data.get(control.name))
            continue
        raw = str(data.get(control.name, ""))
        if raw.strip():
            values[spec.code] = raw
    return values


def _files_error(files: list[UploadedFile]) -> str:
    """The API's limits on a file, checked before anything is filed."""
    limit = settings.MAX_ATTACHMENT_BYTES
    for f in files:
        if not f.size:
            return _("The file %(name)s is empty.") % {"name": f.name}
        if f.size > limit:
            return _("The file %(name)s is larger than the limit of %(mb)s MB.") % {
                "name": f.name,
                "mb": limit // (1024 * 1024),
            }
    return ""


def _service_errors(
    exc: DomainError, formal: list[tuple[FieldSpec, Control]], category: Category | None
) -> tuple[dict[str, str], str]:
    """A refusal by `ticket_create` (the catalogue changed since the checks above) as messages
    by control, or one for the whole form."""
    errors: dict[str, str] = {}
    raw = exc.errors if isinstance(exc.errors, dict) else {}
    by_code = {spec.code: (spec, control) for spec, control in formal}
    for key, problem in raw.items():
        if key == "fields" and isinstance(problem, dict):
            for code, text in problem.items():
                if code in by_code:
                    spec, control = by_code[code]
                    errors[control.name] = _field_message(spec, str(text))
        elif key == "category" and exc.code == "out_of_scope":
            errors["category"] = _out_of_scope_message(category) if category else exc.detail
        elif key in ("subject", "description", "priority", "category"):
            errors[key] = _("Check this value: %(problem)s.") % {"problem": problem}
    return errors, "" if errors else _("The request could not be filed: %(detail)s") % {"detail": exc.detail}


@require_http_methods(["GET", "POST"])
@login_required
def new_request_form(request: AuthedRequest, type_code: str) -> HttpResponse:
    request_type = _request_type(type_code)
    ref = reference()
    declines = _declines(request_type, ref)
    data = _form_data(request, ref)
    formal = _formal_controls(ref.fields_by_type.get(request_type.pk, []), data)
    errors: dict[str, str] = {}
    form_error = ""
    files = request.FILES.getlist("files") if request.method == "POST" else []

    if request.method == "POST":
        subject = data.get("subject", "").strip()
        description = data.get("description", "").strip()
        if not subject:
            errors["subject"] = _("Write what the request is about.")
        elif len(subject) > settings.MAX_SUBJECT_LENGTH:
            errors["subject"] = _("At most %(limit)s characters.") % {"limit": settings.MAX_SUBJECT_LENGTH}
        if len(description) > settings.MAX_TEXT_LENGTH:
            errors["description"] = _("At most %(limit)s characters.") % {"limit": settings.MAX_TEXT_LENGTH}
        priority_code = data.get("priority", "")
        priority = ref.priorities_by_code.get(priority_code) if priority_code else None
        if priority_code and (priority is None or not priority.is_active):
            errors["priority"] = _("Choose one of the priorities.")
        category_code = data.get("category", "")
        category = ref.categories_by_code.get(category_code) if category_code else None
        if category_code and (category is None or not category.is_active):
            errors["category"] = _("Choose one of the categories.")
        elif category is not None and not category.in_scope and not declines:
            # The route has no out-of-scope point to decline it at: refused, as the API refuses it.
            errors["category"] = _out_of_scope_message(category)
        values = _formal_values(formal, data)
        try:
            validate_fields([spec for spec, _c in formal], values)
        except FieldErrors as exc:
            for spec, control in formal:
                if spec.code in exc.errors:
                    errors[control.name] = _field_message(spec, exc.errors[spec.code])
        if files_error := _files_error(files):
            errors["files"] = files_error

        if not errors:
            try:
                ticket = ticket_create(
                    initiator=request.user,
                    type_code=request_type.code,
                    subject=subject,
                    description=description,
                    priority_code=priority_code or None,
                    category_code=category_code or None,
                    fields=values,
                )
            except Invalid as exc:
                errors, form_error = _service_errors(exc, formal, category)
            else:
                _attach(request, ticket, files)
                _filed(request, ticket, category)
                return HttpResponseRedirect(reverse("web:ticket", args=[ticket.number]))

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
    scope = _hint(selected, declines=declines)
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
        "files_lost": bool(files) and bool(errors),
        "max_file_mb": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "subject_max": settings.MAX_SUBJECT_LENGTH,
        "text_max": settings.MAX_TEXT_LENGTH,
    }
    return render(request, "web/portal/new_form.html", context, status=422 if errors or form_error else 200)


def _filed(request: HttpRequest, ticket: Ticket, category: Category | None) -> None:
    if category is not None and not category.in_scope:
        text = _("Your request %(number)s is filed and declined at once: %(why)s")
        messages.warning(request, text % {"number": ticket.number, "why": _out_of_scope_message(category)})
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
