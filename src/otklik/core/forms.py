"""Typed access to forms: a form's field as what it is (`form.fields` holds them as plain
`Field`s, and the forms that fill their choices or querysets at run time need the real class), and
whether a formset's form is marked for deletion."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.forms.formsets import BaseFormSet
from django.forms.renderers import BaseRenderer
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

F = TypeVar("F", bound=forms.Field)
Form = TypeVar("Form", bound=forms.BaseForm)


def form_field(form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """The form's (per-instance) field `name`, which must be a `kind`."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


def delete_ticked(formset: BaseFormSet[Form], form: Form) -> bool:
    """Whether `form`'s "delete" box is ticked in a formset that offers one, by Django's own test
    (`_should_delete_form`, a private method django-stubs leaves out)."""
    return formset.can_delete and bool(formset._should_delete_form(form))  # type: ignore[attr-defined]


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A `Select` written in Python: the markup of Django's select.html and select_option.html
    (their line breaks too), without a template include per option, which made a list of a few
    dozen people or stages the costliest part of a filter form. Values and labels are escaped as
    the templates escaped them."""

    def render(
        self, name: str, value: object, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        # Widget.get_context's name, attributes and values, and ChoiceWidget.optgroups' walk of the
        # choices, without a dictionary per option (a Select's options inherit no attributes).
        shown = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            shown["multiple"] = True
        values = self.format_value(value)
        checked = _attrs(self.checked_attribute)
        out = [f'<select name="{conditional_escape(name)}"{_attrs(shown)}>']
        has_selected = False
        for option_value, option_label in self.choices:
            is_group = isinstance(option_label, list | tuple)
            group = "" if option_value is None else option_value
            options = option_label if is_group else [(group, option_label)]
            if is_group and group:
                out.append(f'\n  <optgroup label="{conditional_escape(group)}">')
            for code, label in options:
                selected = (not has_selected or self.allow_multiple_selected) and str(code) in values
                has_selected |= selected
                out.append(
                    f'\n  <option value="{conditional_escape(str(code))}"{checked if selected else ""}>'
                    f"{conditional_escape(str(label))}</option>\n"
                )
            if is_group and group:
                out.append("\n  </optgroup>")
        out.append("\n</select>")  # the renderer strips what the template ends with
        return mark_safe("".join(out))  # noqa: S308 -- every value above is escaped


class QuickTextInput(forms.TextInput):
    """A `TextInput` written in Python: the markup of Django's input.html and attrs.html, without
    the two template renders per field (a third of the workspace's filter form). Escaped as the
    templates escape it."""

    def render(
        self, name: str, value: object, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        shown = self.build_attrs(self.attrs, attrs)
        formatted = self.format_value(value)
        filled = "" if formatted is None else f' value="{conditional_escape(str(formatted))}"'
        html = f'<input type="{conditional_escape(self.input_type)}" name="{conditional_escape(name)}"{filled}'
        return mark_safe(f"{html}{_attrs(shown)}>")  # noqa: S308 -- every value above is escaped


__all__ = ["QuickSelect", "QuickTextInput", "delete_ticked", "form_field"]
