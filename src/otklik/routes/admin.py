"""Route editing: points and transitions inline, the route drawn beside them (diagram.py); an
active route is validated before it is saved.

A transition names its points by code, so a new route gets its points and transitions in one save:
the codes are looked up among the points of the same form (a point renamed in it keeps its
transitions), and the transitions are saved after the points they name."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from otklik.core.forms import delete_ticked, form_field

from .diagram import Arrow, Point, route_svg
from .models import ExecutorOnArrival, PointKind, Route, RoutePoint, Transition
from .problems import problem_text
from .services import route_copy
from .validation import PointSpec, TransitionSpec, route_issues

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec  # the stubs' name of a fieldsets list

ACTOR_FLAGS = (
    ("by_initiator", "initiator"),
    ("by_executor", "executor"),
    ("by_group_member", "group_member"),
    ("by_group_lead", "group_lead"),
    ("by_manager", "manager"),
)
CODE_LIST = "route-point-codes"  # the datalist of the points' codes the transitions' fields offer
ENDS = ("source", "target")


def _route_id(request: HttpRequest) -> str | None:
    """The route being edited (None on the add page)."""
    return request.resolver_match.kwargs.get("object_id") if request.resolver_match else None


class PointFormSet(BaseInlineFormSet):
    def by_code(self) -> dict[str, tuple[str | int, forms.ModelForm[RoutePoint] | None]]:
        """The points a transition may name, by code: (the point's key for validation, its form),
        or None as the form for a point being deleted. A point renamed in this form is found by
        its new and its old code (the new codes win)."""
        found: dict[str, tuple[str | int, forms.ModelForm[RoutePoint] | None]] = {}
        current: dict[str, tuple[str | int, forms.ModelForm[RoutePoint] | None]] = {}
        for i, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None) or {}
            key: str | int = form.instance.pk or f"new-{i}"
            deleted = delete_ticked(self, form)
            if form.instance.pk and form.initial.get("code"):
                found[form.initial["code"]] = (key, None if deleted else form)
            if data.get("code"):
                current[data["code"]] = (key, None if deleted else form)
        return {**found, **current}


class TransitionForm(forms.ModelForm):
    # The points by code (not by a list of saved points), so a new route's transitions can name
    # the points typed above them in the same form; the list offers them by name.
    source = forms.SlugField(
        label=capfirst(_("from")),
        max_length=50,
        widget=forms.TextInput(attrs={"list": CODE_LIST, "size": 14}),
        help_text=_("The point's code: choose the point by its name in the list."),
    )
    target = forms.SlugField(
        label=capfirst(_("to")),
        max_length=50,
        widget=forms.TextInput(attrs={"list": CODE_LIST, "size": 14}),
        help_text=_("The point's code: choose the point by its name in the list."),
    )

    class Meta:
        model = Transition
        fields = (  # not the route (the inline's) nor the ends (the codes above)
            "code",
            "order",
            "label_ru",
            "label_en",
            "by_initiator",
            "by_executor",
            "by_group_member",
            "by_group_lead",
            "by_manager",
            "comment_required",
            "executor_on_arrival",
            "reaction",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for end in ENDS:
            if getattr(self.instance, f"{end}_id", None):
                self.initial[end] = getattr(self.instance, end).code
        self.points: dict[str, forms.ModelForm[RoutePoint]] = {}  # the point forms named, by end

    def save(self, commit: bool = True) -> Transition:
        # The points are saved by now (their inline comes first): each form's instance has its key.
        self.instance.source = self.points["source"].instance
        self.instance.target = self.points["target"].instance
        return super().save(commit)


class TransitionFormSet(BaseInlineFormSet):
    """Finds the points each transition names among the points formset's, then judges the route as
    it would be after this save: the points formset plus this one."""

    points_formset: PointFormSet | None = None

    def clean(self) -> None:
        super().clean()
        route = self.instance
        pf = self.points_formset
        if pf is None or not pf.is_valid():
            return  # the points' own errors first
        by_code = pf.by_code()
        keys: dict[int, dict[str, str | int]] = {}
        seen: set[tuple[str | int, str]] = set()
        for i, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or delete_ticked(self, form):
                continue
            keys[i] = {}
            for end in ENDS:
                code = data.get(end)
                if not code:
                    continue
                if code not in by_code:
                    form.add_error(end, _("No point with the code “%(code)s” in this route.") % {"code": code})
                    continue
                key, point_form = by_code[code]
                if point_form is None:
                    form.add_error(end, _("The point “%(code)s” is being deleted.") % {"code": code})
                    continue
                keys[i][end] = key
                if isinstance(form, TransitionForm):  # always: the inline's form
                    form.points[end] = point_form
            if "source" in keys[i] and data.get("code"):
                pair = (keys[i]["source"], data["code"])
                if pair in seen:
                    form.add_error(
                        "code",
                        _("Another transition from “%(point)s” has the code “%(code)s”.")
                        % {"point": data["source"], "code": data["code"]},
                    )
                seen.add(pair)
        if not route.is_active or any(self.errors):
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
            on_reply = data.get("on_reply")
            spec = PointSpec(key, data["code"], data["kind"], bool(data.get("is_start")), getattr(on_reply, "pk", None))
            points.append(spec)
        transitions: list[TransitionSpec] = []
        for i, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or delete_ticked(self, form) or len(keys.get(i, {})) != 2:
                continue
            actors = tuple(name for flag, name in ACTOR_FLAGS if data.get(flag))
            chooses = data.get("executor_on_arrival") == ExecutorOnArrival.CHOSEN
            transitions.append(
                TransitionSpec(data["code"], keys[i]["source"], keys[i]["target"], actors, form.instance.pk, chooses)
            )
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
    fields = ("code", "name_ru", "name_en", "kind", "clock", "is_start", "order", "on_reply")

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if db_field.name == "on_reply":
            # The route's saved transitions; RoutePoint.clean keeps only one that starts at the point.
            route_id = _route_id(request)
            route_transitions = Transition.objects.filter(route_id=route_id) if route_id else Transition.objects.none()
            kwargs["queryset"] = route_transitions.select_related("source", "target")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "on_reply" and field is not None:
            # Read once for the formset: every point's row draws the same list (a query per row else).
            field.choices = list(field.iterator(field))
        return field

    def get_extra(self, request: HttpRequest, obj: Route | None = None, **kwargs: Any) -> int:
        return 3 if obj is None else 0  # a new route starts with a few empty rows; "Add another" adds more


class TransitionInline(admin.StackedInline):
    model = Transition
    template = "admin/routes/transition_stacked.html"
    form = TransitionForm
    formset = TransitionFormSet
    extra = 0
    fieldsets = (
        (None, {"fields": (("code", "order"), ("label_ru", "label_en"), ("source", "target"))}),
        (_("Who may take it"), {"fields": (tuple(flag for flag, _name in ACTOR_FLAGS),)}),
        (None, {"fields": (("comment_required", "executor_on_arrival", "reaction"),)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Transition]:
        # Each transition's title names its two points.
        return super().get_queryset(request).select_related("source", "target")

    def get_formset(self, request: HttpRequest, obj: Route | None = None, **kwargs: Any) -> type[BaseInlineFormSet]:
        # The ends are the form's own fields (codes), not the model's: keep them out of the model
        # form's fields, so Django neither builds choice fields for them nor sets them from text.
        fields = [f for f in flatten_fieldsets(self.get_fieldsets(request, obj)) if f not in ENDS]
        return super().get_formset(request, obj, **{"fields": fields, **kwargs})


class PointChoiceField(forms.ModelChoiceField):
    """The route's points by name; two points of one name told apart by their codes."""

    _names: Counter[str] | None = None

    def label_from_instance(self, obj: RoutePoint) -> str:
        if self._names is None:
            self._names = Counter(point.name for point in (self.queryset if self.queryset is not None else ()))
        return obj.name if self._names[obj.name] < 2 else f"{obj.name} — {obj.code}"


class RouteForm(forms.ModelForm):
    class Meta:
        model = Route
        fields = ("code", "name_ru", "name_en", "is_active", "out_of_scope_point")
        field_classes = {"out_of_scope_point": PointChoiceField}

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


def route_diagram(route: Route) -> SafeString:
    """The saved route drawn as an SVG, in the reader's language."""
    kinds = dict(PointKind.choices)
    points = [
        Point(p.pk, p.code, p.name, p.kind, str(kinds.get(p.kind, p.kind)), p.is_start) for p in route.points.all()
    ]
    arrows = [Arrow(t.source_id, t.target_id, t.label or t.code) for t in route.transitions.all()]
    title = gettext("The route %(route)s: its points and transitions") % {"route": route}
    # Safe: diagram.route_svg escapes every text it draws.
    return mark_safe(route_svg(points, arrows, title=title))  # noqa: S308


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    form = RouteForm
    list_display = ("code", "name_ru", "name_en", "is_active")
    inlines = [RoutePointInline, TransitionInline]
    actions = ["copy_as_draft"]
    readonly_fields = ("diagram",)
    change_form_template = "admin/routes/route_change_form.html"

    def get_fieldsets(self, request: HttpRequest, obj: Route | None = None) -> _FieldsetSpec:
        main = ("code", "name_ru", "name_en", "is_active", "out_of_scope_point")
        if obj is None:
            return [(None, {"fields": main})]
        return [(None, {"fields": main}), (_("Diagram"), {"fields": ("diagram",), "classes": ("route-diagram-box",)})]

    @admin.display(description=_("diagram"))
    def diagram(self, obj: Route) -> SafeString:
        return route_diagram(obj)

    @admin.action(description=_("Copy as a draft"))
    def copy_as_draft(self, request: HttpRequest, queryset: QuerySet[Route]) -> None:
        for route in queryset:
            copy = route_copy(route=route)
            messages.success(
                request, _("Draft %(code)s created from %(source)s.") % {"code": copy.code, "source": route.code}
            )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Route | None = None,
    ) -> HttpResponse:
        # The points the transitions' "from" and "to" offer: the code to type, the name to choose by
        # (the page's script adds the points typed in the table).
        points = [(p.code, p.name) for p in obj.points.all()] if obj is not None else []
        context = {**context, "point_codes": points, "point_code_list": CODE_LIST}
        return super().render_change_form(request, context, add, change, form_url, obj)

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
