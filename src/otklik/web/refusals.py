"""The pages' words for the services' refusals, in one place and in both languages (gettext).

A service refuses with a `DomainError` whose field errors carry a code and its params
(core/errors.py lists the codes); the API shows them as they are, a page asks `field_messages`
for the person's words by field. Words are looked up by (form, field, code), then (form, code),
then (field, code), then (code); a field error with none is the form's `other`; a refusal that
names no field the form shows is said once, beside `fallback`, by the refusal's code or kind
(forbidden, conflict, …), else the form's `refused`. New words: add the English text here with
gettext_lazy, then `make messages` and its Russian in locale/ru.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from otklik.catalog.models import Category
from otklik.catalog.reference import reference
from otklik.core import dates
from otklik.core.errors import Conflict, DomainError, FieldError, Forbidden, Invalid, NotFound

# Words: a lazy text, formatted with the error's params (%(limit)s…), or a function of the error.
Words = Promise | str | Callable[[FieldError], str]
RefusalWords = Promise | str | Callable[[DomainError], str]

NOT_ACCEPTED = gettext_lazy("This value is not accepted.")
NOT_POSSIBLE = gettext_lazy("This is not possible now.")
TEXT_TOO_LONG = gettext_lazy("The text is too long (at most %(limit)s characters).")
WRITE_FIRST = gettext_lazy("Write the text first.")
CHOOSE_OPTION = gettext_lazy("Choose one of the options.")
MEMBER = gettext_lazy("Choose a member of the request's support group.")
MB = 1024 * 1024


def shown_number(value: str) -> str:
    """A bound kept as plain digits ("100000", "2.5") as the reader's language writes numbers:
    «100 000», «2,5» (a non-breaking space between thousands); anything else as it is."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    return number_format(number, force_grouping=True) if number.is_finite() else value


def number_range(low: str | None, high: str | None) -> str:
    """A number field's bounds in words (its help, and what a wrong number is told), the numbers
    in the reader's language's form."""
    low = shown_number(str(low)) if low is not None else None
    high = shown_number(str(high)) if high is not None else None
    if low is not None and high is not None:
        return _("From %(min)s to %(max)s.") % {"min": low, "max": high}
    if low is not None:
        return _("At least %(min)s.") % {"min": low}
    if high is not None:
        return _("At most %(max)s.") % {"max": high}
    return ""


def out_of_scope_message(category: Category) -> str:
    """Where to go instead with a request in a category outside the support service's scope."""
    note = category.out_of_scope_note
    text = _("“%(name)s” is outside the support service's scope.") % {"name": category.name}
    return f"{text} {note}" if note else text


def _enter_a_number(e: FieldError) -> str:
    words = (_("Enter a number."), number_range(e.params.get("min"), e.params.get("max")))
    return " ".join(t for t in words if t)


def _fill_in(e: FieldError) -> str:
    return str(CHOOSE_OPTION) if "choices" in e.params else _("Fill this in.")


def _out_of_scope(e: FieldError) -> str:
    category = reference().categories_by_code.get(str(e.params.get("value", "")))
    return out_of_scope_message(category) if category is not None else _("This value is not accepted.")


def _file_too_large(e: FieldError) -> str:
    return _("The file %(name)s is larger than the limit of %(mb)s MB.") % {
        "name": e.params.get("name", ""),
        "mb": int(e.params.get("limit", 0)) // MB,
    }


def _this_file_too_large(e: FieldError) -> str:
    return _("The file is larger than the limit of %(mb)s MB.") % {"mb": int(e.params.get("limit", 0)) // MB}


def _years(e: FieldError) -> str:
    years = {"earliest": e.params.get("min"), "latest": e.params.get("max")}
    return _("Choose a date between the years %(earliest)s and %(latest)s.") % years


def _period_too_long(e: FieldError) -> str:
    return _("The period is longer than two years (%(most)s days): choose a shorter one.") % {"most": e.params["limit"]}


# (form, field, code), (form, "", code), ("", field, code), ("", "", code) → words.
WORDS: dict[tuple[str, str, str], Words] = {
    # Any form.
    ("", "", "required"): gettext_lazy("This is required."),
    ("", "", "too_long"): TEXT_TOO_LONG,
    ("", "", "both_or_neither"): gettext_lazy("Give both ends of the quiet hours, or neither."),
    ("", "", "same_as_start"): gettext_lazy("The quiet hours cannot end when they start."),
    ("", "body", "required"): WRITE_FIRST,
    ("", "answer", "required"): WRITE_FIRST,
    ("", "comment", "required"): gettext_lazy("Write a comment: this step needs one."),
    ("", "executor", "required"): gettext_lazy("Choose the executor."),
    ("", "executor", "unknown"): MEMBER,
    ("", "executor", "not_member"): MEMBER,
    ("", "executor", "not_allowed"): MEMBER,
    ("", "group", "unknown"): gettext_lazy("There is no such support group."),
    ("", "user", "unknown"): gettext_lazy("There is no such user."),
    ("", "user", "not_member"): gettext_lazy("This person is not of the request's organisation and may not watch it."),
    ("", "file", "empty"): gettext_lazy("The file is empty."),
    ("", "file", "too_large"): _this_file_too_large,
    ("", "decision", "not_a_choice"): gettext_lazy("Choose: uphold or reject."),
    ("", "category", "out_of_scope"): _out_of_scope,
    # The new-request form (web/views/portal.py), its formal fields named fields.<code>.
    ("new_request", "subject", "required"): gettext_lazy("Write what the request is about."),
    ("new_request", "priority", "unknown"): gettext_lazy("Choose one of the priorities."),
    ("new_request", "category", "unknown"): gettext_lazy("Choose one of the categories."),
    ("new_request", "files", "empty"): gettext_lazy("The file %(name)s is empty."),
    ("new_request", "files", "too_large"): _file_too_large,
    ("new_request", "", "required"): _fill_in,
    ("new_request", "", "too_long"): gettext_lazy("At most %(limit)s characters."),
    ("new_request", "", "not_a_number"): _enter_a_number,
    ("new_request", "", "too_small"): _enter_a_number,
    ("new_request", "", "too_large"): _enter_a_number,
    ("new_request", "", "not_a_date"): gettext_lazy("Enter a date as YYYY-MM-DD."),
    ("new_request", "", "not_a_choice"): CHOOSE_OPTION,
    ("new_request", "", "not_a_boolean"): gettext_lazy("Answer yes or no."),
    # A complaint filed from the portal (web/views/complaint_filing.py).
    ("complaint_filing", "body", "required"): gettext_lazy("Write what happened."),
    ("complaint_filing", "ticket", "unknown"): gettext_lazy("Choose one of your requests from the list."),
    # The person's own phone and messenger address and its code (web/views/settings.py).
    ("address", "phone", "invalid"): gettext_lazy("Enter a phone number of 10 to 15 digits, such as +7 999 123-45-67."),
    ("address", "messenger", "invalid"): gettext_lazy("Enter the address without spaces, at most 100 characters."),
    ("address", "code", "required"): gettext_lazy("Type the code from the message."),
    ("address", "code", "invalid"): gettext_lazy("This is not the code that was sent. Tries left: %(left)s."),
    # The rating (on a request's page and behind the rating link).
    ("survey", "score", "out_of_range"): gettext_lazy("Choose a score from 1 to 5."),
    ("survey", "comment", "too_long"): gettext_lazy("The comment is too long (at most %(limit)s characters)."),
    # The quality report's period.
    ("report", "", "not_a_date"): gettext_lazy("“%(value)s” is not a date: enter it as YYYY-MM-DD."),
    ("report", "", "out_of_range"): _years,
    ("report", "", "before_start"): lambda e: (
        _("The period ends (%(last)s) before it starts (%(first)s).")
        % {k: _day(e.params.get(k)) for k in ("first", "last")}
    ),
    ("report", "", "too_long"): _period_too_long,
}


@dataclass(frozen=True)
class Form:
    """What a form says when the table has no words: for a field error (`other`), for a refusal
    naming no field (`refused`), and for refusals by their code or kind (`refusals`; "" = say nothing)."""

    other: Words = NOT_ACCEPTED
    refused: RefusalWords = NOT_POSSIBLE
    refusals: Mapping[str, RefusalWords] = field(default_factory=dict)


FORMS: dict[str, Form] = {
    # A request's page (web/views/ticket.py): transitions, replies, reassignment, watchers, files.
    "ticket": Form(refusals={"forbidden": gettext_lazy("You may not do this on this request."), "conflict": ""}),
    "ticket_complaint": Form(
        other=gettext_lazy("Write what is wrong."),
        refused=gettext_lazy("Write what is wrong."),
        refusals={"forbidden": gettext_lazy("Only the request's initiator may complain about how it was handled.")},
    ),
    # A complaint's page for the support managers (web/views/complaints.py).
    "complaint": Form(
        other=WRITE_FIRST, refusals={"forbidden": gettext_lazy("Only the support managers may do this.")}
    ),
    "complaint_filing": Form(other=gettext_lazy("Write what happened."), refused=lambda exc: exc.detail),
    # The search box of the portal's list (web/views/portal.py).
    "portal_search": Form(),
    "survey": Form(
        refused=NOT_ACCEPTED,
        refusals={
            "forbidden": gettext_lazy("Only the request's initiator may rate it."),
            "expired": gettext_lazy("The time to rate this request is over."),
            "not_asked": gettext_lazy("The request has not been resolved yet: there is nothing to rate."),
        },
    ),
    "new_request": Form(refused=lambda exc: _("The request could not be filed: %(detail)s") % {"detail": exc.detail}),
    "report": Form(other=lambda e: e.message, refused=lambda exc: exc.detail),
    "address": Form(
        refusals={
            "no_code": gettext_lazy("No code was sent to this address yet: ask for one."),
            "code_expired": gettext_lazy("The code has expired: ask for a new one."),
            "too_many_attempts": gettext_lazy("The code was mistyped too many times: ask for a new one."),
            "too_soon": gettext_lazy("A code was sent less than a minute ago: wait a little before asking again."),
            "too_many_codes": gettext_lazy("Too many codes were sent today: try again tomorrow."),
            "no_carrier": gettext_lazy("The help desk cannot send messages this way yet: ask its administrator."),
            "already_verified": gettext_lazy("This address is confirmed already."),
        }
    ),
    # The settings' own form checks first; what the services refuse beyond it keeps their words.
    "settings": Form(other=lambda e: e.message),
}


def _day(value: object) -> str:
    """A date the error carries as ISO (what the API says), as the reader writes dates."""
    try:
        return dates.day(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _say(words: Words, error: FieldError) -> str:
    if callable(words):
        return words(error)
    return str(words) % dict(error.params) if error.params else str(words)


def field_message(error: FieldError, *, form: str) -> str:
    """One field error in the reader's words."""
    for key in ((form, error.field, error.code), (form, "", error.code), ("", error.field, error.code)):
        if key in WORDS:
            return _say(WORDS[key], error)
    general = WORDS.get(("", "", error.code))
    return _say(general if general is not None else FORMS[form].other, error)


def _kind(exc: DomainError) -> str:
    for cls, kind in ((Forbidden, "forbidden"), (Conflict, "conflict"), (NotFound, "not_found"), (Invalid, "invalid")):
        if isinstance(exc, cls):
            return kind
    return exc.code


def refusal_message(exc: DomainError, *, form: str) -> str:
    """A refusal that names no field, in the reader's words ("" when the form says nothing of it)."""
    spec = FORMS[form]
    words = spec.refusals.get(exc.code, spec.refusals.get(_kind(exc), spec.refused))
    return words(exc) if callable(words) else str(words)


def field_messages(
    exc: DomainError, *, form: str, fallback: str, fields: Collection[str] | None = None
) -> dict[str, str]:
    """The refusal in the reader's words by field (the first problem of each field): its field
    errors on `fields` (all when None); when it shows none of them, the refusal itself, said
    once beside `fallback`."""
    spec = FORMS[form]
    refused = exc.code in spec.refusals or _kind(exc) in spec.refusals
    shown = [] if refused else [e for e in exc.errors if fields is None or e.field in fields]
    out: dict[str, str] = {}
    for error in shown:
        out.setdefault(error.field, field_message(error, form=form))
    if not shown:
        text = refusal_message(exc, form=form)
        if text:
            out[fallback] = text
    return out


def first_message(exc: DomainError, *, form: str) -> str:
    """The refusal in one sentence: its first field error's words, or the refusal's."""
    return field_message(exc.errors[0], form=form) if exc.errors else refusal_message(exc, form=form)
