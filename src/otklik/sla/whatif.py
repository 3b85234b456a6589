"""What-if: before an edited policy or calendar is saved, which open requests would get which new
deadlines, and which would become breached.

The admin's own change-form processing saves the edit (with its inlines and conditions) inside a
transaction that is always rolled back; inside it the SLA snapshot is built from the edited rows
(`reference._build`, never cached). After the rollback the open requests concerned are recomputed
twice, without saving, by the timer worker's own `services.recompute`: with the configuration in
force and with the edited one. The difference is the preview. The computation runs after the
rollback so that a large preview holds no write lock (SQLite has a single writer).

`SlaConfigAdminMixin` also marks the open requests concerned for recomputation whenever the
admin saves or deletes configuration (config.sla_config_changed, on commit).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django import forms
from django.contrib import admin
from django.db import router, transaction
from django.db.models import F, Model, QuerySet
from django.forms.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from otklik.catalog.reference import reference
from otklik.core.clock import now
from otklik.core.i18n import current_language
from otklik.tickets.models import Ticket

from . import clockmath as cm
from .config import open_requests_concerned, sla_config_changed_on_commit
from .models import Calendar, Clock, ClockState, Metric
from .reference import SlaReference, invalidate, sla_reference, sla_reference_build
from .services import Ledger, recompute
from .worktime import format_minutes

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # str or a lazy translation (the stubs' name)

PREVIEW = "_preview"  # the name of the change form's "Preview the effect" button
MAX_REQUESTS = 20_000  # requests recomputed by one preview; the nearest deadlines first
MAX_ROWS = 200  # changed targets listed
_CHUNK = 5_000  # requests whose clocks one query loads
# What recompute reads of a request (loading the description of 20,000 requests would be waste).
_TICKET_FIELDS = (
    "id",
    "number",
    "subject",
    "is_open",
    "request_type",
    "priority",
    "category",
    "organisation",
    "group",
    "point",
    "created_at",
    "sla_due_at",
)
_ATTR = "_otklik_sla_whatif"  # on the request while a preview's save runs


# --- working time as text (worktime.py), in the reader's language ----------------------------
def format_duration(value: dt.timedelta | None) -> str:
    return "—" if value is None else format_minutes(int(value.total_seconds() // 60), current_language())


# --- the comparison ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ClockChange:
    """One target of one request whose deadline or state the edit changes (the working time is
    shown beside them; a change of it alone is not listed)."""

    ticket_id: int
    number: str
    subject: str
    metric: str
    old_target: dt.timedelta | None
    new_target: dt.timedelta | None
    old_due: dt.datetime | None
    new_due: dt.datetime | None
    old_state: str | None  # None: the request has no such clock
    new_state: str | None

    @property
    def becomes_breached(self) -> bool:
        return self.new_state == cm.BREACHED and self.old_state != cm.BREACHED

    @property
    def metric_label(self) -> str:
        return str(Metric(self.metric).label)

    @property
    def old_state_label(self) -> str:
        return str(ClockState(self.old_state).label) if self.old_state else "—"

    @property
    def new_state_label(self) -> str:
        return str(ClockState(self.new_state).label) if self.new_state else "—"

    @property
    def old_target_text(self) -> str:
        return format_duration(self.old_target)

    @property
    def new_target_text(self) -> str:
        return format_duration(self.new_target)


@dataclass
class WhatIf:
    examined: int = 0  # requests recomputed
    total: int = 0  # open requests concerned (more than examined when over MAX_REQUESTS)
    changed_requests: int = 0
    breached_requests: int = 0  # requests of which some target would become breached
    changes: list[ClockChange] = field(default_factory=list)  # by new deadline

    @property
    def truncated(self) -> bool:
        return self.total > self.examined

    @property
    def shown(self) -> list[ClockChange]:
        return self.changes[:MAX_ROWS]


def _copy(row: Clock) -> Clock:
    # recompute re-points a row at its new policy and calendar; each configuration gets its own copy.
    # Not copy.copy: going through pickling support costs a third of a large preview.
    clone = Clock.__new__(Clock)
    clone.__dict__.update(row.__dict__)
    clone._state = copy.copy(row._state)  # its own cache of related objects
    return clone


def recomputed(ticket: Ticket, clocks: Iterable[Clock], sref: SlaReference, *, when: dt.datetime) -> Ledger:
    """What the timer worker would make of a request's clocks under `sref` (timers.sla_fire_due
    runs the same `recompute`), on copies of the rows, never saved."""
    ledger = Ledger(ticket, [_copy(c) for c in clocks], sref)
    recompute(ledger, when=when, reason="configuration")
    return ledger


def outcome(data: cm.ClockData | None, when: dt.datetime) -> str | None:
    """The clock's state once the worker has fired what is due at `when`: a running clock past
    its deadline is breached on the worker's next pass."""
    return None if data is None else cm.state_at(data, when)


def _changes(ticket: Ticket, before: Ledger, after: Ledger, when: dt.datetime) -> list[ClockChange]:
    out = []
    for metric in sorted(set(before.data) | set(after.data)):
        old, new = before.data.get(metric), after.data.get(metric)
        old_state, new_state = outcome(old, when), outcome(new, when)
        old_target, old_due = (old.target, old.due_at) if old else (None, None)
        new_target, new_due = (new.target, new.due_at) if new else (None, None)
        if (old_due, old_state) == (new_due, new_state):
            continue  # a new target that moves no deadline and no state (a paused or met clock) is no news
        out.append(
            ClockChange(
                ticket_id=ticket.pk,
                number=ticket.number,
                subject=ticket.subject,
                metric=metric,
                old_target=old_target,
                new_target=new_target,
                old_due=old_due,
                new_due=new_due,
                old_state=old_state,
                new_state=new_state,
            )
        )
    return out


def _clocks_of(ticket_ids: list[int]) -> dict[int, list[Clock]]:
    """The clocks of these requests, a few thousand requests per query (the IN list stays well
    inside SQLite's limit on parameters; prefetch_related would also build a queryset per request)."""
    out: dict[int, list[Clock]] = {}
    for start in range(0, len(ticket_ids), _CHUNK):
        for row in Clock.objects.filter(ticket_id__in=ticket_ids[start : start + _CHUNK]).order_by():
            out.setdefault(row.ticket_id, []).append(row)
    return out


def whatif_compare(
    *,
    tickets: QuerySet[Ticket],
    before: SlaReference,
    after: SlaReference,
    when: dt.datetime,
    limit: int = MAX_REQUESTS,
) -> WhatIf:
    """Recompute the open requests of `tickets` (at most `limit`, the nearest deadlines first)
    under both configurations and list what differs. One query loads the requests, one per 5,000
    requests their clocks."""
    qs = tickets.filter(is_open=True).only(*_TICKET_FIELDS).order_by(F("sla_due_at").asc(nulls_last=True), "pk")
    batch = list(qs[: limit + 1])
    result = WhatIf(total=len(batch))
    if len(batch) > limit:
        batch = batch[:limit]
        result.total = tickets.filter(is_open=True).count()
    clocks = _clocks_of([t.pk for t in batch])
    catalogue = reference()
    for ticket in batch:
        catalogue.attach(ticket)  # as the worker does: the point and priority from memory
        rows = clocks.get(ticket.pk, [])
        changes = _changes(
            ticket, recomputed(ticket, rows, before, when=when), recomputed(ticket, rows, after, when=when), when
        )
        if changes:
            result.changed_requests += 1
            result.breached_requests += any(c.becomes_breached for c in changes)
            result.changes.extend(changes)
    result.examined = len(batch)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    result.changes.sort(key=lambda c: (c.new_due or far, c.number, c.metric))
    return result


# --- the admin ---------------------------------------------------------------------------------
class _Rollback(Exception):
    """Undoes the preview's save."""


_Config = TypeVar("_Config", bound=Model)  # the configuration row an admin edits: a policy, a calendar…


class SlaConfigAdminMixin(admin.ModelAdmin, Generic[_Config]):
    """For the admins of the SLA configuration: marks the open requests concerned for
    recomputation after every save or delete, and (`whatif_enabled`) offers "Preview the effect"
    on the change form. `sla_scope` says which requests an object concerns."""

    whatif_enabled = True
    change_form_template = "admin/sla/whatif_change_form.html"
    whatif_template = "admin/sla/whatif_preview.html"

    def sla_scope(self, obj: _Config, form: forms.ModelForm[_Config] | None = None) -> int | None:
        """The calendar whose requests a change concerns; None: every open request."""
        return None

    # --- marking -------------------------------------------------------------------------------
    def save_related(
        self, request: HttpRequest, form: forms.ModelForm[_Config], formsets: list[BaseFormSet[BaseForm]], change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)  # after save_model, with inlines and M2M
        scope = self.sla_scope(form.instance, form)
        saved = getattr(request, _ATTR, None)
        if saved is not None:
            # Resolved now, in the edited state: whether this calendar is (still) the default one.
            saved.update(obj=form.instance, tickets=open_requests_concerned(calendar_id=scope))
        sla_config_changed_on_commit(calendar_id=scope)  # dropped with a preview's rollback

    def delete_model(self, request: HttpRequest, obj: _Config) -> None:
        scope = self.sla_scope(obj)
        super().delete_model(request, obj)
        sla_config_changed_on_commit(calendar_id=scope)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[_Config]) -> None:
        super().delete_queryset(request, queryset)
        sla_config_changed_on_commit(calendar_id=None)

    def message_user(self, request: HttpRequest, message: StrOrPromise, *args: Any, **kwargs: Any) -> None:
        if getattr(request, _ATTR, None):
            return  # "changed successfully" would be a lie: the preview's save is rolled back
        super().message_user(request, message, *args, **kwargs)

    # --- the preview ---------------------------------------------------------------------------
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {"whatif_enabled": self.whatif_enabled, **(extra_context or {})}
        if not (self.whatif_enabled and request.method == "POST" and PREVIEW in request.POST):
            return super().changeform_view(request, object_id, form_url, extra_context)
        saved: dict[str, Any] = {}
        setattr(request, _ATTR, saved)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                # The admin's normal processing (permission, validation, save with inlines and M2M).
                response = super().changeform_view(request, object_id, form_url, extra_context)
                if saved:
                    saved["after"] = sla_reference_build()  # the edited configuration, never cached
                raise _Rollback
        except _Rollback:
            pass
        finally:
            delattr(request, _ATTR)
            invalidate()  # no snapshot built from the edit may outlive it
        if not saved:
            return response  # the form with its errors (or the admin's redirect): nothing to preview
        result = whatif_compare(tickets=saved["tickets"], before=sla_reference(), after=saved["after"], when=now())
        return self.whatif_response(request, object_id, saved["obj"], result)

    def whatif_response(
        self, request: HttpRequest, object_id: str | None, edited: _Config, result: WhatIf
    ) -> HttpResponse:
        # The same POST again, minus the preview button and the spent CSRF token (the page has its own).
        post_items = [
            (name, value)
            for name, values in request.POST.lists()
            if name not in (PREVIEW, "csrfmiddlewaretoken")
            for value in values
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("The effect of these changes"),
            "subtitle": str(edited),
            "original": self.get_object(request, object_id) if object_id else None,
            "edited": edited,
            "whatif": result,
            "max_requests": MAX_REQUESTS,
            "max_rows": MAX_ROWS,
            "post_items": post_items,
            "form_action": request.get_full_path(),
            "now": now(),
        }
        return TemplateResponse(request, self.whatif_template, context)


class CalendarWhatIfMixin(SlaConfigAdminMixin[Calendar]):
    """For the calendar admin: a calendar concerns the requests with a clock on it or whose group
    works by it; the default calendar (or a change of the default flag) concerns them all."""

    def sla_scope(self, obj: Calendar, form: forms.ModelForm[Calendar] | None = None) -> int | None:
        if obj.is_default or (form is not None and "is_default" in form.changed_data):
            return None
        return obj.pk
