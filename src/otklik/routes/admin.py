"""Route editing: points and transitions inline; an active route is validated before it is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from otklik.core.forms import delete_ticked, form_field

from .models import Route, RoutePoint, Transition
from .problems import problem_text
from .services import route_copy
from .validation import PointSpec, TransitionSpec, route_issues

ACTOR_FLAGS = (
    ("by_initiator", "initiator"),
    ("by_executor", "executor"),
    ("by_group_member", "group_member"),
    ("by_group_lead", "group_lead"),
    ("by_manager", "manager"),
)


class PointFormSet(BaseInlineFormSet):
    pass


class TransitionFormSet(BaseInlineFormSet):
    """Judges the route as it would be after this save: the points formset plus this one."""

    points_formset: PointFormSet | None = None

    def clean(self) -> None:
        super().clean()
        route = self.instance
        pf = self.points_formset
        if not route.is_active or pf is None or any(self.errors) or not pf.is_valid():
            return
        points: list[PointSpec] = []
        deleted: set[int] = set()
        for i, form in enumerate(pf.forms):
            data = getattr(form, "cleaned_data", None)
            if not data:
                continue
            key = form.instance.pk or f"new-{i}"
            if delete_ticked(pf, form):
                if form.instance.pk:
                    deleted.add(form.instance.pk)
                continue
            points.append(PointSpec(key, data["code"], data["kind"], bool(data.get("is_start"))))
        transitions: list[TransitionSpec] = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or delete_ticked(self, form):
                continue
            source, target = data.get("source"), data.get("target")
            if source is None or target is None:
                continue
            actors = tuple(name for flag, name in ACTOR_FLAGS if data.get(flag))
            transitions.append(TransitionSpec(data["code"], source.pk, target.pk, actors))
        oos = route.out_of_scope_point_id
        problems = route_issues(points, transitions, oos if oos not in deleted else None)
        if problems:
            raise ValidationError(
                [_("This active route cannot be saved: %(problem)s") % {"problem": problem_text(p)} for p in problems]
                + [_("Untick 'active' to save an unfinished route as a draft.")]
            )


class RoutePointInline(admin.TabularInline):
    model = RoutePoint
    formset = PointFormSet
    extra = 0
    fields = ("code", "name_ru", "name_en", "kind", "clock", "is_start", "order")


class TransitionInline(admin.StackedInline):
    model = Transition
    formset = TransitionFormSet
    extra = 0
    fieldsets = (
        (None, {"fields": (("code", "order"), ("label_ru", "label_en"), ("source", "target"))}),
        (_("Who may take it"), {"fields": (tuple(flag for flag, _name in ACTOR_FLAGS),)}),
        (None, {"fields": (("comment_required", "executor_on_arrival", "reaction"),)}),
    )

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if db_field.name in ("source", "target"):
            route_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = RoutePoint.objects.filter(route_id=route_id) if route_id else RoutePoint.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RouteForm(forms.ModelForm):
    class Meta:
        model = Route
        fields = ("code", "name_ru", "name_en", "is_active", "out_of_scope_point")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "out_of_scope_point", forms.ModelChoiceField).queryset = (
            RoutePoint.objects.filter(route=self.instance) if self.instance.pk else RoutePoint.objects.none()
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.instance.pk and not data.get("is_active"):
            types = list(self.instance.request_types.filter(is_active=True).values_list("code", flat=True))
            if types:
                raise ValidationError(
                    {
                        "is_active": _(
                            "This route serves the request types %(types)s and must stay active. To restructure "
                            "it, use the action 'Copy as a draft', edit and activate the copy, then switch the "
                            "types to it."
                        )
                        % {"types": ", ".join(types)}
                    }
                )
        return data


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    form = RouteForm
    list_display = ("code", "name_ru", "name_en", "is_active")
    inlines = [RoutePointInline, TransitionInline]
    actions = ["copy_as_draft"]

    @admin.action(description=_("Copy as a draft"))
    def copy_as_draft(self, request: HttpRequest, queryset: QuerySet[Route]) -> None:
        for route in queryset:
            copy = route_copy(route=route)
            messages.success(
                request, _("Draft %(code)s created from %(source)s.") % {"code": copy.code, "source": route.code}
            )

    def _create_formsets(
        self, request: HttpRequest, obj: Route, change: bool
    ) -> tuple[list[BaseInlineFormSet], list[InlineModelAdmin]]:
        # ModelAdmin's private hook (where the formsets are made, before they are validated): not
        # in django-stubs.
        formsets, inline_instances = super()._create_formsets(request, obj, change)  # type: ignore[misc]
        points = next((fs for fs in formsets if isinstance(fs, PointFormSet)), None)
        for fs in formsets:
            if isinstance(fs, TransitionFormSet):
                fs.points_formset = points
        return formsets, inline_instances
