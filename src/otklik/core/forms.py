"""Typed access to forms: a form's field as what it is (`form.fields` holds them as plain
`Field`s, and the forms that fill their choices or querysets at run time need the real class), and
whether a formset's form is marked for deletion."""

from __future__ import annotations

from typing import TypeVar

from django import forms
from django.forms.formsets import BaseFormSet

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


__all__ = ["delete_ticked", "form_field"]
