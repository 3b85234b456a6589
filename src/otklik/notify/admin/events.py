"""The event of a rule or a template in the admin: chosen from the help desk's events, or, flagged
as such, another system's event typed by name (checked: notify/events.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from otklik.notify.events import event_label, integration_event_problem, own_events
from otklik.notify.models import Event

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # str or a lazy translation (the stubs' name)

INTEGRATION = "*"  # the choice "another system's event" (no event name is a star)


def event_html(event: str) -> SafeString:
    """A list's event cell: the help desk's event by its name, the code after it small and grey
    (for whoever reads the logs); any other (an integration's, an internal one) by its code."""
    if event in Event.values:
        return format_html('{} <small class="quiet">{}</small>', event_label(event), event)
    return format_html("{}", event)


class EventFilter(admin.SimpleListFilter):
    """The side bar's filter by event, the events by name (the rows' events only)."""

    title = _("event")
    parameter_name = "event"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        events = model_admin.get_queryset(request).order_by().values_list("event", flat=True).distinct()
        named = [(e, str(event_label(e))) for e in events]
        return sorted(named, key=lambda choice: choice[1].lower())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Model]) -> QuerySet[Model]:
        value = self.value()
        return queryset.filter(event=value) if value else queryset


def event_choices(*, digest: bool) -> list[tuple[StrOrPromise, Any]]:
    # By name only, in the reader's language: the names tell the events apart (the code is what
    # another system's integration types, not what the administrator chooses by).
    own = [(e, str(event_label(e))) for e in own_events(digest=digest)]
    own.sort(key=lambda choice: choice[1].lower())
    return [
        ("", "—"),
        (_("The help desk's events"), own),
        (_("Integrations"), [(INTEGRATION, _("another system's event (its name below)"))]),
    ]


def init_event(form: forms.ModelForm[Any], *, digest: bool) -> None:
    """For a ModelForm with an `event` column and the two fields below: shows a stored event that
    is not ours as another system's."""
    event = form.instance.event if form.instance.pk else ""
    if event and event not in own_events(digest=digest):
        form.initial["event"] = INTEGRATION
        form.initial["integration_event"] = event


def clean_event_choice(form: forms.ModelForm[Any], data: dict[str, Any], *, digest: bool) -> None:
    """Puts the event's name in data["event"], or adds the error to the field at fault."""
    chosen = data.get("event")
    name = (data.get("integration_event") or "").strip()
    own = own_events(digest=digest)
    if chosen != INTEGRATION:
        if name:
            form.add_error(
                "integration_event",
                _("Only for another system's event: choose “another system's event” in the list above."),
            )
        return
    if not name:
        form.add_error("integration_event", _("Type the name of the other system's event."))
        return
    problem = integration_event_problem(name, own)
    if problem is None:
        data["event"] = name
    elif problem.code == "format":
        form.add_error(
            "integration_event",
            _("“%(name)s”: 1–40 lower-case letters, digits, dots, dashes or underscores.") % {"name": name},
        )
    elif problem.code == "like_own":
        form.add_error(
            "integration_event",
            _(
                "“%(name)s” is not an event. Did you mean the help desk's “%(similar)s” (%(label)s)? Choose it "
                "in the list above; another system names its events by itself, e.g. erp.document_posted."
            )
            % {"name": name, "similar": problem.similar, "label": event_label(problem.similar)},
        )
    else:
        form.add_error(
            "integration_event",
            _(
                "“%(name)s” is named like the help desk's own events, and no such event exists: choose one in "
                "the list above; another system names its events by itself, e.g. erp.document_posted."
            )
            % {"name": name},
        )


def event_field(*, digest: bool) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=capfirst(_("event")),
        choices=lambda: event_choices(digest=digest),
        help_text=_("What happens. For another system's event choose “another system's event” and type its name."),
    )


def integration_event_field() -> forms.CharField:
    return forms.CharField(
        label=capfirst(_("other system's event")),
        required=False,
        max_length=40,
        help_text=_("The event name another system queues through the API, e.g. erp.document_posted."),
    )
